// HttpClientInstrumentation against real local servers with real faults: node:http `request`/`get`
// (patched through require-in-the-middle: enabled before `http` is required below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isMidstreamWrapped } from '../../../../dist/instrumentations/kit/chain-wrap.js';
import { HttpClientInstrumentation } from '../../../../dist/instrumentations/transport/http-client/index.js';
import { terminalRuleFor } from '../../../../dist/index.js';
import { markSdkStream } from '../../../../dist/core/layering.js';
import { context } from '@opentelemetry/api';
import { deferred, instrument, sseEvents, startServer, streamSpans, tick, withOptions } from '../http-harness.mjs';

const instrumentation = new HttpClientInstrumentation();
const otel = instrument(instrumentation);
const http = createRequire(import.meta.url)('node:http');

const SSE = { 'content-type': 'text/event-stream' };
const EVENTS = ['data: one\n\n', 'data: two\n\n', 'data: three\n\n'];

function onlySpan(path) {
  const spans = streamSpans(otel, 'http.client').filter((s) => s.attributes['url.full'].endsWith(path));
  assert.equal(spans.length, 1, `one stream span for ${path}, got ${spans.length}`);
  return spans[0];
}

/** Issues a GET and resolves with the response (the request is returned too). */
function get(url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, options, (res) => resolve({ req, res }));
    req.on('error', reject);
  });
}

/** Resolves when `res` has closed (events.once would add an 'error' listener, which changes what Node emits). */
function closed(res) {
  return res.closed ? Promise.resolve() : new Promise((resolve) => res.on('close', resolve));
}

/** Reads a whole body with a 'data' listener; resolves with the text and the error, if any. */
function readBody(res) {
  return new Promise((resolve) => {
    let text = '';
    let error;
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('error', (e) => (error = e));
    res.on('close', () => resolve({ text, error }));
  });
}

test('patches http.request and http.get when http is required after enable()', () => {
  assert.ok(isMidstreamWrapped(http.request));
  assert.ok(isMidstreamWrapped(http.get));
});

test('marks a complete SSE stream as completed with one chunk per event', async (t) => {
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    for (const e of EVENTS) res.write(e);
    res.end();
  });
  const { res } = await get(url('/complete'));
  const { text } = await readBody(res);
  assert.equal(text, EVENTS.join(''));
  const a = onlySpan('/complete').attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.protocol'], 'sse');
  assert.equal(a['midstream.chunk.count'], 3);
  assert.equal(a['midstream.bytes'], Buffer.byteLength(EVENTS.join('')));
  assert.equal(a['http.request.method'], 'GET');
  assert.equal(a['http.response.status_code'], 200);
  assert.equal(a['server.address'], '127.0.0.1');
  assert.ok(a['midstream.time_to_first_chunk'] >= a['midstream.time_to_headers']);
});

test('leaves flow mode untouched: readableFlowing stays null and a late data listener gets every byte', async (t) => {
  const body = EVENTS.join('');
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    for (const e of EVENTS) res.write(e);
    res.end();
  });
  const { res } = await get(url('/late'));
  assert.equal(res.readableFlowing, null);
  // Wait (without reading) until the whole body sits in the stream's buffer.
  while (res.readableLength < Buffer.byteLength(body)) await tick();
  assert.equal(res.readableFlowing, null, 'nothing switched the response to flowing');
  const { text } = await readBody(res);
  assert.equal(text, body);
  assert.equal(onlySpan('/late').attributes['midstream.chunk.count'], 3, 'chunks observed as they arrived');
});

test('marks a socket destroyed mid-stream as truncated with a truncated event', async (t) => {
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    res.write(EVENTS[0]);
    res.write(EVENTS[1], () => setTimeout(() => req.socket.destroy(), 20));
  });
  const { res } = await get(url('/reset'));
  const { text } = await readBody(res);
  assert.equal(text, EVENTS[0] + EVENTS[1]);
  const span = onlySpan('/reset');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((e) => e.name === 'midstream.truncated'));
});

test('marks a clean close before [DONE] as truncated through a user URL rule', async (t) => {
  instrumentation.setConfig({ rules: [{ match: '/v1/chat/completions', rule: terminalRuleFor('openai.chat') }] });
  t.after(() => instrumentation.setConfig({}));
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    for (const e of sseEvents('openai-chat-truncated.sse')) res.write(e);
    res.end();
  });
  const { res } = await get(url('/v1/chat/completions'));
  await readBody(res);
  const a = onlySpan('/v1/chat/completions').attributes;
  assert.equal(a['midstream.outcome'], 'truncated');
  assert.equal(a['midstream.terminal_seen'], false);
});

test('marks the same rule-matched stream with [DONE] as completed', async (t) => {
  instrumentation.setConfig({ rules: [{ match: '/v2/chat/completions', rule: terminalRuleFor('openai.chat') }] });
  t.after(() => instrumentation.setConfig({}));
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    for (const e of sseEvents('openai-chat.sse')) res.write(e);
    res.end();
  });
  const { res } = await get(url('/v2/chat/completions'));
  await readBody(res);
  const a = onlySpan('/v2/chat/completions').attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.terminal_seen'], true);
});

test('marks an in-stream error event as errored', async (t) => {
  instrumentation.setConfig({ rules: [{ match: '/v3/chat/completions', rule: terminalRuleFor('openai.chat') }] });
  t.after(() => instrumentation.setConfig({}));
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    for (const e of sseEvents('openai-chat-error.sse')) res.write(e);
    res.end();
  });
  const { res } = await get(url('/v3/chat/completions'));
  await readBody(res);
  const span = onlySpan('/v3/chat/completions');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'server_error');
  assert.equal(span.status.code, 2);
});

