// Shared by the provider tests: runs a provider's two views over one recorded transcript. The wire
// view gets the transcript framed by the real SSE / NDJSON readers; the item view gets what an SDK
// yields for it (for most providers the `data:` payloads, parsed).
import assert from 'node:assert/strict';
import { NdjsonReader, SseReader } from '../../../dist/protocols/index.js';
import { readWire } from '../protocols/wire-slices.mjs';

export const SIGNAL_NONE = 0;
export const SIGNAL_TERMINAL = 1;
export const SIGNAL_ERROR = 2;

/** The events of a recorded transcript (`test/fixtures/wire/<name>`), framed as the wire reader frames them. */
export function eventsOf(fixture, protocol = fixture.endsWith('.ndjson') ? 'ndjson' : 'sse') {
  const events = [];
  const reader =
    protocol === 'sse'
      ? new SseReader({ onEvent: (event, data) => events.push({ event, data }) })
      : new NdjsonReader({ onLine: (line) => events.push({ event: '', data: line }) });
  reader.push(readWire(fixture));
  reader.end();
  return events;
}

/** The events up to (not including) the first one `isTerminal` picks: the same stream closed before its terminal. */
export function cutBefore(events, isTerminal) {
  const at = events.findIndex(isTerminal);
  assert.ok(at > 0, 'the transcript has a terminal event to cut');
  return events.slice(0, at);
}

/** The wire view: classify every event, as core/wire-reader does. */
export function runWire(rule, events) {
  const facts = {};
  const signals = events.map(({ event, data }) => rule.classify(event, data, facts));
  return { facts: found(facts), signals, terminal: signals.includes(SIGNAL_TERMINAL), error: signals.includes(SIGNAL_ERROR) };
}

/** The `data:` payloads of the events, parsed, as Stainless-style SDKs yield them (`[DONE]` is swallowed). */
export function dataItems(events) {
  return events.filter(({ data }) => !data.startsWith('[DONE]')).map(({ data }) => JSON.parse(data));
}

/** The item view: read every item, as core/item-reader does; an `error` (what the SDK threw) goes to `readError`. */
export function runItems(read, items, thrown) {
  const facts = {};
  const text = [];
  const out = { addOutputText: (delta) => text.push(delta) };
  const signals = items.map((item) => read(item, facts, out));
  let ending;
  if (thrown !== undefined) {
    ending = thrown.read(thrown.error, facts);
    if (ending === SIGNAL_ERROR) signals.push(ending);
  }
  return {
    facts: found(facts),
    signals,
    text: text.join(''),
    ending,
    terminal: signals.includes(SIGNAL_TERMINAL),
    error: signals.includes(SIGNAL_ERROR),
  };
}

/** The facts a view found (a key assigned `undefined` found nothing). */
export function found(facts) {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
}

/** Both views agree: same facts, same terminal and error signals. */
export function assertSameOutcome(wire, items) {
  assert.deepEqual(
    { facts: items.facts, terminal: items.terminal, error: items.error },
    { facts: wire.facts, terminal: wire.terminal, error: wire.error },
  );
}

/** snake_case keys to camelCase, deeply: what Cohere's and Mistral's SDK serializers yield for the wire JSON. */
export function camel(value) {
  if (Array.isArray(value)) return value.map(camel);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), camel(v)]));
}

/** Items no SDK yields on purpose: a reader returns no signal for them and records nothing. */
export const ODD_ITEMS = [
  null,
  undefined,
  1,
  'x',
  [],
  {},
  { choices: null },
  { choices: [null, 1, { delta: null }] },
  { usage: 'x' },
  { type: 'message_start', message: null },
  { type: 'message_delta', delta: null, usage: null },
  { type: 'response.created', response: null },
  { x_groq: { usage: null } },
  { data: null },
  { event: 'thread.run.created', data: 5 },
  { candidates: [null, 1], usageMetadata: [] },
];

export function assertOddItemsHarmless(read) {
  const got = runItems(read, ODD_ITEMS);
  assert.deepEqual(
    got.signals,
    ODD_ITEMS.map(() => SIGNAL_NONE),
  );
  assert.deepEqual(got.facts, {});
  assert.equal(got.text, '');
}
