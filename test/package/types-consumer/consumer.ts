// Type-checked by scripts/check-package.mjs against the packed tarball, without @types/node, under
// module commonjs, node16, nodenext and bundler. Every entry point must resolve to real types: each
// `@ts-expect-error` fails the check if the type behind it were `any` or missing.
import { midstreamInstrumentations, shutdownMidstream, startMidstream, trackStream, type Outcome } from 'midstream-otel';
import { StreamSpanProcessor } from 'midstream-otel/processor';
// A side-effect import still has to resolve (noUncheckedSideEffectImports).
import 'midstream-otel/register';

const outcome: Outcome = 'completed';
// @ts-expect-error not an outcome
const notAnOutcome: Outcome = 'finished';

async function* parts(): AsyncGenerator<{ text: string }> {
  yield { text: 'hi' };
}
const tracked: AsyncIterable<{ text: string }> = trackStream(parts(), { name: 'chat my-model', stallThresholdMs: 2000 });
const instrumentations = midstreamInstrumentations({
  stallThresholdMs: 2000,
  openai: { captureContent: true },
  httpServer: { idleTimeoutMs: 30000, httpMetrics: 'off' },
});
// @ts-expect-error httpMetrics is an option of the transports (fetch, httpClient, httpServer) only
midstreamInstrumentations({ openai: { httpMetrics: 'off' } });
const handle = startMidstream();
const done: Promise<void> = shutdownMidstream();
// @ts-expect-error the processor takes a delegate processor or options, not a string
new StreamSpanProcessor('not a processor');

export { outcome, notAnOutcome, tracked, instrumentations, handle, done };
