// The README path for apps with their own NodeSDK: midstream's instrumentations plus a
// StreamSpanProcessor around the app's usual processor.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { midstreamInstrumentations, StreamSpanProcessor } from 'midstream-otel';
import { startSseServer } from '../../support/sse-server.mjs';

function keepingExporter() {
  const spans = [];
  return {
    spans,
    export(batch, done) {
      spans.push(...batch);
      done({ code: 0 });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

it('works inside a NodeSDK: completed streams export, live ones end as interrupted on sdk.shutdown()', async (t) => {
  const events = ['a', 'b', 'c'].map((data) => ({ data }));
  const server = await startSseServer((req, url) => (url.pathname === '/hold' ? { events, fault: 'hold-after:2' } : { events }));
  t.after(() => server.close());
  const exporter = keepingExporter();
  const instrumentations = midstreamInstrumentations({ instrumentations: ['fetch'], stallThresholdMs: 1234 });
  assert.deepEqual(
    instrumentations.map((i) => i.instrumentationName),
    ['midstream-otel/fetch'],
  );
  assert.equal(instrumentations[0].getConfig().stallThresholdMs, 1234, 'options reach the instrumentation, in its config');
  const processor = new StreamSpanProcessor(new SimpleSpanProcessor(exporter));
  const sdk = new NodeSDK({ instrumentations, spanProcessors: [processor] });
  sdk.start();
  let shutDown = false;
  t.after(() => (shutDown ? undefined : sdk.shutdown()));

  const done = await fetch(server.url('/done'));
  assert.equal(await done.text(), 'data: a\n\ndata: b\n\ndata: c\n\n');
  // NodeSDK's resource detectors are async: SimpleSpanProcessor exports once they settle.
  await processor.forceFlush();
  const completed = exporter.spans.find((s) => s.attributes['url.full'] === server.url('/done'));
  assert.equal(completed?.attributes['midstream.outcome'], 'completed');

  const held = await fetch(server.url('/hold'));
  const reader = held.body.getReader();
  let text = '';
  while (!text.includes('data: b\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  await sdk.shutdown();
  shutDown = true;
  const interrupted = exporter.spans.find((s) => s.attributes['url.full'] === server.url('/hold'));
  assert.equal(interrupted?.attributes['midstream.outcome'], 'interrupted');
  assert.equal(interrupted.attributes['midstream.chunk.count'], 2);
  await reader.cancel();
});
