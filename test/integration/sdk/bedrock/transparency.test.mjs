// The app sees the same output object, items and errors with and without the instrumentation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockInstrumentation } from '../../../../dist/instrumentations/sdk/bedrock.js';
import { sdkRequire, capture, instrument, streamSpans } from '../sdk-harness.mjs';
import { startEventStreamServer } from './event-stream-server.mjs';
import { CREDENTIALS, converse, invoke } from './bedrock-setup.mjs';

const instrumentation = new BedrockInstrumentation();
const otel = instrument(instrumentation);
const sdk = sdkRequire(import.meta.url)('@aws-sdk/client-bedrock-runtime');

const SCENARIOS = [
  ['converse', 'converse-stream', 'full'],
  ['converse', 'converse-stream', 'cut4'],
  ['converse', 'converse-stream', 'partial3'],
  ['converse', 'converse-stream', 'destroy3'],
  ['converse', 'converse-model-error', 'full'],
  ['converse', 'converse-throttled', 'full'],
  ['invoke', 'invoke-anthropic', 'full'],
  ['invoke', 'invoke-anthropic', 'partial4'],
  ['invoke', 'invoke-model-error', 'full'],
];

function shape(output, member) {
  const stream = output[member];
  return {
    keys: Object.keys(output).sort(),
    metadata: { ...output.$metadata },
    streamProto: Object.getPrototypeOf(stream) === Object.prototype,
    streamKeys: Object.keys(stream),
  };
}

test('the app sees identical output objects, items and errors with and without the instrumentation', async (t) => {
  const server = await startEventStreamServer(t);
  const run = async () => {
    const results = [];
    for (const [kind, fixture, mode] of SCENARIOS) {
      const client = new sdk.BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: server.endpoint(fixture, mode),
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
      results.push(
        await capture(async (items) => {
          const member = kind === 'converse' ? 'stream' : 'body';
          const output = await (kind === 'converse'
            ? converse(sdk, client, 't-transparent')
            : invoke(sdk, client, 't-transparent'));
          items.push(shape(output, member));
          for await (const item of output[member]) items.push(item);
        }),
      );
      client.destroy();
    }
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 't-transparent').length, SCENARIOS.length, 'every scenario was tracked');
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.equal(streamSpans(otel, 't-transparent').length, SCENARIOS.length, 'disabled: no new spans');
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.filter((r) => r.error !== undefined).length >= 4, 'the scenarios include failures');
});
