// CommonJS LLM app for the register tests, run as `node --require midstream-otel/register llm-app.cjs`.
// SDK=openai|anthropic; RUNS='[[baseURL, model], ...]': one streaming call per run, read with
// for await; prints `run <model> items <n>` or `run <model> error <Ctor>: <message>`, then `done`.
const SDK = process.env.SDK;
const RUNS = JSON.parse(process.env.RUNS ?? '[]');

function stream(baseURL, model) {
  if (SDK === 'anthropic') {
    const { default: Anthropic } = require('@anthropic-ai/sdk');
    const client = new Anthropic({ baseURL, apiKey: 'test', maxRetries: 0 });
    return client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello' }], stream: true });
  }
  const { default: OpenAI } = require('openai');
  const client = new OpenAI({ baseURL, apiKey: 'test', maxRetries: 0 });
  return client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
}

async function main() {
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
}

main();
