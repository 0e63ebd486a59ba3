// Malformed streams reach the app exactly as sent; midstream never turns them into errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSseServer } from '../../../support/sse-server.mjs';
import { consume, sameWithAndWithout, spanOf, spansOf } from './fetch-harness.mjs';

const CHAT = '/v1/chat/completions';

test('garbage bytes on an SSE stream reach the app unchanged', async (t) => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256));
  const server = await startSseServer({ events: [garbage, Buffer.from('\r\r\n\0data'), garbage] });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT)));
  assert.equal(seen.error, undefined);
  assert.equal(Buffer.from(seen.data, 'hex').length, 2 * 4096 + 8);
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.bytes'], 2 * 4096 + 8);
  assert.equal(span.attributes['midstream.outcome'], 'truncated', 'no [DONE] on the chat rule');
});

test('a 10 MB single SSE event is delivered whole', async (t) => {
  const big = `data: ${'x'.repeat(10 * 1024 * 1024)}\n\n`;
  const server = await startSseServer({ events: [big, 'data: [DONE]\n\n'], delayMs: 0 });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url('/big')));
  assert.equal(seen.error, undefined);
  assert.equal(seen.data.length / 2, big.length + 'data: [DONE]\n\n'.length);
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.bytes'], big.length + 14);
});

test('invalid UTF-8 split across chunks reaches the app byte for byte', async (t) => {
  const events = [Buffer.from('data: caf\xc3'.split('').map((c) => c.charCodeAt(0))), Buffer.from([0xa9, 0xff, 0xfe, 0x0a, 0x0a]), Buffer.from('data: [DONE]\n\n')];
  const server = await startSseServer({ events });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT)));
  assert.equal(seen.data, Buffer.concat(events).toString('hex'));
  const text = await sameWithAndWithout(() => consume(server.url(CHAT), 'text'));
  assert.ok(text.data.includes('\ufffd'));
  assert.deepEqual(spansOf(server).map((s) => s.attributes['midstream.outcome']), ['completed', 'completed']);
});

test('a content type that says SSE but sends JSON reaches json() unchanged', async (t) => {
  const server = await startSseServer({ events: ['{"choices":[{"message":{"content":"hi"}}]}'] });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url('/lies'), 'json'));
  assert.equal(seen.data, '{"choices":[{"message":{"content":"hi"}}]}');
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.bytes'], seen.data.length);
});
