// A node:http relay (openai SDK upstream → SSE to its client) whose client leaves mid-stream: the
// upstream stream is orphaned (event, attributes, metrics), with and without the server aborting it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { HttpServerInstrumentation } from '../../../dist/instrumentations/transport/http-server/index.js';
import { OpenAIInstrumentation } from '../../../dist/instrumentations/sdk/openai.js';
import { instrument } from '../transport/http-harness.mjs';
import { sumWhere } from '../../support/in-memory-otel.mjs';
import { listen, MESSAGES, onlySpan, openaiClient, relayClient, serverSpanOf, sseOfItem, startUpstream, until, WORD_CHARS, WORDS } from './relay-harness.mjs';

const otel = instrument(new HttpServerInstrumentation(), new OpenAIInstrumentation());
const http = createRequire(import.meta.url)('node:http');

/** The relay: reads the JSON body, streams `model` from the upstream, optionally aborting it on 'close'. */
async function startRelay(t, upstream, { model, propagate, mode = 'pace5' }) {
  const openai = openaiClient(upstream.baseURL(mode));
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const ac = new AbortController();
    if (propagate) res.on('close', () => ac.abort());
    try {
      const stream = await openai.chat.completions.create({ model, messages: JSON.parse(body).messages, stream: true, stream_options: { include_usage: true } }, { signal: ac.signal });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for await (const item of stream) res.write(sseOfItem(item));
      res.end('data: [DONE]\n\n');
    } catch {
      res.destroy();
    }
  });
  return listen(t, server);
}

const upstreamSpan = (model) => otel.spans().find((s) => s.attributes['gen_ai.request.model'] === model);

test('an upstream the server keeps reading after its client left is orphaned and runs to completed', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-orphan-kept';
  const url = await startRelay(t, upstream, { model, propagate: false });
  const { leftAt } = await relayClient(`${url}/chat`, { leaveAfter: 5 });
  await until(() => upstreamSpan(model) !== undefined, 'the upstream span');
  const endedAt = performance.now();

  const server = serverSpanOf(otel, '/chat');
  assert.equal(server.attributes['midstream.outcome'], 'client_disconnected');

  const span = onlySpan(otel, { 'gen_ai.request.model': model });
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed', 'nobody cancelled it: the whole generation ran');
  const event = span.events.find((e) => e.name === 'midstream.orphaned');
  assert.ok(event, 'an orphaned event');
  const chunksAtLeave = event.attributes['midstream.chunk.count'];
  // Marked while the stream was live (5 ms per event): the bound is loose so a loaded machine still passes.
  assert.ok(chunksAtLeave >= 5 && chunksAtLeave < WORDS, `chunks at the disconnect: ${chunksAtLeave}`);
  assert.equal(event.attributes['midstream.output.chars'], (chunksAtLeave - 1) * WORD_CHARS);
  assert.equal(a['midstream.orphaned.chunk.count'], a['midstream.chunk.count'] - chunksAtLeave);
  assert.equal(a['midstream.orphaned.output.chars'], WORDS * WORD_CHARS - event.attributes['midstream.output.chars']);
  assert.equal(a['midstream.orphaned.output.tokens'], 40, 'usage came after the disconnect: all of it is counted');
  const latency = a['midstream.orphaned.duration'];
  assert.ok(latency > 0.05 && latency <= (endedAt - leftAt) / 1000 + 0.05, `orphaned for ${latency} s`);
  assert.deepEqual(span.links.map((l) => l.context.spanId), [server.spanContext().spanId], 'linked to the server span it fed');

  const where = { 'gen_ai.request.model': model };
  assert.equal(sumWhere(await otel.metric('midstream.orphaned.streams'), { ...where, 'midstream.outcome': 'completed' }), 1);
  assert.equal(sumWhere(await otel.metric('midstream.orphaned.output_chars'), where), a['midstream.orphaned.output.chars']);
  assert.equal(sumWhere(await otel.metric('midstream.orphaned.output_tokens'), where), 40);
  const [h] = (await otel.metric('midstream.orphaned.duration')).filter((p) => p.attributes['gen_ai.request.model'] === model);
  assert.equal(h.value.count, 1);
  assert.ok(Math.abs(h.value.sum - latency) < 1e-9);
});

