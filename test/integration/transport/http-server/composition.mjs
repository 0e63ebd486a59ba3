// Shared body of the composition tests: midstream's HttpServerInstrumentation together with
// @opentelemetry/instrumentation-http, registered in either order on the same providers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { context, SpanKind } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { isMidstreamWrapped, MIDSTREAM_WRAPPED } from '../../../../dist/instrumentations/kit/chain-wrap.js';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { HttpClientInstrumentation } from '../../../../dist/instrumentations/transport/http-client/index.js';
import { HttpServerInstrumentation } from '../../../../dist/instrumentations/transport/http-server/index.js';
import { deferred, instrument, startServer, streamSpans } from '../http-harness.mjs';

export function compositionTests(order) {
  const midstream = [new HttpServerInstrumentation(), new HttpClientInstrumentation()];
  const otelHttp = new HttpInstrumentation();
  const otel = instrument(...(order === 'instrumentation-http first' ? [otelHttp, ...midstream] : [...midstream, otelHttp]));
  const http = createRequire(import.meta.url)('node:http');
  const EVENTS = ['data: one\n\n', 'data: two\n\n', 'data: three\n\n'];

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

  function get(url, destroyAfter) {
    return new Promise((resolve) => {
      const req = http.get(url, (res) => {
        let n = 0;
        res.on('data', () => {
          if (destroyAfter !== undefined && ++n >= destroyAfter) req.destroy();
        });
        res.on('close', resolve);
      });
      req.on('error', () => {});
    });
  }

  /** instrumentation-http's SERVER span for `path` and midstream's stream spans in the same trace. */
  function spansOf(path) {
    const httpSpan = otel.spans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === path && s.attributes['midstream.source'] === undefined);
    assert.ok(httpSpan, `instrumentation-http's server span for ${path}`);
    const traceId = httpSpan.spanContext().traceId;
    const ours = streamSpans(otel, 'http.server').filter((s) => s.spanContext().traceId === traceId);
    return { httpSpan, ours };
  }

  /** Who wraps `fn`, outermost first: 'midstream', 'otel' (shimmer) or 'native'. */
  function chain(fn) {
    const out = [];
    while (typeof fn === 'function') {
      out.push(isMidstreamWrapped(fn) ? 'midstream' : fn.__wrapped === true ? 'otel' : 'native');
      fn = fn[MIDSTREAM_WRAPPED] ?? fn.__original;
    }
    return out;
  }

  test(`${order}: both stay on Server.prototype.emit and http.request, neither unwraps the other`, () => {
    for (const fn of [http.Server.prototype.emit, http.request, http.get]) {
      const c = chain(fn);
      assert.equal(c.length, 3, c.join(' > '));
      assert.deepEqual([...c].sort(), ['midstream', 'native', 'otel']);
    }
  });

  test(`${order}: a completed stream is a child span of the HTTP server span, with the framework's route`, async (t) => {
    const { url, done } = await server(t, (req, res) => {
      // What a framework instrumentation (express, fastify) does once it routed the request.
      const rpc = getRPCMetadata(context.active());
      if (rpc !== undefined) rpc.route = '/events/:id';
      res.setHeader('content-type', 'text/event-stream');
      res.write(EVENTS[0]);
      setTimeout(() => res.end(EVENTS[1] + EVENTS[2]), 10);
    });
    await get(url('/events/42'));
    await done;
    const { httpSpan, ours } = spansOf('/events/42');
    assert.equal(ours.length, 1, 'one stream span');
    const span = ours[0];
    assert.equal(span.kind, SpanKind.INTERNAL, 'a child, not a second SERVER span');
    assert.equal(span.parentSpanContext?.spanId ?? span.parentSpanId, httpSpan.spanContext().spanId);
    assert.equal(span.name, 'sse GET /events/:id');
    assert.equal(span.attributes['midstream.outcome'], 'completed');
    assert.equal(span.attributes['http.route'], '/events/:id');
    assert.equal(span.attributes['midstream.chunk.count'], 2);
    assert.equal(httpSpan.attributes['http.response.status_code'], 200);
    const points = await otel.metric('midstream.stream.outcomes');
    assert.ok(points.some((p) => p.attributes['http.route'] === '/events/:id' && p.attributes['midstream.outcome'] === 'completed'));
    const clientStream = streamSpans(otel, 'http.client').filter((s) => s.attributes['url.full'].endsWith('/events/42'));
    assert.equal(clientStream.length, 1, 'the client side is tracked under instrumentation-http too');
    assert.equal(clientStream[0].attributes['midstream.outcome'], 'completed');
  });

  test(`${order}: a client disconnect is client_disconnected on the stream span while the HTTP span says 200`, async (t) => {
    const { url, done } = await server(t, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write(EVENTS[0]), 5);
      res.on('close', () => clearInterval(timer));
    });
    await get(url('/gone'), 2);
    await done;
    const { httpSpan, ours } = spansOf('/gone');
    assert.equal(ours.length, 1);
    assert.equal(ours[0].attributes['midstream.outcome'], 'client_disconnected');
    assert.ok(ours[0].events.some((e) => e.name === 'midstream.client_disconnected'));
    assert.ok(ours[0].endTime[0] > 0, 'ended');
    assert.equal(httpSpan.attributes['http.response.status_code'], 200, 'instrumentation-http cannot see the disconnect');
  });

  test(`${order}: HTTP request durations are instrumentation-http's alone (midstream does not count them twice)`, async (t) => {
    const { url, done } = await server(t, (req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await get(url('/unavailable'));
    await done;
    for (const name of ['http.server.request.duration', 'http.client.request.duration']) {
      const unavailable = (await otel.metric(name)).filter((p) => p.attributes['http.response.status_code'] === 503);
      assert.ok(unavailable.length > 0, `${name} recorded`);
      assert.deepEqual([...new Set(unavailable.map((p) => p.scope))], ['@opentelemetry/instrumentation-http'], name);
    }
  });

  test(`${order}: a JSON response has the HTTP span and no stream span`, async (t) => {
    const { url, done } = await server(t, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await get(url('/json'));
    await done;
    assert.equal(spansOf('/json').ours.length, 0);
  });
}
