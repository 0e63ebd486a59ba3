import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { StreamSpanProcessor, trackStream } from 'midstream-otel';

/** A SpanExporter that keeps what it was given, also after shutdown (InMemorySpanExporter forgets). */
function keepingExporter() {
  const spans = [];
  let shutdowns = 0;
  return {
    spans,
    get shutdowns() {
      return shutdowns;
    },
    export(batch, done) {
      spans.push(...batch);
      done({ code: 0 });
    },
    forceFlush: () => Promise.resolve(),
    shutdown() {
      shutdowns++;
      return Promise.resolve();
    },
  };
}

/** An endless source; the consumer reads `n` items and then leaves the stream live. */
async function* endless() {
  for (let i = 0; ; i++) {
    yield i;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function liveStream(tracerProvider, n) {
  const it = trackStream(endless(), { name: 'live', tracerProvider, meterProvider: new MeterProvider() })[Symbol.asyncIterator]();
  for (let i = 0; i < n; i++) await it.next();
  return it;
}

describe('StreamSpanProcessor', () => {
  it('ends a live stream as interrupted with its progress on shutdown, before the delegate shuts down', async () => {
    const exporter = keepingExporter();
    const processor = new StreamSpanProcessor(new BatchSpanProcessor(exporter));
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
    await liveStream(tracerProvider, 3);
    assert.equal(exporter.spans.length, 0);
    await processor.shutdown();
    assert.equal(exporter.spans.length, 1);
    const [span] = exporter.spans;
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.chunk.count'], 3);
    assert.equal(span.attributes['error.type'], 'stream_interrupted');
    assert.equal(exporter.shutdowns, 1);
  });

  it('shuts down once however often shutdown() is called', async () => {
    const exporter = keepingExporter();
    const processor = new StreamSpanProcessor({ exporter });
    const first = processor.shutdown();
    assert.equal(processor.shutdown(), first);
    await first;
    await processor.shutdown();
    assert.equal(exporter.shutdowns, 1);
  });

  it('passes finished spans through to the delegate unchanged and flushes on forceFlush', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new StreamSpanProcessor({ delegate: new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 }) });
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
    tracerProvider.getTracer('t').startSpan('plain', { attributes: { a: 1 } }).end();
    assert.equal(exporter.getFinishedSpans().length, 0, 'batched');
    await processor.forceFlush();
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => [s.name, s.attributes]),
      [['plain', { a: 1 }]],
    );
    await processor.shutdown();
  });

  it('leaves live streams running on forceFlush', async () => {
    const exporter = keepingExporter();
    const processor = new StreamSpanProcessor(new SimpleSpanProcessor(exporter));
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
    const it = await liveStream(tracerProvider, 1);
    await processor.forceFlush();
    assert.equal(exporter.spans.length, 0);
    await it.return();
    assert.equal(exporter.spans[0].attributes['midstream.outcome'], 'cancelled');
    await processor.shutdown();
  });

  it('needs a delegate or an exporter', () => {
    assert.throws(() => new StreamSpanProcessor({}), TypeError);
  });

  it('adds a beforeExit listener by default and no signal listener; shutdown removes what it added', async () => {
    const before = { exit: process.listenerCount('beforeExit'), term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const processor = new StreamSpanProcessor(new SimpleSpanProcessor(keepingExporter()));
    assert.equal(process.listenerCount('beforeExit'), before.exit + 1);
    assert.equal(process.listenerCount('SIGTERM'), before.term);
    assert.equal(process.listenerCount('SIGINT'), before.int);
    await processor.shutdown();
    assert.equal(process.listenerCount('beforeExit'), before.exit);
  });

  it('observes SIGTERM and SIGINT only when asked to, and stops on shutdown', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT'), exit: process.listenerCount('beforeExit') };
    const processor = new StreamSpanProcessor({ delegate: new SimpleSpanProcessor(keepingExporter()), installSignalHandlers: true, flushOnBeforeExit: false });
    assert.equal(process.listenerCount('SIGTERM'), before.term + 1);
    assert.equal(process.listenerCount('SIGINT'), before.int + 1);
    assert.equal(process.listenerCount('beforeExit'), before.exit);
    await processor.shutdown();
    assert.equal(process.listenerCount('SIGTERM'), before.term);
    assert.equal(process.listenerCount('SIGINT'), before.int);
  });
});
