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
import { defaultResource, detectResources, envDetector } from '@opentelemetry/resources';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { processState } from '../core/process-state';
import { checkEnv, readEnv } from '../env-contract';
import { midstreamInstrumentations, type MidstreamInstrumentationsOptions } from '../instrumentations';
import { flushOnBeforeExit, observeExitSignals, safeFlush } from '../processor/exit-hooks';
import { StreamSpanProcessor } from '../processor/stream-span-processor';
import { metricReadersFromEnv, spanProcessorsFromEnv } from './exporters-from-env';

/** Options of {@link startMidstream}: midstream's options, per-instrumentation configs, exit behaviour. */
export interface StartMidstreamOptions extends MidstreamInstrumentationsOptions {
  /**
   * Observe SIGTERM/SIGINT to end live streams as `interrupted` and flush, without changing how the
   * app exits (see {@link StreamSpanProcessorOptions.installSignalHandlers}).
   * @defaultValue true
   */
  installSignalHandlers?: boolean;
  /** Upper bound for the flush on a signal, milliseconds. @defaultValue 2000 */
  signalFlushTimeoutMs?: number;
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
 * - Flushes on `beforeExit`; observes SIGTERM/SIGINT without changing how the app exits.
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

  let ownTracerProvider: NodeTracerProvider | undefined;
  if (registeredOtelGlobal('trace')) {
    diag.info('midstream: a global TracerProvider is already registered; midstream reports to it and does not replace it');
  } else {
    const [first, ...rest] = spanProcessorsFromEnv(env);
    const spanProcessors =
      first === undefined ? [] : [new StreamSpanProcessor({ delegate: first, flushOnBeforeExit: false }), ...rest];
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
  const flushAll = async (): Promise<void> => {
    // The global is a ProxyTracerProvider (no forceFlush); flush the provider behind it.
    const tp = (ownTracerProvider ?? delegateOf(tracerProvider)) as { forceFlush?: () => Promise<void> };
    await Promise.all([tp.forceFlush?.(), ownMeterProvider?.forceFlush()]);
  };
  // On exit paths, live streams end synchronously (before an app's own signal listener runs).
  const exitFlush = safeFlush('register.exitFlush', async () => {
    live.endAll('shutdown');
    await flushAll();
  });
  const removeHooks = [flushOnBeforeExit(exitFlush, () => false)];
  if (options.installSignalHandlers !== false)
    removeHooks.push(observeExitSignals(exitFlush, options.signalFlushTimeoutMs ?? 2000));

  let shutdownOnce: Promise<void> | undefined;
  const handle: MidstreamHandle = {
    tracerProvider,
    meterProvider,
    shutdown() {
      if (shutdownOnce === undefined) {
        for (const remove of removeHooks.splice(0)) remove();
        live.endAll('shutdown');
        // Traces first: ending the streams records their metrics, which the meter shutdown then exports.
        shutdownOnce = safeFlush('register.shutdown', async () => {
          if (ownTracerProvider !== undefined) await ownTracerProvider.shutdown();
          else await flushAll();
          await ownMeterProvider?.shutdown();
        })('beforeExit');
      }
      return shutdownOnce;
    },
  };
  globals[HANDLE_KEY] = handle;
  return handle;
}

/** Shuts down the pipeline started by {@link startMidstream} (or `midstream-otel/register`), if any. */
export function shutdownMidstream(): Promise<void> {
  const handle = (globalThis as unknown as Globals)[HANDLE_KEY] as MidstreamHandle | undefined;
  return handle?.shutdown() ?? Promise.resolve();
}
