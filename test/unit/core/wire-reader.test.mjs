// createWireReader, the glue between body bytes and a tracker for the byte-level adapters: one chunk
// per SSE event / NDJSON line / raw chunk, the rule's terminal and error signals applied, malformed
// events counted at the end, a claimed transport counting bytes only, and a throwing rule reported
// once through diag and never thrown into the app's read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endTransportWith } from '../../../dist/core/layering.js';
import { createWireReader } from '../../../dist/core/wire-reader.js';
import { terminalRuleFor } from '../../../dist/index.js';
import { captureDiag } from '../../support/diag.mjs';
import { testTracker } from '../../support/tracker.mjs';

const tracker = (protocol, source = 'test', requiresTerminal = true) => testTracker({ source, protocol, requiresTerminal, stallThresholdMs: 0 });
const bytes = (text) => new TextEncoder().encode(text);

/** Pushes `text` in slices of `size` bytes (cutting lines, CRLFs and UTF-8 sequences), then ends. */
function feed(wire, text, size) {
  const all = bytes(text);
  for (let i = 0; i < all.length; i += size) wire.push(all.subarray(i, i + size));
  wire.end();
  return all.length;
}

const OPENAI_CHAT = [
  'data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"content":"Grüße"}}]}\n\n',
  'data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
  'data: [DONE]\n\n',
].join('');

test('SSE: one chunk per event, every byte counted, the terminal applied, whatever the slicing', () => {
  for (const size of [1, 3, 7, 1024]) {
    const tr = tracker('sse');
    const n = feed(createWireReader(tr, 'sse', terminalRuleFor('openai.chat')), OPENAI_CHAT, size);
    assert.equal(tr.chunkCount, 3, `slices of ${size}`);
    assert.equal(tr.bytes, n);
    assert.equal(tr.terminalSeen, true);
    assert.equal(tr.malformedCount, 0);
    tr.end('eof');
    assert.equal(tr.outcome, 'completed');
  }
});

test('SSE: a clean end before any finish is truncated', () => {
  const tr = tracker('sse');
  feed(createWireReader(tr, 'sse', terminalRuleFor('openai.chat')), OPENAI_CHAT.split('\n\n')[0] + '\n\n', 16);
  assert.equal(tr.chunkCount, 1);
  assert.equal(tr.terminalSeen, false);
  tr.end('eof');
  assert.equal(tr.outcome, 'truncated');
});

test('SSE: an in-stream error event marks the error with its type', () => {
  const tr = tracker('sse');
  const wire = createWireReader(tr, 'sse', terminalRuleFor('anthropic'));
  feed(
    wire,
    'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","model":"claude-x"}}\n\n' +
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    5,
  );
  assert.equal(tr.chunkCount, 2);
  assert.equal(tr.errorSeen, true);
  assert.equal(tr.facts.errorType, 'overloaded_error');
  tr.end('eof');
  assert.equal(tr.outcome, 'errored');
});

test('SSE: a final event without its blank line is flushed by end()', () => {
  const tr = tracker('sse');
  const wire = createWireReader(tr, 'sse', terminalRuleFor('openai.chat'));
  wire.push(bytes('data: {"choices":[]}\n\ndata: [DONE]'));
  assert.equal(tr.chunkCount, 1, 'the last event is not complete yet');
  wire.end();
  assert.equal(tr.chunkCount, 2);
  assert.equal(tr.terminalSeen, true);
});

test('SSE: lines that are no SSE field are counted as malformed at the end', () => {
  const tr = tracker('sse');
  feed(createWireReader(tr, 'sse', undefined), 'data: a\n\nthis is not sse\n\ndata: b\n\n', 4);
  assert.equal(tr.chunkCount, 2);
  assert.equal(tr.malformedCount, 1);
  tr.end('eof');
});

test('SSE without a rule: events are counted, nothing is terminal', () => {
  const tr = tracker('sse', 'test', false);
  feed(createWireReader(tr, 'sse', undefined), OPENAI_CHAT, 9);
  assert.equal(tr.chunkCount, 3);
  assert.equal(tr.terminalSeen, false);
  tr.end('eof');
  assert.equal(tr.outcome, 'completed', 'no terminal required');
});

const OLLAMA = [
  '{"model":"llama","message":{"role":"assistant","content":"Hi"},"done":false}\n',
  '{"model":"llama","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":2}\n',
].join('');

