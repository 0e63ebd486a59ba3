import { context as apiContext, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  InstrumentationBase,
  isWrapped,
  type InstrumentationConfig,
  type InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';
import { epochAnchorMs, now } from '../../core/clock';
import { guarded, reportOnce } from '../../core/guard';
import { markSdkStream, notifyWrapperStream } from '../../core/layering';
import { envOptions, trackerOptions } from '../../core/stream-options';
import { resolveOptions, type HttpMetricsMode, type ResolvedOptions } from '../../options';
import { genAiAttributes, type GenAiCall, type GenAiStreamInit } from './genai-call';
import { moduleDefinitions, type AnyFunction, type HookHost, type HookSpec } from './sdk-hook';
import { StreamTelemetry } from '../../core/stream-telemetry';
import {
  attemptKeyOf,
  attemptLedgerOf,
  RETRIED_OUTCOMES,
  serverRequestScopeOf,
  type AttemptLedger,
  type FailedAttempt,
} from '../../core/stream-parents';
import { StreamTracker, type StreamTrackerInit } from '../../core/stream-tracker';
import { HttpRequestDuration } from '../../metrics/http-request-duration';
import * as sc from '../../semconv';
import { PACKAGE_NAME, VERSION } from '../../version';

/**
 * Configuration every midstream instrumentation takes (the OpenTelemetry convention:
 * `new OpenAIInstrumentation({ captureContent: true, stallThresholdMs: 2000 })`). A field left unset
 * takes the `MIDSTREAM_*` environment variable, else the default. `midstreamInstrumentations(options)`
 * / `startMidstream(options)` pass their shared options to each instrumentation they build this way.
 */
export interface MidstreamInstrumentationConfig extends InstrumentationConfig {
  /** A gap between chunks longer than this is a stall. @defaultValue 5000 (`MIDSTREAM_STALL_THRESHOLD_MS`) */
  stallThresholdMs?: number;
  /** End a silent stream as `timed_out` after this long; 0 = off. @defaultValue 0 (`MIDSTREAM_IDLE_TIMEOUT_MS`) */
  idleTimeoutMs?: number;
  /** Record generated text on the span. @defaultValue false (`MIDSTREAM_CAPTURE_CONTENT`) */
  captureContent?: boolean;
  /** Cap of the captured text. @defaultValue 4096 (`MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES`) */
  captureContentMaxBytes?: number;
}

/** Configuration of the transport instrumentations (fetch, http-client, http-server). */
export interface TransportInstrumentationConfig extends MidstreamInstrumentationConfig {
  /**
   * Who records `http.client.request.duration` / `http.server.request.duration` for the requests this
   * instrumentation sees (see {@link HttpMetricsMode}). @defaultValue 'auto' (`MIDSTREAM_HTTP_METRICS`)
   */
  httpMetrics?: HttpMetricsMode;
}

/** What {@link MidstreamInstrumentation.startStream} needs: the tracker's init, with the span made here when not given. */
export interface StartStreamInit
  extends
    Pick<
      StreamTrackerInit,
      'source' | 'protocol' | 'requiresTerminal' | 'metricAttributes' | 'genAi' | 'recordMetrics' | 'startTime' | 'epochAnchorMs'
    >,
    Partial<Pick<StreamTrackerInit, 'span' | 'ownsSpan'>> {
  /** Span name for a new span; ignored when `span` is given. */
  readonly spanName?: string;
  readonly spanKind?: SpanKind;
  /** Attributes set on the new span at start (may be high-cardinality, e.g. url.full). */
  readonly spanAttributes?: Attributes;
  readonly parentContext?: Context;
  /** A server's own response stream (http-server): never an upstream of a request, never an attempt. */
  readonly serverSide?: boolean;
}

/**
 * Base of every midstream instrumentation: the OTel InstrumentationBase plus a lazily built
 * StreamTelemetry on this instrumentation's meter, and one way to start a tracked stream.
 */
export abstract class MidstreamInstrumentation<
  C extends MidstreamInstrumentationConfig = MidstreamInstrumentationConfig,
> extends InstrumentationBase<C> {
  private streamTelemetry: StreamTelemetry | undefined;
  private httpDuration: HttpRequestDuration | undefined;
  /** Options resolved for the current config (cached per config object; not for the hot path). */
  private resolved: { config: C; options: ResolvedOptions } | undefined;

  constructor(name: string, config: C) {
    super(`${PACKAGE_NAME}/${name}`, VERSION, config);
  }

  protected override init(): InstrumentationModuleDefinition | InstrumentationModuleDefinition[] | void {
    return undefined;
  }

  /** Called by the base class when the meter provider changes. */
  protected override _updateMetricInstruments(): void {
    this.streamTelemetry = undefined;
    this.httpDuration = undefined;
  }

  /** The HTTP request-duration histograms on this instrumentation's meter (transports only). */
  protected get httpRequestDuration(): HttpRequestDuration {
    if (this.httpDuration === undefined) this.httpDuration = new HttpRequestDuration(this.meter);
    return this.httpDuration;
  }

  /** Module definitions for a declared SDK hook (kit/sdk-hook.ts); call from init(). */
  protected hookModules(spec: HookSpec): InstrumentationModuleDefinition[] {
    type Wrappable = Record<string | symbol, AnyFunction>;
    const host: HookHost = {
      instrumentationName: this.instrumentationName,
      isEnabled: () => this.isEnabled(),
      wrapMethod: (holder, name, wrapper) => this._wrap(holder as Wrappable, name, wrapper),
      unwrapMethod: (holder, name) => {
        if (isWrapped((holder as Wrappable)[name])) this._unwrap(holder as Wrappable, name);
      },
      reportNotFound: (what) => reportOnce(`${this.instrumentationName}.patch.${what}`, new Error(`${what} not found`)),
    };
    return moduleDefinitions(host, spec);
  }

  protected get telemetry(): StreamTelemetry {
    if (this.streamTelemetry === undefined) this.streamTelemetry = new StreamTelemetry(this.meter);
    return this.streamTelemetry;
  }

  /**
   * This instrumentation's options: its config's fields (constructor or `setConfig()`) over
   * `MIDSTREAM_*`. Resolved once per config object, so a bad value is reported once.
   */
  protected get options(): ResolvedOptions {
    const config = this.getConfig();
    const cached = this.resolved;
    if (cached !== undefined && cached.config === config) return cached.options;
    const options = resolveOptions(config, envOptions());
    this.resolved = { config, options };
    return options;
  }

  /**
   * 1st step of an SDK streaming call, when the app calls the SDK: starts its `{operation} {model}`
   * CLIENT span now, so the transport span of the request (fetch, http) is its child in the same
   * trace. Run the SDK's call in `call.context`; then either {@link streamOfCall} when the stream
   * arrives or {@link failCall} when the call fails before it. With `sdkSpan` (the SDK's own call
   * span, Anthropic native tracing), that span is enriched instead and the SDK ends it. Never throws.
   */
  protected beginGenAiCall(init: GenAiStreamInit, sdkSpan?: Span): GenAiCall | undefined {
    return guarded(`${this.instrumentationName}.beginCall`, () => {
      const startTime = init.startTime ?? now();
      // The span's start, its end and the tracker's readings share one clock and anchor (core/clock.ts).
      const anchor = epochAnchorMs();
      const parentContext = init.parentContext ?? apiContext.active();
      const attributes = genAiAttributes(init);
      const name =
        init.countOnly === true
          ? `${init.provider}.stream`
          : init.model !== undefined
            ? `${init.operation} ${init.model}`
            : init.operation;
      const span =
        sdkSpan ??
        this.tracer.startSpan(
          name,
          {
            kind: SpanKind.CLIENT,
            attributes: { ...attributes, [sc.ATTR_GEN_AI_REQUEST_STREAM]: true },
            startTime: anchor + startTime * 1000,
          },
          parentContext,
        );
      const spanContext = sdkSpan !== undefined ? parentContext : trace.setSpan(parentContext, span);
      return {
        init,
        span,
        ownsSpan: sdkSpan === undefined,
        attributes,
        startTime,
        epochAnchorMs: anchor,
        parentContext,
        context: markSdkStream(spanContext),
        tracker: undefined,
      };
    });
  }

  /** 2nd step: the call's stream arrived (headers): its tracker, started once, on the call's span. */
  protected streamOfCall(call: GenAiCall): StreamTracker | undefined {
    if (call.tracker !== undefined) return call.tracker;
    const tracker = this.startStream({
      span: call.span,
      ownsSpan: call.ownsSpan,
      parentContext: call.parentContext,
      source: call.init.source,
      protocol: 'objects',
      requiresTerminal: call.init.requiresTerminal ?? true,
      metricAttributes: call.attributes,
      genAi: call.init.countOnly !== true,
      startTime: call.startTime,
      epochAnchorMs: call.epochAnchorMs,
    });
    call.tracker = tracker;
    return tracker;
  }

  /**
   * The call failed before its stream began (HTTP error status after the SDK's retries, connection
   * refused, an abort before the headers): not a stream, so no stream metrics; the span ends ERROR
   * with `error.type` and `gen_ai.client.operation.duration` records it (DESIGN.md, "Outcomes").
   * Does nothing once the stream began (the stream's outcome tells its end).
   */
  protected failCall(call: GenAiCall, error: unknown): void {
    if (call.tracker !== undefined || call.failed === true) return;
    call.failed = true;
    guarded(`${this.instrumentationName}.failCall`, () =>
      this.failedCallAt(call.span, call.ownsSpan, call.attributes, error, call.startTime, call.epochAnchorMs),
    );
  }

  /**
   * A request the user declared a stream (a fetch / http client rule) failed before its stream: an
   * HTTP error status, or no response at all (`error`). Its span (as `init` describes it) ends ERROR
   * with `error.type`; no stream metrics; the GenAI duration when it is a GenAI request. Never throws.
   */
  protected failRequest(init: StartStreamInit, error: unknown): void {
    guarded(`${this.instrumentationName}.failRequest`, () => {
      const startTime = init.startTime ?? now();
      const anchor = epochAnchorMs();
      const span = this.tracer.startSpan(
        init.spanName ?? 'stream',
        { kind: init.spanKind ?? SpanKind.CLIENT, attributes: init.spanAttributes, startTime: anchor + startTime * 1000 },
        init.parentContext ?? apiContext.active(),
      );
      this.failedCallAt(span, true, init.metricAttributes ?? {}, error, startTime, anchor, init.genAi === true);
    });
  }

  /** Ends a failed call's span on the clock it started on, and records its duration. */
  private failedCallAt(
    span: Span,
    ownsSpan: boolean,
    attributes: Attributes,
    error: unknown,
    startTime: number,
    anchor: number,
    genAi = true,
  ): void {
    const end = now();
    this.telemetry.failedCall(span, ownsSpan, attributes, error, end - startTime, genAi, anchor + end * 1000);
  }

  /**
   * The call resolved to something that is not a stream this adapter can observe: its span ends as a
   * plain span (no stream attributes, no metrics) rather than never.
   */
  protected dropCall(call: GenAiCall): void {
    if (call.tracker !== undefined || call.failed === true) return;
    call.failed = true;
    if (call.ownsSpan) guarded(`${this.instrumentationName}.dropCall`, () => call.span.end());
  }

  /**
   * Starts the stream of an SDK call: a `{operation} {model}` CLIENT span with the GenAI attributes,
   * the same low-cardinality attributes on the metrics, SDK items as chunks. Never throws.
   */
  protected startGenAiStream(init: GenAiStreamInit): StreamTracker | undefined {
    const attributes = genAiAttributes(init);
    return this.startStream({
      spanName: init.model !== undefined ? `${init.operation} ${init.model}` : init.operation,
      spanAttributes: { ...attributes, [sc.ATTR_GEN_AI_REQUEST_STREAM]: true },
      parentContext: init.parentContext,
      source: init.source,
      protocol: 'objects',
      requiresTerminal: init.requiresTerminal ?? true,
      metricAttributes: attributes,
      genAi: true,
      startTime: init.startTime,
    });
  }

  /**
   * Starts a tracked stream (a new span, or enrichment of `init.span`). Never throws; undefined on failure.
   * A client stream started inside a server request becomes one of its upstreams (orphaned when the
   * client leaves first); a GenAI stream that follows a failed stream of the same parent, operation
   * and model is its next attempt (DESIGN.md, "Server side"). Both are per stream, never per chunk.
   */
  protected startStream(init: StartStreamInit): StreamTracker | undefined {
    return guarded(`${this.instrumentationName}.startStream`, () => {
      const parentContext = init.parentContext ?? apiContext.active();
      const scope = init.serverSide === true ? undefined : serverRequestScopeOf(parentContext);
      let ledger: AttemptLedger | undefined;
      let attemptKey: string | undefined;
      let failed: FailedAttempt | undefined;
      if (init.genAi === true && init.serverSide !== true) {
        ledger = attemptLedgerOf(parentContext, scope);
        if (ledger !== undefined) {
          const a = init.metricAttributes ?? {};
          attemptKey = attemptKeyOf(a[sc.ATTR_GEN_AI_OPERATION_NAME], a[sc.ATTR_GEN_AI_REQUEST_MODEL]);
          failed = ledger.take(attemptKey);
        }
      }
      const link = failed !== undefined ? { context: failed.spanContext } : undefined;
      const startTime = init.startTime ?? now();
      const anchor = init.epochAnchorMs ?? epochAnchorMs();
      let span = init.span;
      if (span === undefined) {
        span = this.tracer.startSpan(
          init.spanName ?? 'stream',
          {
            kind: init.spanKind ?? SpanKind.CLIENT,
            attributes: init.spanAttributes,
            links: link !== undefined ? [link] : undefined,
            // The span starts when the request was issued, on the tracker's clock and anchor.
            startTime: anchor + startTime * 1000,
          },
          parentContext,
        );
      } else if (link !== undefined && typeof span.addLink === 'function') {
        span.addLink(link);
      }
      // A wrapper stream around this one (LangChain) stops counting: this stream is the counted one.
      if (init.recordMetrics !== false) notifyWrapperStream(parentContext);
      const tracker = new StreamTracker(this.telemetry, {
        ...trackerOptions(this.options),
        span,
        ownsSpan: init.ownsSpan ?? init.span === undefined,
        source: init.source,
        protocol: init.protocol,
        requiresTerminal: init.requiresTerminal,
        metricAttributes: init.metricAttributes,
        genAi: init.genAi,
        recordMetrics: init.recordMetrics,
        startTime,
        epochAnchorMs: anchor,
      });
      if (failed !== undefined) tracker.markRetry(failed);
      if (scope !== undefined) scope.adopt(tracker);
      if (ledger !== undefined && attemptKey !== undefined) rememberFailure(tracker, ledger, attemptKey);
      return tracker;
    });
  }
}

/**
 * When `tracker` fails after at least one chunk, the next stream of its parent with the same key is
 * its retry. A failure before the first chunk is not a stream (the SDKs' own retries happen there).
 */
function rememberFailure(tracker: StreamTracker, ledger: AttemptLedger, key: string): void {
  tracker.whenEnded((outcome) => {
    if (!RETRIED_OUTCOMES.has(outcome) || tracker.chunkCount === 0 || !tracker.recordMetrics) return;
    ledger.record(key, {
      spanContext: tracker.span.spanContext(),
      attempt: tracker.attempt,
      outputChars: tracker.outputChars,
      outputTokens: tracker.facts.outputTokens,
    });
  });
}

export type { GenAiCall, GenAiStreamInit } from './genai-call';
