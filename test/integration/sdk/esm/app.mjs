// An ESM app: imports the SDKs' ESM entries (index.mjs → core/streaming.mjs, client.mjs) and streams
// once from the one named by argv[2] (openai | anthropic | groq) against the test server; prints what
// midstream recorded.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import Groq from 'groq-sdk';

const base = process.env.SERVER;
const messages = [{ role: 'user', content: 'Say hello' }];
const drain = async (stream) => {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
};

const calls = {
  openai: () =>
    new OpenAI({ baseURL: `${base}/openai-chat/full/v1`, apiKey: 'test', maxRetries: 0 }).chat.completions.create({ model: 'esm-openai', messages, stream: true }),
  anthropic: () =>
    new Anthropic({ baseURL: `${base}/anthropic-messages/full`, apiKey: 'test', maxRetries: 0 }).messages.create({ model: 'esm-anthropic', max_tokens: 8, messages, stream: true }),
  groq: () => new Groq({ baseURL: `${base}/groq-chat/cut3`, apiKey: 'test', maxRetries: 0 }).chat.completions.create({ model: 'esm-groq', messages, stream: true }),
};
const call = calls[process.argv[2]];
// Without an SDK name (e.g. picked up by a `node --test <dir>` scan) there is nothing to do.
if (call !== undefined) {
  const items = await drain(await call());
  const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
  process.stdout.write(JSON.stringify({ items, spans }));
}