/** A server that writes one event, then holds the stream open until the test ends. */
async function holdingServer(t) {
  const held = [];
  t.after(() => held.forEach((res) => res.end()));
  return startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    res.write(EVENTS[0]);
    held.push(res);
  });
}

test('marks req.destroy() by the caller mid-stream as aborted', async (t) => {
  const { url } = await holdingServer(t);
  const { req, res } = await get(url('/destroy-req'));
  const first = deferred();
  res.once('data', first.resolve);
  await first.promise;
  req.destroy();
  await closed(res);
  const span = onlySpan('/destroy-req');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('marks an AbortSignal abort mid-stream as aborted', async (t) => {
  const { url } = await holdingServer(t);
  const controller = new AbortController();
  const { req, res } = await get(url('/signal'), { signal: controller.signal });
  req.on('error', () => {});
  res.on('error', () => {});
  const first = deferred();
  res.once('data', first.resolve);
  await first.promise;
  controller.abort();
  await closed(res);
  assert.equal(onlySpan('/signal').attributes['midstream.outcome'], 'aborted');
});

test('marks res.destroy() by the consumer as cancelled', async (t) => {
  const { url } = await holdingServer(t);
  const { res } = await get(url('/destroy-res'));
  const first = deferred();
  res.once('data', first.resolve);
  await first.promise;
  res.destroy();
  await closed(res);
  const span = onlySpan('/destroy-res');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.status.code, 0);
});

test('marks a break out of for await as cancelled', async (t) => {
  const { url } = await holdingServer(t);
  const { res } = await get(url('/break'));
  for await (const chunk of res) {
    assert.ok(chunk.length > 0);
    break;
  }
  if (!res.closed) await closed(res);
  assert.equal(onlySpan('/break').attributes['midstream.outcome'], 'cancelled');
});

test('records a stall as an event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 50 });
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    res.write(EVENTS[0]);
    setTimeout(() => {
      res.write(EVENTS[1]);
      res.end(EVENTS[2]);
    }, 250);
  });
  const { res } = await get(url('/stall'));
  await readBody(res);
  const span = onlySpan('/stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  const stall = span.events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall, 'a stall event');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.2);
});

test('gives a non-streaming JSON response no span', async (t) => {
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  const { res } = await get(url('/json'));
  const { text } = await readBody(res);
  assert.equal(text, '{"ok":true}');
  assert.equal(streamSpans(otel, 'http.client').filter((s) => s.attributes['url.full'].endsWith('/json')).length, 0);
});

test('treats a streamUrls match as a byte stream whatever its content type', async (t) => {
  instrumentation.setConfig({ streamUrls: ['/bytes'] });
  t.after(() => instrumentation.setConfig({}));
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write('abc');
    setTimeout(() => res.end('def'), 20);
  });
  const { res } = await get(url('/bytes'));
  await readBody(res);
  const a = onlySpan('/bytes').attributes;
  assert.equal(a['midstream.protocol'], 'bytes');
  assert.equal(a['midstream.bytes'], 6);
  assert.equal(a['midstream.outcome'], 'completed');
});

test('records the stream metrics once, labelled without the URL path', async (t) => {
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    res.end(EVENTS[0]);
  });
  const before = await otel.metric('midstream.stream.outcomes');
  const { res } = await get(url('/metrics?id=1'));
  await readBody(res);
  const points = await otel.metric('midstream.stream.outcomes');
  const sum = (ps) => ps.filter((p) => p.attributes['midstream.source'] === 'http.client').reduce((s, p) => s + p.value, 0);
  assert.equal(sum(points) - sum(before), 1);
  for (const p of points) assert.ok(!Object.values(p.attributes).some((v) => String(v).includes('/metrics')));
});

test('keeps the span but records no metrics under an SDK-level stream (counted once)', async (t) => {
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    res.end(EVENTS[0]);
  });
  const count = async () => (await otel.metric('midstream.stream.outcomes')).filter((p) => p.attributes['midstream.source'] === 'http.client').reduce((n, p) => n + p.value, 0);
  const before = await count();
  const { res } = await context.with(markSdkStream(context.active()), () => get(url('/under-sdk')));
  await readBody(res);
  assert.equal(onlySpan('/under-sdk').attributes['midstream.outcome'], 'completed');
  assert.equal(await count(), before);
});

/** Runs a scenario and returns what the app saw: bytes, error code and message, events. */
async function appView(url) {
  const { res } = await get(url);
  const seen = { flowing: res.readableFlowing, chunks: [] };
  try {
    for await (const chunk of res) seen.chunks.push(chunk.toString('latin1'));
  } catch (error) {
    seen.error = { name: error.name, code: error.code, message: error.message };
  }
  return seen;
}

test('is transparent: identical bytes and errors with and without the instrumentation', async (t) => {
  const { url } = await startServer(t, (req, res) => {
    res.writeHead(200, SSE);
    res.write(EVENTS[0]);
    res.write(EVENTS[1], () => setTimeout(() => (req.url === '/t-reset' ? req.socket.destroy() : res.end(EVENTS[2])), 20));
  });
  const instrumented = [await appView(url('/t-full')), await appView(url('/t-reset'))];
  assert.equal(streamSpans(otel, 'http.client').filter((s) => s.attributes['url.full'].includes('/t-')).length, 2);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  assert.ok(!isMidstreamWrapped(http.request), 'disable() unpatches');
  const plain = [await appView(url('/t-full')), await appView(url('/t-reset'))];
  assert.deepEqual(instrumented, plain);
  assert.equal(plain[1].error.code, 'ECONNRESET');
});
