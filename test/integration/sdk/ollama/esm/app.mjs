// An ESM app: imports ollama's ESM entry (dist/index.mjs → dist/browser.mjs) and streams from the
// default instance and from a new Ollama; prints what midstream recorded.
import ollama, { Ollama } from 'ollama';

const base = process.env.SERVER;
const messages = [{ role: 'user', content: 'Say hello' }];
const drain = async (stream) => {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
};

ollama.config.host = `${base}/ollama-chat/full`;
const client = new Ollama({ host: `${base}/ollama-generate/full` });
const items = {
  default: await drain(await ollama.chat({ model: 'esm-ollama-default', messages, stream: true })),
  generate: await drain(await client.generate({ model: 'esm-ollama-generate', prompt: 'x', stream: true })),
};
const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
process.stdout.write(JSON.stringify({ items, spans }));
