// Child app: calls the SDK against a 500 and forgets to handle the promise. Prints whether Node
// reported the rejection as unhandled. argv[2]: openai | anthropic; argv[3] === 'on': instrumented.
import http from 'node:http';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { AnthropicInstrumentation } from '../../../../dist/instrumentations/sdk/anthropic.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';

const [sdkName, mode] = process.argv.slice(2);
if (mode === 'on') instrument(sdkName === 'openai' ? new OpenAIInstrumentation() : new AnthropicInstrumentation());
const require = sdkRequire(import.meta.url);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"boom","type":"server_error"}}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${server.address().port}`;
const seen = await new Promise((resolve) => {
  process.on('unhandledRejection', (error) => resolve(`unhandled ${error?.constructor?.name}`));
  if (sdkName === 'openai') {
    const { default: OpenAI } = require('openai');
    const client = new OpenAI({ apiKey: 'test', baseURL, maxRetries: 0 });
    void client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
  } else {
    const { default: Anthropic } = require('@anthropic-ai/sdk');
    const client = new Anthropic({ apiKey: 'test', baseURL, maxRetries: 0 });
    void client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], stream: true });
  }
  // A bounded wait for the absence of the event, started once the call is made (loading the SDK can
  // take seconds on a loaded machine): the request settles within milliseconds.
  setTimeout(() => resolve('none'), 10_000).unref();
});
server.close();
console.log(seen);
