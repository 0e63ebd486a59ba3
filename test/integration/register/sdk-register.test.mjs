// The REAL entry points with the real SDKs: `node --require midstream-otel/register app.cjs` and
// `node --import midstream-otel/register app.mjs` (the SDK's ESM files, patched through the
// import-in-the-middle loader), configured only by OTEL_* env, exporting to a real OTLP receiver.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '../../support/otlp-receiver.mjs';
import { runApp } from '../../e2e/harness.mjs';
import { startScriptServer } from '../sdk/sse-script-server.mjs';

const APP = {
  cjs: fileURLToPath(new URL('./apps/llm-app.cjs', import.meta.url)),
  esm: fileURLToPath(new URL('./apps/llm-app.mjs', import.meta.url)),
};
const DOOR = { cjs: ['--require', 'midstream-otel/register'], esm: ['--import', 'midstream-otel/register'] };

const SDKS = {
  openai: {
    source: 'openai',
    fixture: 'openai-chat',
    cut: 'cut3',
    suffix: '/v1',
    items: 5,
    responseModel: 'gpt-4o-mini-2024-07-18',
    responseId: 'chatcmpl-A1',
    finish: ['stop'],
    tokens: [9, 2],
  },
  anthropic: {
    source: 'anthropic',
    fixture: 'anthropic-messages',
    cut: 'cut7',
    suffix: '',
    items: 7,
    responseModel: 'claude-sonnet-4-5-20250929',
    responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    finish: ['end_turn'],
    tokens: [25, 15],
  },
};

/** Runs the app through `door` with one complete and one truncated stream; resolves when it has exited. */
async function runStreams(t, door, sdkName) {
  const sdk = SDKS[sdkName];
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startScriptServer(t);
  const models = { full: `${sdkName}-${door}-full`, cut: `${sdkName}-${door}-cut` };
  const runs = [
    [server.baseURL(sdk.fixture, 'full', sdk.suffix), models.full],
    [server.baseURL(sdk.fixture, sdk.cut, sdk.suffix), models.cut],
  ];
  const app = runApp(t, [...DOOR[door], APP[door]], { SDK: sdkName, RUNS: JSON.stringify(runs), ...receiver.env });
  const { code } = await app.exited;
  assert.equal(code, 0, app.stderr());
  return { receiver, models, app, sdk };
}

const byModel = (receiver, model) => receiver.spans.filter((s) => s.attributes['gen_ai.request.model'] === model);

function outcomes(receiver, model) {
  return receiver.metrics
    .filter((m) => m.name === 'midstream.stream.outcomes')
    .flatMap((m) => m.dataPoints)
    .filter((p) => p.attributes['gen_ai.request.model'] === model);
}

// The ESM door must wrap the SDKs' internal .mjs files (`./core/streaming.mjs`, `./client.mjs`), which
// the SDK imports by relative path: the loader is given their paths (src/register/register.mts).

for (const door of ['cjs', 'esm']) {
  for (const sdkName of ['openai', 'anthropic']) {
    describe(`${DOOR[door].join(' ')} with the ${sdkName} SDK (${door} app)`, () => {
      it('exports one stream span per SDK call with the outcome and GenAI attributes, counted once in metrics', async (t) => {
        const { receiver, models, app, sdk } = await runStreams(t, door, sdkName);
        assert.match(app.stdout(), new RegExp(`^run ${models.full} items ${sdk.items}$`, 'm'));
        assert.match(app.stdout(), /^done$/m);

        const streams = byModel(receiver, models.full).filter((s) => s.attributes['midstream.source'] === sdk.source);
        assert.equal(streams.length, 1, `spans: ${JSON.stringify(receiver.spans.map((s) => [s.name, s.attributes['midstream.source']]))}`);
        const [span] = streams;
        // With a global TracerProvider, @anthropic-ai/sdk traces itself; midstream enriches that span.
        assert.equal(span.name, sdkName === 'anthropic' ? 'anthropic.messages.create' : `chat ${models.full}`);
        assert.equal(span.kind, 3 /* OTLP SPAN_KIND_CLIENT */);
        const a = span.attributes;
        assert.equal(a['midstream.outcome'], 'completed');
        assert.equal(a['gen_ai.provider.name'], sdkName);
        assert.equal(a['gen_ai.operation.name'], 'chat');
        assert.equal(a['gen_ai.request.stream'], true);
        assert.equal(a['gen_ai.response.model'], sdk.responseModel);
        assert.equal(a['gen_ai.response.id'], sdk.responseId);
        assert.deepEqual(a['gen_ai.response.finish_reasons'], sdk.finish);
        assert.equal(a['gen_ai.usage.input_tokens'], sdk.tokens[0]);
        assert.equal(a['gen_ai.usage.output_tokens'], sdk.tokens[1]);
        assert.equal(a['midstream.chunk.count'], sdk.items);
        assert.equal(span.resource['service.name'], 'midstream-e2e');

        const points = outcomes(receiver, models.full);
        assert.equal(points.reduce((n, p) => n + p.value, 0), 1, 'the fetch layer does not count the SDK stream again');
        assert.equal(points[0].attributes['midstream.outcome'], 'completed');
        assert.equal(receiver.rejected, 0);
      });

      it('exports a clean close before the terminal marker as truncated', async (t) => {
        const { receiver, models, app, sdk } = await runStreams(t, door, sdkName);
        assert.match(app.stdout(), new RegExp(`^run ${models.cut} items \\d+$`, 'm'), 'the SDK ends silently');
        const [span, ...more] = byModel(receiver, models.cut).filter((s) => s.attributes['midstream.source'] === sdk.source);
        assert.ok(span, `no ${sdk.source} span; stderr: ${app.stderr()}`);
        assert.equal(more.length, 0);
        assert.equal(span.attributes['midstream.outcome'], 'truncated');
        assert.equal(span.attributes['midstream.terminal_seen'], false);
        assert.equal(span.status.code, 2 /* ERROR */);
        const points = outcomes(receiver, models.cut);
        assert.deepEqual(
          points.map((p) => [p.attributes['midstream.outcome'], p.attributes['error.type'], p.value]),
          [['truncated', 'stream_truncated', 1]],
        );
      });
    });
  }
}
