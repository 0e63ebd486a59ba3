import {
  diag,
  DiagConsoleLogger,
  DiagLogLevel,
  metrics,
  trace,
  type MeterProvider,
  type TracerProvider,
} from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { defaultResource, detectResources, envDetector, type Resource } from '@opentelemetry/resources';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { processState } from '../core/process-state';
import { checkEnv, readEnv } from '../env-contract';
import { midstreamInstrumentations, type MidstreamInstrumentationsOptions } from '../instrumentations';
import { startCrashJournal, type CrashJournal } from '../processor/crash-journal';
import { checkedExitTimeout, exitTimeoutFromEnv, flushWithinBound, reportFailure } from '../processor/exit-bound';
import { exportLiveSync, setSyncSpanSender } from '../processor/exit-export';
import { flushOnBeforeExit, observeExitSignals, observeProcessEnd, type ExitActions } from '../processor/exit-hooks';
import { StreamSpanProcessor } from '../processor/stream-span-processor';
import { otlpJsonSyncSender } from '../processor/sync-span-sender';
import * as sc from '../semconv';
import { metricReadersFromEnv, otlpTargetOf, spanProcessorsFromEnv } from './exporters-from-env';
import type { OtlpTarget } from './otlp-target';

/** Options of {@link startMidstream}: midstream's options, per-instrumentation configs, exit behaviour. */
export interface StartMidstreamOptions extends MidstreamInstrumentationsOptions {
  /**
   * Observe SIGTERM/SIGINT to end live streams as `interrupted` and flush, without changing how the
   * app exits (see {@link StreamSpanProcessorOptions.installSignalHandlers}).
   * @defaultValue true
   */
  installSignalHandlers?: boolean;
  /**
   * The most time midstream adds to the app's exit, milliseconds: the flush when the event loop empties
   * or on SIGTERM/SIGINT without an app handler, the synchronous export of live streams on
   * `process.exit()` / a fatal exception, and {@link MidstreamHandle.shutdown}. Whatever the exporters
   * or the app's own pipeline do, nothing midstream starts keeps the process alive longer.
   * @defaultValue 1000 (env `MIDSTREAM_EXIT_TIMEOUT_MS`)
   */
  exitTimeoutMs?: number;
}

/** What {@link startMidstream} returns. */
export interface MidstreamHandle {
  /** Ends live streams as `interrupted`, flushes and shuts down the providers midstream created. Idempotent. */
  shutdown(): Promise<void>;
  /** The global TracerProvider in use (midstream's, or the one the app had already registered). */
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
}

const HANDLE_KEY = Symbol.for('midstream.register.handle.v1');
// The OpenTelemetry API keeps its globals under this key (api/src/internal/global-utils.ts, major 1).
const OTEL_API_KEY = Symbol.for('opentelemetry.js.api.1');

type Globals = Record<symbol, unknown>;

/** The instrumentations this copy of midstream started (read by the ESM door). */
export const startedInstrumentations: Instrumentation[] = [];

function registeredOtelGlobal(type: 'trace' | 'metrics' | 'diag'): boolean {
  const api = (globalThis as unknown as Globals)[OTEL_API_KEY] as Record<string, unknown> | undefined;
  return api?.[type] !== undefined;
}

/**
 * `OTEL_LOG_LEVEL` sets the diag logger. Without it (and without a logger set by the app), midstream
 * installs a console logger at WARN: a configuration mistake (`MIDSTREAM_STALL_THRESHOLD_MS=abc`) or an
 * unreachable collector should be visible by default. `OTEL_LOG_LEVEL=none` silences everything; a
 * level that is not one is reported (once the logger exists) and WARN applies.
 */
