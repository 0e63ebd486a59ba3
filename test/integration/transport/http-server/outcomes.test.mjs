// HttpServerInstrumentation alone (no @opentelemetry/instrumentation-http): streamed responses of a
// real node:http server, with real client disconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { isMidstreamWrapped } from '../../../../dist/instrumentations/kit/chain-wrap.js';
import { HttpServerInstrumentation } from '../../../../dist/instrumentations/transport/http-server/index.js';
import { deferred, instrument, startServer, streamSpans } from '../http-harness.mjs';

const instrumentation = new HttpServerInstrumentation();
const otel = instrument(instrumentation);
const http = createRequire(import.meta.url)('node:http');

const EVENTS = ['data: one\n\n', 'data: two\n\n', 'data: three\n\n'];

function spansFor(path) {
  return streamSpans(otel, 'http.server').filter((s) => s.attributes['url.path'] === path);
}

function onlySpan(path) {
  const spans = spansFor(path);
  assert.equal(spans.length, 1, `one stream span for ${path}, got ${spans.length}`);
  return spans[0];
}

/** A server whose handler resolves `done` once the response closed (after midstream's listener ran). */
async function server(t, handler) {
  const done = deferred();
  const s = await startServer(
    t,
    (req, res) => {
      res.on('close', () => setImmediate(done.resolve));
      handler(req, res);
    },
    http.createServer,
  );
  return { ...s, done: done.promise };
}

/** GET `url`, read `n` chunks (all when undefined), then either finish or destroy the socket. */
function client(url, { destroyAfter } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let text = '';
      let chunks = 0;
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
        chunks++;
        if (destroyAfter !== undefined && chunks >= destroyAfter) req.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (e) => (destroyAfter !== undefined ? undefined : reject(e)));
  });
}

test('patches Server.prototype.emit of http when http is required after enable()', () => {
  assert.ok(isMidstreamWrapped(http.Server.prototype.emit));
});

test('marks a streamed response that ends normally as completed, one chunk per write', async (t) => {
  const { url, done } = await server(t, (req, res) => {
    res.setHeader('content-type', 'text/event-stream');
    res.write(EVENTS[0]);
    setTimeout(() => {
      res.write(EVENTS[1]);
      res.end(EVENTS[2]);
    }, 20);
  });
  const { text } = await client(url('/sse?token=secret'));
  assert.equal(text, EVENTS.join(''));
  await done;
  const span = onlySpan('/sse');
  const a = span.attributes;
  assert.equal(span.kind, 1, 'SERVER: the only span of this request');
  assert.equal(span.name, 'sse GET');
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.chunk.count'], 3);
  assert.equal(a['midstream.bytes'], Buffer.byteLength(EVENTS.join('')));
  assert.equal(a['http.request.method'], 'GET');
  assert.equal(a['http.response.status_code'], 200);
  assert.equal(a['http.route'], undefined, 'no route without a framework');
  assert.ok(a['midstream.time_to_first_chunk'] >= 0);
  assert.equal(span.status.code, 0);
});

test('marks a client disconnect mid-stream as client_disconnected with an event', async (t) => {
  const { url, done } = await server(t, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
    res.write(EVENTS[0]);
    const timer = setInterval(() => res.write(EVENTS[1]), 5);
    res.on('close', () => clearInterval(timer));
  });
  await client(url('/gone'), { destroyAfter: 2 });
  await done;
  const span = onlySpan('/gone');
  assert.equal(span.attributes['midstream.outcome'], 'client_disconnected');
  assert.ok(span.attributes['midstream.chunk.count'] >= 2);
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
  const event = span.events.find((e) => e.name === 'midstream.client_disconnected');
  assert.ok(event, 'a client_disconnected event');
  assert.equal(event.attributes['midstream.reason'], 'closed_before_end');
  const points = await otel.metric('midstream.stream.outcomes');
  const p = points.find((x) => x.attributes['midstream.outcome'] === 'client_disconnected');
  assert.equal(p.value, 1);
  assert.equal(p.attributes['midstream.source'], 'http.server');
  assert.ok(!Object.values(p.attributes).some((v) => String(v).includes('/gone')), 'no raw path in metric labels');
});

test('detects NDJSON from writeHead headers given as an array', async (t) => {
  const { url, done } = await server(t, (req, res) => {
    res.writeHead(200, ['Content-Type', 'application/x-ndjson']);
    res.write('{"a":1}\n');
    res.end('{"a":2}\n');
  });
  await client(url('/ndjson'));
  await done;
  const a = onlySpan('/ndjson').attributes;
  assert.equal(a['midstream.protocol'], 'ndjson');
  assert.equal(a['midstream.chunk.count'], 2);
});

test('gives a non-streaming JSON response no stream span', async (t) => {
  const { url, done } = await server(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  const { text } = await client(url('/json'));
  assert.equal(text, '{"ok":true}');
  await done;
  assert.equal(spansFor('/json').length, 0);
});

test('marks a response the server destroys itself as aborted, not client_disconnected', async (t) => {
  const { url, done } = await server(t, (req, res) => {
    res.setHeader('content-type', 'text/event-stream');
    res.write(EVENTS[0], () => res.destroy());
  });
  await client(url('/server-destroy'), { destroyAfter: 99 });
  await done;
  assert.equal(onlySpan('/server-destroy').attributes['midstream.outcome'], 'aborted');
});

test('continues the caller trace from traceparent', async (t) => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  t.after(() => propagation.disable());
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const { port, done } = await server(t, (req, res) => {
    res.setHeader('content-type', 'text/event-stream');
    res.end(EVENTS[0]);
  });
  await new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/traced', headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
  });
  await done;
  const span = onlySpan('/traced');
  assert.equal(span.spanContext().traceId, traceId);
  assert.equal(span.parentSpanContext?.spanId ?? span.parentSpanId, 'b7ad6b7169203331');
});
