// Child app: calls generateContentStream against a 429 and forgets to handle the promise. Prints
// whether Node reported the rejection as unhandled. argv[2] === 'on': with the instrumentation.
import http from 'node:http';
import { GoogleGenAIInstrumentation } from '../../../../../dist/instrumentations/genai/index.js';
import { instrument, sdkRequire } from '../../sdk-harness.mjs';

if (process.argv[2] === 'on') instrument(new GoogleGenAIInstrumentation());
const { GoogleGenAI } = sdkRequire(import.meta.url)('@google/genai');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(429, { 'content-type': 'application/json' });
    res.end('{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: `http://127.0.0.1:${server.address().port}` } });
const seen = await new Promise((resolve) => {
  process.on('unhandledRejection', (error) => resolve(`unhandled ${error?.constructor?.name}`));
  // A bounded wait for the absence of the event: the request settles within milliseconds.
  setTimeout(() => resolve('none'), 2000).unref();
  void ai.models.generateContentStream({ model: 'm', contents: 'x' });
});
server.close();
console.log(seen);