function setUpDiag(env: NodeJS.ProcessEnv): void {
  const { value, raw } = checkEnv('OTEL_LOG_LEVEL', env);
  if (raw !== undefined) {
    diag.setLogger(new DiagConsoleLogger(), {
      logLevel: diagLogLevelFromString(value) ?? DiagLogLevel.WARN,
      suppressOverrideMessage: true,
    });
    readEnv('OTEL_LOG_LEVEL', env);
  } else if (!registeredOtelGlobal('diag')) {
    diag.setLogger(new DiagConsoleLogger(), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
}

function delegateOf(provider: TracerProvider): unknown {
  const proxy = provider as { getDelegate?: () => TracerProvider };
  return typeof proxy.getDelegate === 'function' ? proxy.getDelegate() : provider;
}

/**
 * Starts midstream for this process from the standard OpenTelemetry environment variables
 * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_ENDPOINT` and the per-signal
 * `..._TRACES_ENDPOINT`/`..._METRICS_ENDPOINT`, `OTEL_TRACES_EXPORTER=otlp|console|none`,
 * `OTEL_METRICS_EXPORTER=otlp|prometheus|console|none`, `OTEL_LOG_LEVEL`, `OTEL_SDK_DISABLED`) and the
 * `MIDSTREAM_*` variables; `options` take precedence over the environment. This is what
 * `--require midstream-otel/register` and `--import midstream-otel/register` run.
 *
 * - Exactly one start per process: a second call (or a second copy of midstream) is refused with one
 *   diagnostic and returns the first handle; streams are never counted twice.
 * - If the app already registered a global TracerProvider (or MeterProvider), midstream does not replace
 *   it: the instrumentations report to the app's provider (add a {@link StreamSpanProcessor} there to get
 *   `interrupted` spans exported on shutdown).
 * - Never holds the exit: adds at most `exitTimeoutMs` (default 1000) to it, whatever the exporters do.
 *   Flushes on `beforeExit`; observes SIGTERM/SIGINT without changing how the app exits (live streams
 *   end `interrupted` only when the process really ends); on `process.exit()` and fatal exceptions,
 *   exports the live streams' spans synchronously.
 *
 * @example
 * ```ts
 * const midstream = startMidstream({ stallThresholdMs: 2000 });
 * // ... on your own shutdown path:
 * await midstream.shutdown();
 * ```
 */
export function startMidstream(options: StartMidstreamOptions = {}): MidstreamHandle {
  const env = process.env;
  const globals = globalThis as unknown as Globals;
  const state = processState();
  const existing = globals[HANDLE_KEY] as MidstreamHandle | undefined;
  if (state.started || existing !== undefined) {
    diag.warn('midstream: already started in this process; this second start is ignored (nothing is patched twice)');
    return (
      existing ?? {
        shutdown: () => Promise.resolve(),
        tracerProvider: trace.getTracerProvider(),
        meterProvider: metrics.getMeterProvider(),
      }
    );
  }
  state.started = true;
  setUpDiag(env);
  if (readEnv('OTEL_SDK_DISABLED', env)) {
    diag.info('midstream: OTEL_SDK_DISABLED=true; midstream does not start');
    const handle: MidstreamHandle = {
      shutdown: () => Promise.resolve(),
      tracerProvider: trace.getTracerProvider(),
      meterProvider: metrics.getMeterProvider(),
    };
    globals[HANDLE_KEY] = handle;
    return handle;
  }

  const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
  const exitTimeoutMs =
    options.exitTimeoutMs !== undefined ? checkedExitTimeout('exitTimeoutMs', options.exitTimeoutMs) : exitTimeoutFromEnv(env);

  let ownTracerProvider: NodeTracerProvider | undefined;
  let ownSpanProcessors: SpanProcessor[] = [];
  let otlpTraces: OtlpTarget | undefined;
  if (registeredOtelGlobal('trace')) {
    diag.info('midstream: a global TracerProvider is already registered; midstream reports to it and does not replace it');
  } else {
    const processors = spanProcessorsFromEnv(env);
    otlpTraces = processors.map(otlpTargetOf).find((t) => t !== undefined);
    const [first, ...rest] = processors;
    const spanProcessors =
      first === undefined ? [] : [new StreamSpanProcessor({ delegate: first, flushOnBeforeExit: false }), ...rest];
    ownSpanProcessors = spanProcessors;
    ownTracerProvider = new NodeTracerProvider({ resource, spanProcessors });
    ownTracerProvider.register();
  }
  let ownMeterProvider: SdkMeterProvider | undefined;
  if (registeredOtelGlobal('metrics')) {
    diag.info('midstream: a global MeterProvider is already registered; midstream reports to it and does not replace it');
  } else {
    ownMeterProvider = new SdkMeterProvider({ resource, readers: metricReadersFromEnv(env) });
    metrics.setGlobalMeterProvider(ownMeterProvider);
  }
  const tracerProvider = trace.getTracerProvider();
  const meterProvider = metrics.getMeterProvider();

  const instrumentations = midstreamInstrumentations(options);
  startedInstrumentations.push(...instrumentations);
  registerInstrumentations({ instrumentations, tracerProvider, meterProvider });

  const live = state.live;
  const journal = startJournal(resource, ownTracerProvider !== undefined ? ownSpanProcessors : undefined);
  const flushAll = async (): Promise<void> => {
    // The global is a ProxyTracerProvider (no forceFlush); flush the provider behind it.
    const tp = (ownTracerProvider ?? delegateOf(tracerProvider)) as { forceFlush?: () => Promise<void> };
    // Each branch reports its own failure at once, and the whole settles only when both have: work
    // still running detached must stay inside runDetached() (see exit-bound.ts).
    await Promise.allSettled([
      reportFailure('flushing traces', () => tp.forceFlush?.()),
      reportFailure('flushing metrics', () => ownMeterProvider?.forceFlush()),
    ]);
  };
  // process.exit() and fatal exceptions: the live streams' spans go out synchronously. Only for the
  // pipeline midstream built: OTLP through a worker thread, console already writes synchronously, none
  // has nowhere to write. The app's own provider has no synchronous path (exportLiveSync says false).
  setSyncSpanSender(
    ownTracerProvider === undefined
      ? undefined
      : otlpTraces !== undefined
        ? otlpJsonSyncSender(otlpTraces.url, () => otlpTraces.headers)
        : () => true,
    exitTimeoutMs,
  );
  const actions: ExitActions = {
    endLive: (reason) => {
      live.endAll('shutdown', reason);
      // Nothing live any more: the journal holds nothing to recover.
      journal.writeNow();
    },
    flush: flushAll,
    timeoutMs: exitTimeoutMs,
    description:
      otlpTraces !== undefined
        ? `exporting telemetry to ${new URL(otlpTraces.url).origin} at exit`
        : 'flushing telemetry at exit',
  };
  const removeHooks = [flushOnBeforeExit(actions, () => false), observeProcessEnd((reason) => endAtProcessEnd(reason, journal))];
  if (options.installSignalHandlers !== false) removeHooks.push(observeExitSignals(actions));

  let shutdownOnce: Promise<void> | undefined;
  const handle: MidstreamHandle = {
    tracerProvider,
    meterProvider,
    shutdown() {
      if (shutdownOnce === undefined) {
        for (const remove of removeHooks.splice(0)) remove();
        live.endAll('shutdown', sc.REASON_SHUTDOWN);
        journal.close();
        // Traces first: ending the streams records their metrics, which the meter shutdown then exports.
        shutdownOnce = flushWithinBound(
          'shutting down telemetry',
          async () => {
            if (ownTracerProvider !== undefined) await ownTracerProvider.shutdown();
            else await flushAll();
            await ownMeterProvider?.shutdown();
          },
          exitTimeoutMs,
        );
      }
      return shutdownOnce;
    },
  };
  globals[HANDLE_KEY] = handle;
  return handle;
}

/**
 * The crash journal, when midstream owns the TracerProvider (it can only export recovered spans
 * through processors it holds). At 'exit', see {@link endAtProcessEnd}.
 */
function startJournal(resource: Resource, spanProcessors: SpanProcessor[] | undefined): CrashJournal {
  if (spanProcessors === undefined || spanProcessors.length === 0) return startCrashJournal({ enabled: false });
  const serviceName = resource.attributes[ATTR_SERVICE_NAME];
  const journal = startCrashJournal({
    serviceName: typeof serviceName === 'string' ? serviceName : undefined,
    target: {
      resource,
      onEnd: (span) => {
        for (const p of spanProcessors) p.onEnd(span);
      },
      meterProvider: metrics.getMeterProvider(),
    },
  });
  return journal;
}

/**
 * At 'exit' (`process.exit()`, a fatal exception): the journal first records the live streams with
 * the reason, synchronously; then their spans go out synchronously. Delivered: the journal has
 * nothing left to recover and is removed. Not delivered (the app's own provider, a collector that
 * failed or did not answer within the bound): the journal stays, and the next start of the service
 * exports those streams as `interrupted` with this reason.
 */
function endAtProcessEnd(reason: string, journal: CrashJournal): void {
  journal.writeNow(reason);
  if (exportLiveSync(reason)) journal.close();
}

/** Shuts down the pipeline started by {@link startMidstream} (or `midstream-otel/register`), if any. */
export function shutdownMidstream(): Promise<void> {
  const handle = (globalThis as unknown as Globals)[HANDLE_KEY] as MidstreamHandle | undefined;
  return handle?.shutdown() ?? Promise.resolve();
}
