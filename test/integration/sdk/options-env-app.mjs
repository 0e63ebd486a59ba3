// Child app of instrumentation-options.test.mjs; prints what the spans recorded, as JSON.
//   class  (default): one OpenAIInstrumentation built with no options; one stream with a 200 ms stall.
//   shared: midstreamInstrumentations() with shared options and an `openai` entry, the same stream; then
//           trackStream() over a source with a 200 ms gap, without and with its own stallThresholdMs.
import { midstreamInstrumentations, OpenAIInstrumentation, trackStream } from 'midstream-otel';
import { startScriptServer } from './sse-script-server.mjs';
import { instrument, sdkRequire } from './sdk-harness.mjs';

const mode = process.argv[2] ?? 'class';
const [instrumentation] =
  mode === 'shared'
    ? midstreamInstrumentations({ instrumentations: ['openai'], stallThresholdMs: 60, openai: { captureContent: true } })
    : [new OpenAIInstrumentation()];
const otel = instrument(instrumentation);
const { default: OpenAI } = sdkRequire(import.meta.url)('openai');
const cleanups = [];
const server = await startScriptServer({ after: (fn) => cleanups.push(fn) });
const client = new OpenAI({ baseURL: server.baseURL('openai-chat', 'stall2x200', '/v1'), apiKey: 'test', maxRetries: 0 });
for await (const _ of await client.chat.completions.create({ model: 'o-env', messages: [], stream: true })) void _;
const span = otel.spans().find((s) => s.attributes['gen_ai.request.model'] === 'o-env');
const out = { content: span.attributes['midstream.content.output'], stalls: span.attributes['midstream.stall.count'] };

if (mode === 'shared') {
  async function* parts() {
    yield 'a';
    yield 'b';
    await new Promise((r) => setTimeout(r, 200));
    yield 'c';
  }
  const providers = { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider };
  for await (const _ of trackStream(parts(), { ...providers, name: 'manual-default' })) void _;
  for await (const _ of trackStream(parts(), { ...providers, name: 'manual-own', stallThresholdMs: 60 })) void _;
  const stallsOf = (name) => otel.spans().find((s) => s.name === name).attributes['midstream.stall.count'];
  out.manual = { default: stallsOf('manual-default'), own: stallsOf('manual-own') };
}
process.stdout.write(JSON.stringify(out));
for (const fn of cleanups) fn();