test('an upstream the server aborts on close ends aborted within milliseconds of the disconnect', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-orphan-aborted';
  const url = await startRelay(t, upstream, { model, propagate: true });
  await relayClient(`${url}/chat`, { leaveAfter: 5 });
  await until(() => upstreamSpan(model) !== undefined, 'the upstream span');
  const span = onlySpan(otel, { 'gen_ai.request.model': model });
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'aborted');
  assert.ok(span.events.some((e) => e.name === 'midstream.orphaned'));
  // The abort is proven by the outcome and by the provider seeing the cancel (below); the latency bound is
  // generous (the uncancelled rest of the stream would be ~35 events): its figure is the bench's.
  assert.ok(a['midstream.orphaned.duration'] < 2, `cancelled after ${a['midstream.orphaned.duration']} s`);
  assert.ok(a['midstream.orphaned.chunk.count'] < 20, `not the rest of the stream: ${a['midstream.orphaned.chunk.count']} chunks after the disconnect`);
  assert.equal(a['midstream.orphaned.output.tokens'], undefined, 'no usage was reported');
  assert.equal(sumWhere(await otel.metric('midstream.orphaned.streams'), { 'gen_ai.request.model': model, 'midstream.outcome': 'aborted' }), 1);
  await until(() => upstream.served.closedEarly === 1, 'the provider seeing the cancel');
});

test('an upstream that finished before the client left is not orphaned', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-not-orphaned';
  const openai = openaiClient(upstream.baseURL('full'));
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const stream = await openai.chat.completions.create({ model, messages: MESSAGES, stream: true });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for await (const item of stream) res.write(sseOfItem(item));
    // The whole answer is buffered in the response; the client leaves before reading it all.
  });
  const url = await listen(t, server);
  await relayClient(`${url}/done-first`, { leaveAfter: 1 });
  await until(() => upstreamSpan(model) !== undefined, 'the upstream span');
  const span = onlySpan(otel, { 'gen_ai.request.model': model });
  assert.equal(span.events.some((e) => e.name === 'midstream.orphaned'), false);
  assert.equal(span.attributes['midstream.orphaned.duration'], undefined);
  assert.equal(sumWhere(await otel.metric('midstream.orphaned.streams'), { 'gen_ai.request.model': model }), 0);
});

test('the client sees the same bytes with midstream as the relay wrote', async (t) => {
  const upstream = await startUpstream(t);
  const url = await startRelay(t, upstream, { model: 'm-bytes', propagate: true, mode: 'full' });
  const { text } = await relayClient(`${url}/bytes`);
  const expected = ['""', ...Array.from({ length: WORDS }, (_, i) => JSON.stringify(`word${String(i + 1).padStart(2, '0')} `)), '""', '""']
    .map((d) => `data: ${d}\n\n`)
    .join('');
  assert.equal(text, `${expected}data: [DONE]\n\n`);
});

test('a client that leaves before the headers went out still orphans the upstream', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-before-headers';
  const openai = openaiClient(upstream.baseURL('pace5'));
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    // Buffers the whole answer, then answers in one piece (not a stream response).
    let text = '';
    const stream = await openai.chat.completions.create({ model, messages: MESSAGES, stream: true });
    for await (const item of stream) text += item.choices[0]?.delta?.content ?? '';
    res.end(JSON.stringify({ text }));
  });
  const url = await listen(t, server);
  await new Promise((resolve) => {
    const req = http.request(`${url}/buffered`, { method: 'POST' });
    req.on('error', () => {});
    req.end('{}', () => setTimeout(() => resolve(req.destroy()), 60));
  });
  await until(() => upstreamSpan(model) !== undefined, 'the upstream span');
  const span = onlySpan(otel, { 'gen_ai.request.model': model });
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.ok(span.events.some((e) => e.name === 'midstream.orphaned'));
  assert.ok(span.attributes['midstream.orphaned.output.chars'] > 0);
  assert.equal(span.links.length, 0, 'no server stream span to link to');
});

test('an upstream started after the client left is orphaned from its start', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-after-leave';
  const openai = openaiClient(upstream.baseURL('full'));
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: thinking\n\n');
    // A second step that starts once the client is already gone.
    res.on('close', async () => {
      const stream = await openai.chat.completions.create({ model, messages: MESSAGES, stream: true });
      for await (const _ of stream);
    });
  });
  const url = await listen(t, server);
  await relayClient(`${url}/later`, { leaveAfter: 1 });
  await until(() => upstreamSpan(model) !== undefined, 'the upstream span');
  const span = onlySpan(otel, { 'gen_ai.request.model': model });
  const event = span.events.find((e) => e.name === 'midstream.orphaned');
  assert.equal(event.attributes['midstream.chunk.count'], 0);
  assert.equal(span.attributes['midstream.orphaned.chunk.count'], span.attributes['midstream.chunk.count']);
  assert.equal(span.attributes['midstream.orphaned.output.chars'], WORDS * WORD_CHARS);
});
