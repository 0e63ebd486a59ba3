import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { StreamTracker } from '../../core/stream-tracker';
import * as sc from '../../semconv';
import { addServerAttributes } from './server-address';

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
  /**
   * A stream of an endpoint the adapter does not know: span `{provider}.stream`, no operation
   * attribute, no GenAI metrics; only the stream is counted.
   */
  readonly countOnly?: boolean;
}

/** A GenAI call between the app's call and its stream ({@link MidstreamInstrumentation.beginGenAiCall}). */
export interface GenAiCall {
  readonly init: GenAiStreamInit;
  readonly span: Span;
  readonly ownsSpan: boolean;
  /** Low-cardinality GenAI attributes (span and metrics). */
  readonly attributes: Attributes;
  readonly startTime: number;
  /** The epoch anchor of the span's start (core/clock.ts `epochAnchorMs`); its tracker and end use it too. */
  readonly epochAnchorMs: number;
  readonly parentContext: Context;
  /** Run the SDK call in this context: the call's span is active and marked as an SDK stream. */
  readonly context: Context;
  tracker: StreamTracker | undefined;
  failed?: boolean;
}

export function genAiAttributes(init: GenAiStreamInit): Attributes {
  const attributes: Attributes = { [sc.ATTR_GEN_AI_PROVIDER_NAME]: init.provider };
  if (init.countOnly !== true) attributes[sc.ATTR_GEN_AI_OPERATION_NAME] = init.operation;
  if (init.model !== undefined) attributes[sc.ATTR_GEN_AI_REQUEST_MODEL] = init.model;
  addServerAttributes(attributes, init.server);
  return attributes;
}
