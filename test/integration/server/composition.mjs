// The relay with @opentelemetry/instrumentation-http registered before or after midstream: the
// request's scope must follow instrumentation-http's own request context (it binds the request's
// listeners itself, from the root context), and its span must keep parenting the app's work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { HttpServerInstrumentation } from '../../../dist/instrumentations/transport/http-server/index.js';
import { OpenAIInstrumentation } from '../../../dist/instrumentations/sdk/openai.js';
import { instrument } from '../transport/http-harness.mjs';
import { sumWhere } from '../../support/in-memory-otel.mjs';
import { expressApp, fastifyApp } from './framework-apps.mjs';
import { onlySpan, openaiClient, relayClient, serverSpanOf, startUpstream, until } from './relay-harness.mjs';

export function relayCompositionTests(order) {
  const midstream = [new HttpServerInstrumentation(), new OpenAIInstrumentation()];
  const otelHttp = new HttpInstrumentation();
  const otel = instrument(...(order === 'instrumentation-http first' ? [otelHttp, ...midstream] : [...midstream, otelHttp]));
  let n = 0;

  for (const [name, app] of [
    ['express', expressApp],
    ['fastify', fastifyApp],
  ]) {
    test(`${order}, ${name}: the orphaned upstream is a child of instrumentation-http's request span, route from the framework`, async (t) => {
      const upstream = await startUpstream(t);
      const model = `m-compose-${name}-${++n}`;
      const session = `s-${n}`;
      const { url } = await app(t, { openai: openaiClient(upstream.baseURL('pace5')), model, propagate: false });
      await relayClient(`${url}/chat/${session}`, { leaveAfter: 5 });
      await until(() => otel.spans().some((s) => s.attributes['gen_ai.request.model'] === model), 'the upstream span');
      await until(() => otel.spans().some((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === `/chat/${session}`), 'the http span');

      const httpSpan = otel.spans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === `/chat/${session}`);
      const server = serverSpanOf(otel, `/chat/${session}`);
      const span = onlySpan(otel, { 'gen_ai.request.model': model });
      assert.equal(span.spanContext().traceId, httpSpan.spanContext().traceId, 'one trace');
      assert.equal(span.parentSpanContext?.spanId ?? span.parentSpanId, httpSpan.spanContext().spanId);
      assert.equal(server.attributes['midstream.outcome'], 'client_disconnected');
      assert.equal(server.attributes['http.route'], '/chat/:session');
      assert.ok(span.events.some((e) => e.name === 'midstream.orphaned'), 'orphaned');
      assert.equal(sumWhere(await otel.metric('midstream.orphaned.streams'), { 'gen_ai.request.model': model }), 1);
    });
  }
}
