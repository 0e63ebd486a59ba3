import type { Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { defaultResource, detectResources, envDetector } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { processState } from '../core/process-state';
import { REASON_SHUTDOWN } from '../semconv';
import { startCrashJournal, type CrashJournal, type CrashJournalOptions } from './crash-journal';
import { checkedExitTimeout } from './exit-bound';
import { flushOnBeforeExit, observeExitSignals, type ExitActions } from './exit-hooks';

/** Options of {@link StreamSpanProcessor}. Give a `delegate`, or an `exporter` to batch. */
export interface StreamSpanProcessorOptions {
  /** The processor that receives every span (usually a BatchSpanProcessor). */
  delegate?: SpanProcessor;
  /** Used when no `delegate` is given: spans go to `new BatchSpanProcessor(exporter)`. */
  exporter?: SpanExporter;
  /**
   * Flush once when the event loop empties (`beforeExit`), ending still-live streams as `interrupted`.
   * Does not change how or when the process exits.
   * @defaultValue true
   */
  flushOnBeforeExit?: boolean;
  /**
   * Observe SIGTERM/SIGINT. When the app has its own listener for the signal, the app decides whether
   * the process ends and live streams go on; when it has none, live streams end as `interrupted`
   * (reason `sigterm`/`sigint`), midstream flushes within `exitTimeoutMs` and re-raises the signal, so
   * the default exit (and status) stays. Off by default: constructing
   * a processor adds no signal listener (`midstream-otel/register` turns the equivalent on).
   * @defaultValue false
   */
  installSignalHandlers?: boolean;
  /**
   * Upper bound of the flush when the event loop empties or on a signal, milliseconds. The flush runs
   * detached: nothing it starts (exporter retries, sockets, a provider's flush timer) keeps the process
   * alive past this bound.
   * @defaultValue 1000
   */
  exitTimeoutMs?: number;
  /**
   * Keep a crash journal of the live streams, and export the streams of this service's killed
   * processes (SIGKILL, OOM) through this processor's delegate as `interrupted` spans with reason
   * `process_killed` (README, "Crash journal"). `true`, or options (`dir`, `intervalMs`, `serviceName`;
   * the resource of recovered spans defaults to the `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` one).
   * Started on the next event-loop turn, so a MeterProvider registered right after the processor is
   * constructed (NodeSDK's `start()`) counts the recovered streams. `MIDSTREAM_JOURNAL=false` still wins.
   * @defaultValue false
   */
  crashJournal?: boolean | (Omit<CrashJournalOptions, 'target' | 'live'> & { resource?: Resource });
}

function isSpanProcessor(x: unknown): x is SpanProcessor {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as SpanProcessor).onEnd === 'function' &&
    typeof (x as SpanProcessor).shutdown === 'function'
  );
}

/**
 * A SpanProcessor that makes sure no stream span is lost when the process ends: on `shutdown()` (and,
 * if enabled, on `beforeExit` and SIGTERM/SIGINT) it ends every stream that is still live with
 * outcome `interrupted` and the progress so far (chunks, bytes, time to first chunk), then flushes
 * and shuts down its delegate. Every span is passed through to the delegate unchanged.
 *
 * @example
 * ```ts
 * import { NodeSDK } from '@opentelemetry/sdk-node';
 * import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
 * import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
 * import { midstreamInstrumentations, StreamSpanProcessor } from 'midstream-otel';
 *
 * new NodeSDK({
 *   instrumentations: [...midstreamInstrumentations()],
 *   spanProcessors: [new StreamSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter()))],
 * }).start();
 * ```
 */
export class StreamSpanProcessor implements SpanProcessor {
  private readonly delegate: SpanProcessor;
  private shutdownOnce: Promise<void> | undefined;
  private endedSinceFlush = 0;
  private readonly removeHooks: (() => void)[] = [];
  private journal: CrashJournal | undefined;

  /** @param delegateOrOptions a SpanProcessor to wrap, or {@link StreamSpanProcessorOptions}. */
  constructor(delegateOrOptions: SpanProcessor | StreamSpanProcessorOptions = {}) {
    const options: StreamSpanProcessorOptions = isSpanProcessor(delegateOrOptions)
      ? { delegate: delegateOrOptions }
      : delegateOrOptions;
    if (options.delegate !== undefined) this.delegate = options.delegate;
    else if (options.exporter !== undefined) this.delegate = new BatchSpanProcessor(options.exporter);
    else throw new TypeError('StreamSpanProcessor needs a delegate SpanProcessor or an exporter');

    const actions: ExitActions = {
      endLive: (reason) => {
        processState().live.endAll('shutdown', reason);
        // Nothing live any more: the journal holds nothing to recover.
        this.journal?.writeNow();
      },
      flush: () => (this.shutdownOnce !== undefined ? this.shutdownOnce : this.forceFlush()),
      timeoutMs: checkedExitTimeout('exitTimeoutMs', options.exitTimeoutMs),
      description: 'flushing telemetry at exit',
    };
    if (options.flushOnBeforeExit !== false) {
      this.removeHooks.push(flushOnBeforeExit(actions, () => this.endedSinceFlush > 0));
    }
    if (options.installSignalHandlers === true) {
      this.removeHooks.push(observeExitSignals(actions));
    }
    if (options.crashJournal !== undefined && options.crashJournal !== false) {
      const journalOptions = options.crashJournal === true ? {} : options.crashJournal;
      setImmediate(() => this.startJournal(journalOptions));
    }
  }

  private startJournal(options: Omit<CrashJournalOptions, 'target' | 'live'> & { resource?: Resource }): void {
    if (this.shutdownOnce !== undefined) return;
    const resource = options.resource ?? defaultResource().merge(detectResources({ detectors: [envDetector] }));
    const serviceName = resource.attributes[ATTR_SERVICE_NAME];
    const journal = startCrashJournal({
      serviceName: typeof serviceName === 'string' ? serviceName : undefined,
      ...options,
      target: { resource, onEnd: (span) => this.onEnd(span) },
    });
    this.journal = journal;
    const onExit = (): void => journal.writeNow('process_exit');
    process.on('exit', onExit);
    this.removeHooks.push(() => process.removeListener('exit', onExit));
  }

  onStart(span: Span, parentContext: Context): void {
    this.delegate.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.endedSinceFlush++;
    this.delegate.onEnd(span);
  }

  /** Exports what the delegate holds; live streams stay live. */
  forceFlush(): Promise<void> {
    this.endedSinceFlush = 0;
    return this.delegate.forceFlush();
  }

  /**
   * Ends every live stream with outcome `interrupted`, then flushes and shuts down the delegate.
   * Idempotent: later calls return the first call's promise.
   */
  shutdown(): Promise<void> {
    if (this.shutdownOnce === undefined) {
      for (const remove of this.removeHooks.splice(0)) remove();
      processState().live.endAll('shutdown', REASON_SHUTDOWN);
      this.journal?.close();
      this.shutdownOnce = this.delegate.forceFlush().then(() => this.delegate.shutdown());
    }
    return this.shutdownOnce;
  }
}
