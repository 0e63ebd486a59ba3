// Retries that pay twice: a GenAI stream that follows a failed stream (after at least one chunk) of
// the same parent, operation and model is its next attempt; the SDK's own retries are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { HttpServerInstrumentation } from '../../../dist/instrumentations/transport/http-server/index.js';
import { OpenAIInstrumentation } from '../../../dist/instrumentations/sdk/openai.js';
import { instrument } from '../transport/http-harness.mjs';
import { sumWhere } from '../../support/in-memory-otel.mjs';
import { listen, MESSAGES, openaiClient, relayClient, startUpstream, until, WORD_CHARS } from './relay-harness.mjs';

const otel = instrument(new HttpServerInstrumentation(), new OpenAIInstrumentation());
const http = createRequire(import.meta.url)('node:http');
const tracer = otel.tracerProvider.getTracer('app');

const spansOf = (model) =>
  otel
    .spans()
    .filter((s) => s.attributes['gen_ai.request.model'] === model)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);

/**
 * Reads one chat stream to its end; returns the text, or undefined when it failed: an error, or an
 * end without a finish_reason (the SDK ends a cut stream quietly; a careful app checks).
 */
async function readChat(openai, model) {
  let text = '';
  let finished = false;
  try {
    const stream = await openai.chat.completions.create({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    for await (const item of stream) {
      text += item.choices[0]?.delta?.content ?? '';
      if (item.choices[0]?.finish_reason) finished = true;
    }
    return finished ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Tries each client in turn until one stream reads through (the app's own retry loop). */
async function withRetries(clients, model) {
  for (const c of clients) {
    const text = await readChat(c, model);
    if (text !== undefined && text.length > 0) return text;
  }
  return undefined;
}

test('a stream cut short and retried in the same server request is attempt 2, linked to attempt 1', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-retry-request';
  const cut = openaiClient(upstream.baseURL('partial5'));
  const full = openaiClient(upstream.baseURL('full'));
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Attempt 1 fails mid-stream (the SDK throws on the half event); the app starts over.
    const text = await withRetries([cut, full], model);
    res.end(`data: ${JSON.stringify(text)}\n\n`);
  });
  const url = await listen(t, server);
  const { text } = await relayClient(`${url}/retry`);
  assert.match(text, /word40/);
  await until(() => spansOf(model).length === 2, 'two attempts');

  const [first, second] = spansOf(model);
  assert.equal(first.attributes['midstream.outcome'], 'truncated');
  assert.equal(first.attributes['midstream.attempt'], undefined, 'a first try carries no attempt number');
  assert.equal(second.attributes['midstream.outcome'], 'completed');
  assert.equal(second.attributes['midstream.attempt'], 2);
  assert.deepEqual(second.links.map((l) => l.context.spanId), [first.spanContext().spanId]);
  const where = { 'gen_ai.request.model': model };
  assert.equal(sumWhere(await otel.metric('midstream.retry.streams'), where), 1);
  assert.equal(sumWhere(await otel.metric('midstream.retry.output_chars'), where), first.attributes['midstream.output.chars']);
  assert.equal(first.attributes['midstream.output.chars'], 4 * WORD_CHARS);
  assert.equal(sumWhere(await otel.metric('midstream.retry.output_tokens'), where), 0, 'the cut stream reported no usage');
});

test('attempts under one parent span count up, one retry counted per failed attempt', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-retry-span';
  const clients = [openaiClient(upstream.baseURL('cut3')), openaiClient(upstream.baseURL('destroy6')), openaiClient(upstream.baseURL('full'))];
  const text = await tracer.startActiveSpan('job', async (span) => {
    try {
      return await withRetries(clients, model);
    } finally {
      span.end();
    }
  });
  assert.match(text, /word40/);
  const spans = spansOf(model);
  assert.deepEqual(spans.map((s) => s.attributes['midstream.outcome']), ['truncated', 'truncated', 'completed']);
  assert.deepEqual(spans.map((s) => s.attributes['midstream.attempt']), [undefined, 2, 3]);
  assert.deepEqual(spans[2].links.map((l) => l.context.spanId), [spans[1].spanContext().spanId]);
  assert.equal(sumWhere(await otel.metric('midstream.retry.streams'), { 'gen_ai.request.model': model }), 2);
  assert.equal(
    sumWhere(await otel.metric('midstream.retry.output_chars'), { 'gen_ai.request.model': model }),
    spans[0].attributes['midstream.output.chars'] + spans[1].attributes['midstream.output.chars'],
  );
});

for (const status of [429, 500]) {
  test(`the SDK's own ${status} retries before the first chunk are not stream attempts`, async (t) => {
    const upstream = await startUpstream(t);
    const model = `m-sdk-retry-${status}`;
    const openai = openaiClient(upstream.baseURL(`flaky${status}x2`), 2);
    const text = await tracer.startActiveSpan('job', async (span) => {
      try {
        return await readChat(openai, model);
      } finally {
        span.end();
      }
    });
    assert.match(text, /word40/);
    assert.equal(upstream.served.byMode[`flaky${status}x2`], 3, 'the SDK asked three times');
    const spans = spansOf(model);
    assert.equal(spans.length, 1);
    assert.equal(spans[0].attributes['midstream.attempt'], undefined);
    assert.equal(spans[0].links.length, 0);
    assert.equal(sumWhere(await otel.metric('midstream.retry.streams'), { 'gen_ai.request.model': model }), 0);
  });
}

test("an app's retry after a 5xx before the first chunk, or with another model, is not an attempt", async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-app-retry';
  await tracer.startActiveSpan('job', async (span) => {
    try {
      assert.equal(await readChat(openaiClient(upstream.baseURL('status503')), model), undefined);
      await readChat(openaiClient(upstream.baseURL('full')), model);
      await readChat(openaiClient(upstream.baseURL('cut3')), 'm-app-retry-a');
      await readChat(openaiClient(upstream.baseURL('full')), 'm-app-retry-b');
    } finally {
      span.end();
    }
  });
  for (const m of [model, 'm-app-retry-a', 'm-app-retry-b']) {
    for (const s of spansOf(m)) assert.equal(s.attributes['midstream.attempt'], undefined, m);
    assert.equal(sumWhere(await otel.metric('midstream.retry.streams'), { 'gen_ai.request.model': m }), 0, m);
  }
});

test('streams without a parent span or server request are never attempts', async (t) => {
  const upstream = await startUpstream(t);
  const model = 'm-no-parent';
  assert.equal(trace.getActiveSpan(), undefined);
  await readChat(openaiClient(upstream.baseURL('cut3')), model);
  await readChat(openaiClient(upstream.baseURL('full')), model);
  assert.deepEqual(spansOf(model).map((s) => s.attributes['midstream.attempt']), [undefined, undefined]);
});
