// Shared set-up for the Bedrock tests: the real @aws-sdk/client-bedrock-runtime (CommonJS, patched
// through require-in-the-middle) with its own HTTP/2 transport, static fake credentials, region
// us-east-1 and the local event-stream server as endpoint.
import { startEventStreamServer } from './event-stream-server.mjs';

export const CREDENTIALS = { accessKeyId: 'AKIDMIDSTREAMTEST', secretAccessKey: 'midstream-test-secret-key' };
export const MESSAGES = [{ role: 'user', content: [{ text: 'Say hello' }] }];

/** A client on the local server for `fixture`/`mode`; destroyed after `t`. */
export async function setup(t, sdk, fixture, mode, { aggregated = false } = {}) {
  const server = await startEventStreamServer(t);
  const Client = aggregated ? sdk.BedrockRuntime : sdk.BedrockRuntimeClient;
  const client = new Client({
    region: 'us-east-1',
    endpoint: server.endpoint(fixture, mode),
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  t.after(() => client.destroy());
  return { server, client };
}

export function converse(sdk, client, modelId, options) {
  return client.send(new sdk.ConverseStreamCommand({ modelId, messages: MESSAGES }), options);
}

/** InvokeModelWithResponseStream with an Anthropic Messages body (or `body`). */
export function invoke(sdk, client, modelId, options, body) {
  const payload = body ?? {
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello' }],
  };
  return client.send(
    new sdk.InvokeModelWithResponseStreamCommand({
      modelId,
      contentType: 'application/json',
      accept: 'application/json',
      body: JSON.stringify(payload),
    }),
    options,
  );
}

export async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}
