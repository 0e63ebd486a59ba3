// Raw fetch to a known LLM API host gets the provider's terminal rule and the GenAI attributes.
// The requests go to a local server through a `dispatcher` (npm undici Agent whose connector dials
// 127.0.0.1), which also shows `init.dispatcher` reaches undici untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Agent } from 'undici';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { startSseServer, openAIChatEvents, anthropicEvents } from '../../../support/sse-server.mjs';
import { createTelemetry } from '../../../support/telemetry.mjs';

const tel = createTelemetry(new FetchInstrumentation());

async function llmServer(t, script) {
  const server = await startSseServer(script);
  t.after(() => server.close());
  const dispatcher = new Agent({
    connect(_options, callback) {
      const socket = net.connect({ host: '127.0.0.1', port: server.port });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
  });
  t.after(() => dispatcher.close());
  return { server, dispatcher };
}

const PROMPT = 'a secret prompt that must never be recorded';

test('gives a raw OpenAI chat stream the GenAI attributes and metrics, without recording the prompt', async (t) => {
  const { server, dispatcher } = await llmServer(t, { events: openAIChatEvents(['Hel', 'lo'], 'gpt-4o-mini-2024') });
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: PROMPT }] });
  const res = await fetch('https://api.openai.com/v1/chat/completions?api-key=k', { method: 'POST', body, dispatcher });
  const text = await res.text();
  assert.match(text, /\[DONE\]/);
  assert.equal(server.requests[0].body, body, 'the body reached the server untouched');
  const span = tel.onlySpan((s) => s.attributes['gen_ai.request.model'] === 'gpt-4o-mini');
  const a = span.attributes;
  assert.equal(span.name, 'chat gpt-4o-mini');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.response.model'], 'gpt-4o-mini-2024');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['url.full'], 'https://api.openai.com/v1/chat/completions');
  assert.equal(a['server.address'], 'api.openai.com');
  assert.equal(a['server.port'], 443);
  assert.ok(!JSON.stringify(a).includes('secret'), 'no prompt text in the span');
  const duration = (await tel.points('gen_ai.client.operation.duration')).filter((p) => p.attributes['gen_ai.request.model'] === 'gpt-4o-mini');
  assert.equal(duration.length, 1);
  assert.equal(duration[0].attributes['gen_ai.provider.name'], 'openai');
  assert.equal(duration[0].value.count, 1);
});

test('marks a raw Anthropic stream with an error event as errored', async (t) => {
  const { dispatcher } = await llmServer(t, { events: anthropicEvents(['Hi']), fault: 'error-event-after:2' });
  const body = JSON.stringify({ model: 'claude-x', stream: true, max_tokens: 5, messages: [] });
  const res = await fetch('https://api.anthropic.com/v1/messages', { method: 'POST', body, dispatcher });
  await res.text();
  const span = tel.onlySpan((s) => s.attributes['gen_ai.request.model'] === 'claude-x');
  assert.equal(span.attributes['gen_ai.provider.name'], 'anthropic');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'overloaded_error');
});

test('creates no span for a non-streaming JSON answer from an LLM host', async (t) => {
  const { dispatcher } = await llmServer(t, { events: ['{"id":"x","choices":[]}'], contentType: 'application/json' });
  const body = JSON.stringify({ model: 'gpt-json', messages: [] });
  const res = await fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', body, dispatcher });
  assert.deepEqual(await res.json(), { id: 'x', choices: [] });
  assert.equal(tel.spansWhere((s) => s.attributes['gen_ai.request.model'] === 'gpt-json').length, 0);
});

test('does not read a request body larger than 64 KB for the model', async (t) => {
  const { dispatcher } = await llmServer(t, { events: openAIChatEvents(['x']) });
  const body = JSON.stringify({ model: 'gpt-big', messages: [{ role: 'user', content: 'y'.repeat(70 * 1024) }] });
  const res = await fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', body, dispatcher });
  await res.text();
  const spans = tel.spansWhere((s) => s.attributes['url.full'] === 'https://api.openai.com/v1/chat/completions' && s.attributes['gen_ai.request.model'] === undefined);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].name, 'chat');
});
