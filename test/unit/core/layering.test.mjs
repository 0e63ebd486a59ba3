// core/layering.ts with real trackers: a transport stream claimed by an SDK stream follows it (one
// outcome, whatever the transport saw), stops parsing, and lends the SDK stream its byte count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import {
  claimTransportStream,
  endTransportWith,
  isSdkStream,
  markSdkStream,
  markWrapperStream,
  notifyWrapperStream,
  offerTransportStream,
  registerTransportStream,
  withTransportSlot,
} from '../../../dist/core/layering.js';
import { createInMemoryOtel, sumWhere } from '../../support/in-memory-otel.mjs';
import { testTracker } from '../../support/tracker.mjs';
import { createWireReader } from '../../../dist/core/wire-reader.js';
import { terminalRuleFor } from '../../../dist/index.js';

const tracker = (protocol, requiresTerminal) => testTracker({ source: protocol === 'objects' ? 'sdk' : 'fetch', protocol, requiresTerminal });
const bytes = (text) => new TextEncoder().encode(text);

test('a claimed transport that sees a clean end first still ends with the SDK stream outcome', () => {
  const sdk = tracker('objects', true);
  const transport = tracker('sse', false);
  const response = {};
  registerTransportStream(response, transport);
  assert.equal(claimTransportStream(response, sdk), transport);
  transport.end('eof');
  assert.equal(transport.isLive, true, 'the transport waits for its leader');
  sdk.end('eof');
  assert.equal(sdk.outcome, 'truncated');
  assert.equal(transport.outcome, 'truncated');
});

test('an error in the SDK stream is errored on the transport too, not cancelled', () => {
  const sdk = tracker('objects', true);
  const transport = tracker('sse', false);
  endTransportWith(sdk, transport);
  transport.end('cancel');
  sdk.markError('server_error');
  sdk.end('error', new Error('in-stream error'));
  assert.equal(transport.outcome, 'errored');
});

test('a claimed transport only counts bytes: its wire reader parses nothing', () => {
  const sdk = tracker('objects', true);
  const transport = tracker('sse', true);
  endTransportWith(sdk, transport);
  const wire = createWireReader(transport, 'sse', terminalRuleFor('openai.chat'));
  wire.push(bytes('data: {"choices":[]}\n\n'));
  wire.push(bytes('data: [DONE]\n\n'));
  wire.end();
  assert.equal(transport.chunkCount, 0);
  assert.equal(transport.terminalSeen, false);
  assert.equal(transport.bytes, 36);
  assert.equal(sdk.bodyBytes, 36, 'the SDK stream reports the transport bytes');
});

test('an SDK stream with no transport has no body bytes (not 0)', () => {
  const sdk = tracker('objects', true);
  sdk.onChunk();
  assert.equal(sdk.bodyBytes, undefined);
  const plain = tracker('sse', false);
  assert.equal(plain.bodyBytes, 0, 'a transport stream of its own reports its own count');
});

test('an SDK stream over an uncounted transport read (tee) reports no bytes rather than 0', () => {
  const sdk = tracker('objects', true);
  const transport = tracker('sse', false);
  endTransportWith(sdk, transport);
  sdk.onChunk();
  assert.equal(sdk.bodyBytes, undefined);
});

test('a response offered in a context with a transport slot is left there for the SDK call to claim', () => {
  const slot = {};
  const ctx = withTransportSlot(ROOT_CONTEXT, slot);
  const response = {};
  offerTransportStream(ROOT_CONTEXT, response);
  assert.equal(slot.response, undefined, 'no slot in that context: nothing left');
  offerTransportStream(ctx, response);
  assert.equal(slot.response, response);
  const transport = tracker('sse', false);
  registerTransportStream(response, transport);
  assert.equal(claimTransportStream(slot.response, tracker('objects', true)), transport);
});

test('the SDK-stream mark lives in the context it was set on, not in its parent', () => {
  const marked = markSdkStream(ROOT_CONTEXT);
  assert.equal(isSdkStream(marked), true);
  assert.equal(isSdkStream(ROOT_CONTEXT), false);
});

test('a response is claimed once; unknown responses and non-objects claim nothing', () => {
  const transport = tracker('sse', false);
  const response = {};
  registerTransportStream(response, transport);
  for (const other of [undefined, null, 'response', 42, {}]) assert.equal(claimTransportStream(other), undefined);
  assert.equal(claimTransportStream(response), transport);
  assert.equal(claimTransportStream(response), undefined, 'already claimed');
  transport.end('eof');
});

test('a claim without an SDK tracker only stops the metrics: the transport still ends on its own terms', async (t) => {
  const otel = createInMemoryOtel();
  t.after(() => otel.shutdown());
  const tel = new StreamTelemetry(otel.meterProvider.getMeter('test'));
  const transport = testTracker({ source: 'fetch', protocol: 'sse', requiresTerminal: false }, tel);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 1);
  const response = {};
  registerTransportStream(response, transport);
  claimTransportStream(response);
  assert.equal(transport.recordMetrics, false);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0, 'the active +1 is taken back');
  assert.equal(transport.isClaimed, false);
  transport.end('eof');
  assert.equal(transport.outcome, 'completed');
  assert.equal(sumWhere(await otel.metric('midstream.stream.outcomes')), 0, 'counted by the SDK layer, not here');
});

test('a transport that follows an SDK stream which already ended ends at once with its outcome', () => {
  const sdk = tracker('objects', true);
  sdk.end('cancel');
  const transport = tracker('sse', false);
  endTransportWith(sdk, transport);
  assert.equal(transport.outcome, 'cancelled');
});

test('a transport follows one leader: a second one is ignored', () => {
  const first = tracker('objects', true);
  const second = tracker('objects', true);
  const transport = tracker('sse', false);
  endTransportWith(first, transport);
  endTransportWith(second, transport);
  second.end('abort');
  assert.equal(transport.isLive, true);
  first.markTerminal();
  first.end('eof');
  assert.equal(transport.outcome, 'completed');
});

test('endTransportWith without a transport does nothing', () => {
  const sdk = tracker('objects', true);
  endTransportWith(sdk, undefined);
  sdk.onChunk();
  assert.equal(sdk.bodyBytes, undefined);
  sdk.end('eof');
});

test('a counted stream started inside a wrapper stream tells the wrapper; outside one, nobody', () => {
  let told = 0;
  const ctx = markWrapperStream(ROOT_CONTEXT, { innerStreamStarted: () => told++ });
  notifyWrapperStream(ROOT_CONTEXT);
  assert.equal(told, 0);
  notifyWrapperStream(ctx);
  notifyWrapperStream(markSdkStream(ctx));
  assert.equal(told, 2, 'the mark is inherited by derived contexts');
});
