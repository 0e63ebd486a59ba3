// CommonJS app for the register tests: `node --require midstream-otel/register stream-text-app.cjs`.
// Streams one streamText call from AI_BASE_URL (an OpenAI-compatible script server) and prints the text.
const baseURL = process.env.AI_BASE_URL;
// Without AI_BASE_URL (e.g. picked up by a `node --test <dir>` scan) there is nothing to do.
if (baseURL === undefined) {
  console.log('no AI_BASE_URL');
} else {
  const { streamText } = require('ai');
  const { createOpenAI } = require('@ai-sdk/openai');
  const provider = createOpenAI({ baseURL, apiKey: 'test' });
  const model = process.env.AI_API === 'responses' ? provider(process.env.AI_MODEL) : provider.chat(process.env.AI_MODEL);
  (async () => {
    let text = '';
    for await (const delta of streamText({ model, prompt: 'Say hello', maxRetries: 0 }).textStream) text += delta;
    console.log(`text ${text}`);
  })();
}
