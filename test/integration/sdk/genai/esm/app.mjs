// An ESM app: imports @google/genai's ESM bundle (dist/node/index.mjs), streams from the test
// server through models and chats, and prints what midstream recorded.
import { GoogleGenAI } from '@google/genai';

const base = process.env.SERVER;
const drain = async (stream) => {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
};
const full = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: `${base}/gemini-stream/full` } });
const cut = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: `${base}/gemini-stream/cut2` } });
const items = {
  models: await drain(await full.models.generateContentStream({ model: 'esm-models', contents: 'hi' })),
  chat: await drain(await cut.chats.create({ model: 'esm-chat' }).sendMessageStream({ message: 'hi' })),
};
const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
process.stdout.write(JSON.stringify({ items, spans }));
