import { context as apiContext, SpanKind, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationConfig,
  type InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';
import { toEpochMillis } from '../../core/clock';
import { guarded } from '../../core/guard';
import { notifyWrapperStream } from '../../core/layering';
import { processState } from '../../core/process-state';
import { addServerAttributes } from './server-address';
import { StreamTelemetry } from '../../core/stream-telemetry';
import { StreamTracker, type StreamProtocol } from '../../core/stream-tracker';
import * as sc from '../../semconv';
import { PACKAGE_NAME, VERSION } from '../../version';

/** A GenAI stream of an SDK adapter: the GenAI attributes and span name are derived from these. */
export interface GenAiStreamInit {
  /** `gen_ai.provider.name` (semconv well-known value). */
  readonly provider: string;
  /** `gen_ai.operation.name`: `chat`, `text_completion`, `generate_content`, ... */
  readonly operation: string;
  /** `gen_ai.request.model`, when the call names one. */
  readonly model?: string;
  /** The SDK's base URL: gives `server.address` / `server.port`. */
  readonly server?: string | URL;
  readonly source: string;
  readonly parentContext?: Context;
  readonly startTime?: number;
  /** Whether the stream must show its terminal signal to be `completed`. Default true. */
  readonly requiresTerminal?: boolean;
}

export interface StartStreamInit {
  /** Span name for a new span; ignored when `span` is given. */
  readonly spanName?: string;
  readonly spanKind?: SpanKind;
  /** Attributes set on the new span at start (may be high-cardinality, e.g. url.full). */
  readonly spanAttributes?: Attributes;
  readonly parentContext?: Context;
  /** Enrich this existing span instead of starting one; the tracker then does not end it. */
  readonly span?: Span;
  readonly source: string;
  readonly protocol: StreamProtocol;
  readonly requiresTerminal: boolean;
  readonly metricAttributes?: Attributes;
  readonly genAi?: boolean;
  readonly recordMetrics?: boolean;
  readonly startTime?: number;
}

/**
 * Base of every midstream instrumentation: the OTel InstrumentationBase plus a lazily built
 * StreamTelemetry on this instrumentation's meter, and one way to start a tracked stream.
 */
export abstract class MidstreamInstrumentation<
  C extends InstrumentationConfig = InstrumentationConfig,
> extends InstrumentationBase<C> {
  private streamTelemetry: StreamTelemetry | undefined;

  constructor(name: string, config: C) {
    super(`${PACKAGE_NAME}/${name}`, VERSION, config);
  }

  protected override init(): InstrumentationModuleDefinition | InstrumentationModuleDefinition[] | void {
    return undefined;
  }

  /** Called by the base class when the meter provider changes. */
  protected override _updateMetricInstruments(): void {
    this.streamTelemetry = undefined;
  }

  protected get telemetry(): StreamTelemetry {
    if (this.streamTelemetry === undefined) this.streamTelemetry = new StreamTelemetry(this.meter);
    return this.streamTelemetry;
  }

  /** midstream's process-wide options (stall threshold, capture, ...). */
  protected get options() {
    return processState().options;
  }

  /**
   * Starts the stream of an SDK call: a `{operation} {model}` CLIENT span with the GenAI attributes,
   * the same low-cardinality attributes on the metrics, SDK items as chunks. Never throws.
   */
  protected startGenAiStream(init: GenAiStreamInit): StreamTracker | undefined {
    const attributes: Attributes = {
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: init.provider,
      [sc.ATTR_GEN_AI_OPERATION_NAME]: init.operation,
    };
    if (init.model !== undefined) attributes[sc.ATTR_GEN_AI_REQUEST_MODEL] = init.model;
    addServerAttributes(attributes, init.server);
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

  /** Starts a tracked stream (a new span, or enrichment of `init.span`). Never throws; undefined on failure. */
  protected startStream(init: StartStreamInit): StreamTracker | undefined {
    return guarded(`${this.instrumentationName}.startStream`, () => {
      const span =
        init.span ??
        this.tracer.startSpan(
          init.spanName ?? 'stream',
          {
            kind: init.spanKind ?? SpanKind.CLIENT,
            attributes: init.spanAttributes,
            // The span starts when the request was issued, like the tracker's clock.
            startTime: init.startTime !== undefined ? toEpochMillis(init.startTime) : undefined,
          },
          init.parentContext ?? apiContext.active(),
        );
      const parentContext = init.parentContext ?? apiContext.active();
      // A wrapper stream around this one (LangChain) stops counting: this stream is the counted one.
      if (init.recordMetrics !== false) notifyWrapperStream(parentContext);
      return new StreamTracker(this.telemetry, {
        span,
        ownsSpan: init.span === undefined,
        source: init.source,
        protocol: init.protocol,
        requiresTerminal: init.requiresTerminal,
        metricAttributes: init.metricAttributes,
        genAi: init.genAi,
        recordMetrics: init.recordMetrics,
        startTime: init.startTime,
      });
    });
  }
}
