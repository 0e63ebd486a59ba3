// Each framework's relay endpoint, with the client leaving mid-stream, with and without the app
// aborting the upstream on the client's close: the server span ends client_disconnected with the
// framework's route template, the upstream span is orphaned, the metrics count it; no raw path in
// any metric label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpServerInstrumentation } from '../../../dist/instrumentations/transport/http-server/index.js';
import { OpenAIInstrumentation } from '../../../dist/instrumentations/sdk/openai.js';
import { instrument } from '../transport/http-harness.mjs';
import { sumWhere } from '../../support/in-memory-otel.mjs';
import { FRAMEWORKS } from './framework-apps.mjs';
import { onlySpan, openaiClient, relayClient, serverSpanOf, startUpstream, until, WORD_CHARS, WORDS } from './relay-harness.mjs';

const otel = instrument(new HttpServerInstrumentation(), new OpenAIInstrumentation());
let n = 0;

async function leaveMidStream(t, name, propagate) {
  const upstream = await startUpstream(t);
  const model = `m-${name.replace(/\W+/g, '-')}-${propagate ? 'cancel' : 'keep'}`;
  const session = `s-${++n}-${Date.now()}`;
  const { url, route } = await FRAMEWORKS[name](t, { openai: openaiClient(upstream.baseURL('pace5')), model, propagate });
  await relayClient(`${url}/chat/${session}?user=42`, { leaveAfter: 5 });
  await until(() => otel.spans().some((s) => s.attributes['gen_ai.request.model'] === model), 'the upstream span');
  await until(() => otel.spans().some((s) => s.attributes['url.path'] === `/chat/${session}`), 'the server span');
  return { model, session, route, upstream };
}

async function assertNoRawPath(session) {
  for (const name of ['midstream.stream.outcomes', 'midstream.stream.duration', 'midstream.orphaned.streams']) {
    for (const p of await otel.metric(name)) {
      for (const v of Object.values(p.attributes)) assert.ok(!String(v).includes(session), `${name} label ${v}`);
    }
  }
}

for (const name of Object.keys(FRAMEWORKS)) {
  test(`${name}: a client that leaves mid-stream orphans the live upstream (route template, metrics)`, async (t) => {
    const { model, session, route } = await leaveMidStream(t, name, false);
    const server = serverSpanOf(otel, `/chat/${session}`);
    assert.equal(server.attributes['midstream.outcome'], 'client_disconnected');
    assert.equal(server.attributes['http.route'], route);
    if (route !== undefined) assert.equal(server.name, `sse POST ${route}`);
    const where = { 'midstream.source': 'http.server', 'http.request.method': 'POST', 'midstream.outcome': 'client_disconnected' };
    if (route !== undefined) assert.ok(sumWhere(await otel.metric('midstream.stream.outcomes'), { ...where, 'http.route': route }) >= 1);

    const span = onlySpan(otel, { 'gen_ai.request.model': model });
    const event = span.events.find((e) => e.name === 'midstream.orphaned');
    assert.ok(event, 'an orphaned event');
    assert.ok(span.attributes['midstream.orphaned.duration'] >= 0);
    assert.equal(
      span.attributes['midstream.orphaned.output.chars'],
      span.attributes['midstream.output.chars'] - event.attributes['midstream.output.chars'],
    );
    assert.deepEqual(span.links.map((l) => l.context.spanId), [server.spanContext().spanId]);
    const outcome = span.attributes['midstream.outcome'];
    assert.equal(sumWhere(await otel.metric('midstream.orphaned.streams'), { 'gen_ai.request.model': model, 'midstream.outcome': outcome }), 1);
    if (outcome === 'completed') assert.equal(span.attributes['midstream.output.chars'], WORDS * WORD_CHARS);
    t.diagnostic(`${name} without propagation: upstream ${outcome} ${span.attributes['midstream.orphaned.duration'].toFixed(4)} s after the disconnect`);
    await assertNoRawPath(session);
  });

  test(`${name}: aborting the upstream on the client's close ends it aborted within milliseconds`, async (t) => {
    const { model, session, upstream } = await leaveMidStream(t, name, true);
    assert.equal(serverSpanOf(otel, `/chat/${session}`).attributes['midstream.outcome'], 'client_disconnected');
    const span = onlySpan(otel, { 'gen_ai.request.model': model });
    assert.equal(span.attributes['midstream.outcome'], 'aborted');
    assert.ok(span.events.some((e) => e.name === 'midstream.orphaned'));
    const latency = span.attributes['midstream.orphaned.duration'];
    // Generous: the outcome and closedEarly prove the cancel; the latency figure is printed below.
    assert.ok(latency < 2, `cancelled ${latency} s after the disconnect`);
    t.diagnostic(`${name} with propagation: upstream aborted ${latency.toFixed(4)} s after the disconnect`);
    assert.equal(sumWhere(await otel.metric('midstream.orphaned.streams'), { 'gen_ai.request.model': model, 'midstream.outcome': 'aborted' }), 1);
    await until(() => upstream.served.closedEarly === 1, 'the provider seeing the cancel');
  });
}
