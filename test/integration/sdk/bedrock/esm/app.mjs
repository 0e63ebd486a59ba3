// An ESM app importing the (CommonJS-only) Bedrock runtime SDK by name and default, streaming once
// through each; prints what midstream recorded.
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import bedrock from '@aws-sdk/client-bedrock-runtime';

const endpoint = process.env.ENDPOINT;
const credentials = { accessKeyId: 'AKIDMIDSTREAMTEST', secretAccessKey: 'midstream-test-secret-key' };
const messages = [{ role: 'user', content: [{ text: 'hi' }] }];
const drain = async (stream) => {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
};

const named = new BedrockRuntimeClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
const viaDefault = new bedrock.BedrockRuntime({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
const items = {
  named: await drain((await named.send(new ConverseStreamCommand({ modelId: 'esm-named', messages }))).stream),
  default: await drain((await viaDefault.converseStream({ modelId: 'esm-default', messages })).stream),
};
named.destroy();
viaDefault.destroy();
const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
process.stdout.write(JSON.stringify({ items, spans }));
