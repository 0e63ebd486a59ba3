// A CommonJS file loaded by the ESM app through createRequire. `streamAll(load, via)` streams once
// through every SDK, loading each with `load` (the app passes `require` or `import()`), so the same
// calls run through both module systems. Model names are `<sdk>-<via>`; prints `<sdk> <via> <items>`.
const http = require('node:http');

const env = process.env;
const messages = [{ role: 'user', content: 'Say hello' }];
const drain = async (stream) => {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
};

const CALLS = {
  openai: async (m, model) => {
    const client = new m.OpenAI({ baseURL: `${env.SERVER}/openai-chat/full/v1`, apiKey: 'test', maxRetries: 0 });
    return drain(await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } }));
  },
  anthropic: async (m, model) => {
    const client = new m.Anthropic({ baseURL: `${env.SERVER}/anthropic-messages/full`, apiKey: 'test', maxRetries: 0 });
    return drain(await client.messages.create({ model, max_tokens: 64, messages, stream: true }));
  },
  cohere: async (m, model) => {
    const client = new m.CohereClientV2({ token: 'test', environment: `${env.SERVER}/cohere-chat/full`, maxRetries: 0 });
    return drain(await client.chatStream({ model, messages }));
  },
  ollama: async (m, model) => {
    const client = new m.Ollama({ host: `${env.NDJSON}/ollama-chat/full` });
    return drain(await client.chat({ model, messages, stream: true }));
  },
  bedrock: async (m, model) => {
    const credentials = { accessKeyId: 'AKIDMIDSTREAMTEST', secretAccessKey: 'midstream-test-secret-key' };
    const client = new m.BedrockRuntimeClient({ region: 'us-east-1', endpoint: env.BEDROCK, credentials, maxAttempts: 1 });
    const out = await client.send(new m.ConverseStreamCommand({ modelId: model, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
    const n = await drain(out.stream);
    client.destroy();
    return n;
  },
  genai: async (m, model) => {
    const client = new m.GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: `${env.GEMINI}/gemini-stream/full` } });
    return drain(await client.models.generateContentStream({ model, contents: 'hi' }));
  },
  langchain: async (m) => {
    const fake = new m.FakeListChatModel({ responses: ['Hi'], sleep: 1, generationInfo: { finish_reason: 'stop' } });
    return drain(await fake.stream('x'));
  },
  mistral: async (m, model) => {
    const client = new m.Mistral({ apiKey: 'test', serverURL: `${env.SERVER}/mistral-chat/full` });
    return drain(await client.chat.stream({ model, messages }));
  },
};

const PACKAGES = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
  cohere: 'cohere-ai',
  ollama: 'ollama',
  bedrock: '@aws-sdk/client-bedrock-runtime',
  genai: '@google/genai',
  langchain: '@langchain/core/utils/testing',
  mistral: '@mistralai/mistralai',
};

async function streamAll(load, via, sdks) {
  for (const sdk of sdks) {
    const items = await CALLS[sdk](await load(PACKAGES[sdk]), `${sdk}-${via}`);
    console.log(`${sdk} ${via} ${items}`);
  }
}

/** Reads `url` through a CommonJS `require('node:http')` client; resolves with the bytes read. */
function getThroughRequire(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
}

module.exports = { streamAll, getThroughRequire };
