// Child app: calls a streaming SDK method against an HTTP 500 and forgets to handle the promise.
// Prints whether Node reported the rejection as unhandled. argv[2]: cohere | bedrock; argv[3] === 'on':
// instrumented.
import http from 'node:http';
import { CohereInstrumentation } from '../../../../dist/instrumentations/sdk/cohere.js';
import { BedrockInstrumentation } from '../../../../dist/instrumentations/sdk/bedrock.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';

const [sdkName, mode] = process.argv.slice(2);
if (mode === 'on') instrument(sdkName === 'cohere' ? new CohereInstrumentation() : new BedrockInstrumentation());
const require = sdkRequire(import.meta.url);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' });
    res.end('{"message":"boom"}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${server.address().port}`;
const seen = await new Promise((resolve) => {
  process.on('unhandledRejection', (error) => resolve(`unhandled ${error?.name}`));
  if (sdkName === 'cohere') {
    const { CohereClientV2 } = require('cohere-ai');
    const client = new CohereClientV2({ token: 'test', environment: baseUrl, maxRetries: 0 });
    void client.chatStream({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
  } else {
    const { BedrockRuntimeClient, ConverseStreamCommand } = require('@aws-sdk/client-bedrock-runtime');
    const { NodeHttpHandler } = require('@smithy/node-http-handler');
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: baseUrl,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    void client.send(new ConverseStreamCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }));
  }
  // A bounded wait for the absence of the event, started once the call is made (loading the SDK can
  // take seconds on a loaded machine): the request settles within milliseconds.
  setTimeout(() => resolve('none'), 10_000).unref();
});
server.close();
console.log(seen);
