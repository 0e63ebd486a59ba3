// An ESM app: imports the SDKs' ESM entries (index.mjs → core/streaming.mjs, client.mjs) and
// streams once from each against the test server; prints what midstream recorded.
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

const openai = new OpenAI({ baseURL: `${base}/openai-chat/full/v1`, apiKey: 'test', maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: `${base}/anthropic-messages/full`, apiKey: 'test', maxRetries: 0 });
const groq = new Groq({ baseURL: `${base}/groq-chat/cut3`, apiKey: 'test', maxRetries: 0 });
const items = {
  openai: await drain(await openai.chat.completions.create({ model: 'esm-openai', messages, stream: true })),
  anthropic: await drain(await anthropic.messages.create({ model: 'esm-anthropic', max_tokens: 8, messages, stream: true })),
  groq: await drain(await groq.chat.completions.create({ model: 'esm-groq', messages, stream: true })),
};
const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
process.stdout.write(JSON.stringify({ items, spans }));
