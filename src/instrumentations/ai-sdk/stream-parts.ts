import type { StreamTracker } from '../../core/stream-tracker';
import { errorTypeOf } from '../../protocols/json-probe';

/** A LanguageModelV3 / V4 stream part (only what we read; the shapes we read are the same). */
interface StreamPart {
  type?: unknown;
  delta?: unknown;
  id?: unknown;
  modelId?: unknown;
  finishReason?: unknown;
  usage?: { inputTokens?: unknown; outputTokens?: unknown } | null;
  error?: unknown;
}

/** V3/V4 `finishReason`: the unified value plus the provider's own (`raw`); V2 had a plain string. */
interface FinishReason {
  unified?: unknown;
  raw?: unknown;
}

/** V3/V4 token counts are `{total, ...}`; V2 counts were numbers. */
function tokenCount(value: unknown): number | undefined {
  const n = typeof value === 'object' && value !== null ? (value as { total?: unknown }).total : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * The `finish` part. The provider's TransformStream emits it from `flush()` on EVERY clean end,
 * with no usage and `finishReason: {unified: 'other'}` when the wire ended before the provider's
 * terminal event (measured with @ai-sdk/openai 3.0.141 and 4.0.0; later 4.0.x releases say
 * `unified: 'interrupted'`, a LanguageModelV4 value, measured with 4.0.118), so `finish` alone is
 * not a terminal marker.
 * The terminal signal is what the provider only fills from its real terminal event:
 * - `finishReason.raw`: Chat Completions copies the wire `finish_reason` into it;
 * - usage: Chat Completions' usage chunk (`include_usage`), Responses' `response.completed` /
 *   `response.incomplete` (whose complete `finish` has `raw: undefined`).
 * A finish after an `error` part (`unified: 'error'`) is not terminal: the stream errored; nor is
 * V4's `interrupted`, the provider's own word that no completion signal came.
 */
function readFinish(part: StreamPart, tracker: StreamTracker): void {
  const facts = tracker.facts;
  const usage = part.usage;
  const input = usage != null ? tokenCount(usage.inputTokens) : undefined;
  const output = usage != null ? tokenCount(usage.outputTokens) : undefined;
  if (input !== undefined) facts.inputTokens = input;
  if (output !== undefined) facts.outputTokens = output;
  const reason = part.finishReason;
  const { unified, raw } =
    typeof reason === 'object' && reason !== null ? (reason as FinishReason) : { unified: reason, raw: undefined };
  if (unified === 'error' || unified === 'interrupted' || tracker.errorSeen) return;
  if (typeof raw !== 'string' && input === undefined && output === undefined) return;
  const name = typeof raw === 'string' ? raw : typeof unified === 'string' ? unified : undefined;
  if (name !== undefined) facts.finishReasons ??= [name];
  tracker.markTerminal();
}

/**
 * `error.type` of an `error` part or a rejected `doStream`: the provider's code or type. A Chat
 * Completions error part carries the wire body's `error` object; other errors are the SDK's
 * `APICallError` with the wire frame in `data` (Responses `response.failed`: `data.response.error`).
 */
export function providerErrorType(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { data?: unknown; statusCode?: unknown };
  const data = (typeof e.data === 'object' && e.data !== null ? e.data : e) as { response?: unknown; error?: unknown };
  const response = data.response as { error?: unknown } | null | undefined;
  const nested = response?.error ?? data.error;
  const type = errorTypeOf(typeof nested === 'object' && nested !== null ? nested : data);
  if (type !== '_OTHER' && type !== 'error' && type !== 'response.failed') return type;
  return typeof e.statusCode === 'number' ? String(e.statusCode) : undefined;
}

/**
 * One part of the provider's `doStream` stream. Chunks: the parts that carry generated content
 * (deltas, tool calls, sources, files); `stream-start`, `response-metadata` and the `*-start` /
 * `*-end` brackets are bookkeeping the provider emits without a wire event of their own.
 */
export function readStreamPart(part: unknown, tracker: StreamTracker): void {
  if (typeof part !== 'object' || part === null) return;
  const p = part as StreamPart;
  switch (p.type) {
    case 'text-delta':
      tracker.onChunk();
      if (typeof p.delta === 'string' && p.delta.length > 0) tracker.addOutputText(p.delta);
      return;
    case 'reasoning-delta':
    case 'tool-input-delta':
    case 'tool-call':
    case 'tool-result':
    case 'source':
    case 'file':
      tracker.onChunk();
      return;
    case 'response-metadata':
      if (typeof p.id === 'string') tracker.facts.responseId ??= p.id;
      if (typeof p.modelId === 'string') tracker.facts.responseModel = p.modelId;
      return;
    case 'finish':
      readFinish(p, tracker);
      return;
    case 'error':
      tracker.markError(providerErrorType(p.error));
      return;
    default:
      return;
  }
}
