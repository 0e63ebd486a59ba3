// ESM LLM app for the register tests, run as `node --import midstream-otel/register llm-app.mjs`: the
// SDKs are loaded through their ESM entries (index.mjs, core/streaming.mjs), patched by the
// import-in-the-middle loader. Same env and output as llm-app.cjs.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const SDK = process.env.SDK;
const RUNS = JSON.parse(process.env.RUNS ?? '[]');

function stream(baseURL, model) {
  const messages = [{ role: 'user', content: 'Say hello' }];
  if (SDK === 'anthropic') {
    const client = new Anthropic({ baseURL, apiKey: 'test', maxRetries: 0 });
    return client.messages.create({ model, max_tokens: 64, messages, stream: true });
  }
  const client = new OpenAI({ baseURL, apiKey: 'test', maxRetries: 0 });
  return client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
}

for (const [baseURL, model] of RUNS) {
  let n = 0;
  try {
    for await (const _ of await stream(baseURL, model)) n++;
    console.log(`run ${model} items ${n}`);
  } catch (e) {
    console.log(`run ${model} error ${e.constructor.name}: ${e.message}`);
  }
}
console.log('done');