test('NDJSON: one chunk per line, the terminal line applied, whatever the slicing', () => {
  for (const size of [1, 10, 4096]) {
    const tr = tracker('ndjson');
    const n = feed(createWireReader(tr, 'ndjson', terminalRuleFor('ollama')), OLLAMA, size);
    assert.equal(tr.chunkCount, 2, `slices of ${size}`);
    assert.equal(tr.bytes, n);
    assert.equal(tr.terminalSeen, true);
    tr.end('eof');
    assert.equal(tr.outcome, 'completed');
  }
});

test('NDJSON: an error line marks the error; a line that is no JSON object is malformed', () => {
  const tr = tracker('ndjson');
  feed(createWireReader(tr, 'ndjson', terminalRuleFor('ollama')), '{"model":"llama","done":false}\nnot json\n{"error":"model not found"}\n', 6);
  assert.equal(tr.chunkCount, 3);
  assert.equal(tr.malformedCount, 1);
  assert.equal(tr.errorSeen, true);
  tr.end('eof');
  assert.equal(tr.outcome, 'errored');
});

test('NDJSON: a last line without its newline is flushed by end()', () => {
  const tr = tracker('ndjson');
  const wire = createWireReader(tr, 'ndjson', terminalRuleFor('ollama'));
  wire.push(bytes(OLLAMA.trimEnd()));
  assert.equal(tr.chunkCount, 1);
  wire.end();
  assert.equal(tr.chunkCount, 2);
  assert.equal(tr.terminalSeen, true);
});

test('bytes: every pushed chunk is one chunk, with its bytes', () => {
  const tr = tracker('bytes', 'test', false);
  const wire = createWireReader(tr, 'bytes', undefined);
  wire.push(bytes('abc'));
  wire.push(new Uint8Array(0));
  wire.push(bytes('défg'));
  wire.end();
  assert.equal(tr.chunkCount, 3);
  assert.equal(tr.bytes, 8);
});

test('a claimed transport counts bytes only: no chunks, no terminal, no error, no malformed', () => {
  for (const [protocol, rule, body] of [
    ['sse', 'openai.chat', 'data: {"error":{"type":"server_error"}}\n\nnot sse\n\ndata: [DONE]\n\n'],
    ['ndjson', 'ollama', 'nope\n{"error":"boom"}\n{"done":true}\n'],
  ]) {
    const sdk = tracker('objects');
    const transport = tracker(protocol);
    endTransportWith(sdk, transport);
    const n = feed(createWireReader(transport, protocol, terminalRuleFor(rule)), body, 3);
    assert.equal(transport.bytes, n, protocol);
    assert.equal(transport.chunkCount, 0, protocol);
    assert.equal(transport.terminalSeen, false, protocol);
    assert.equal(transport.errorSeen, false, protocol);
    assert.equal(transport.malformedCount, 0, protocol);
    assert.equal(sdk.bodyBytes, n, 'the SDK stream reports them');
    sdk.end('eof');
  }
});

test('a throwing rule is reported once through diag, never thrown, and the reader then only counts bytes', (t) => {
  const warnings = captureDiag(t);
  const throwing = {
    name: 'throwing',
    protocol: 'sse',
    requiresTerminal: true,
    classify() {
      throw new Error('rule boom');
    },
  };
  for (const protocol of ['sse', 'ndjson']) {
    const tr = tracker(protocol, `throwing-${protocol}`);
    const wire = createWireReader(tr, protocol, { ...throwing, protocol });
    const body = protocol === 'sse' ? 'data: {}\n\ndata: {}\n\n' : '{}\n{}\n';
    assert.doesNotThrow(() => {
      wire.push(bytes(body));
      wire.push(bytes(body));
      wire.end();
    });
    assert.equal(tr.chunkCount, 1, 'the event that reached the rule was counted, then parsing stopped');
    assert.equal(tr.bytes, 2 * bytes(body).length, 'bytes are still counted');
    tr.end('eof');
    assert.equal(tr.outcome, 'truncated', 'no terminal was seen');
  }
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /wire-reader\.throwing-sse failed \(Error: rule boom\)/);
  assert.match(warnings[1], /wire-reader\.throwing-ndjson failed/);
  // A second stream of the same source: nothing new in the log.
  const again = tracker('sse', 'throwing-sse');
  createWireReader(again, 'sse', throwing).push(bytes('data: {}\n\n'));
  assert.equal(warnings.length, 2, 'once per source');
  again.end('eof');
});
