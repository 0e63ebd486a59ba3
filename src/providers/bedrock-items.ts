import type { StreamTracker } from '../core/stream-tracker';
import { readAnthropicItem } from './anthropic-items';
import { asCount } from '../protocols/json-probe';

/** What `smithy`'s event-stream decoder throws when the body ends inside a message. */
const PARTIAL_FRAME_MESSAGE = 'Truncated event message received.';

interface ConverseUsage {
  inputTokens?: unknown;
  outputTokens?: unknown;
  cacheReadInputTokens?: unknown;
  cacheWriteInputTokens?: unknown;
}

/** One `ConverseStreamOutput` union member as the SDK yields it (only what we read). */
interface ConverseEvent {
  contentBlockDelta?: { delta?: { text?: unknown } | null } | null;
  messageStop?: { stopReason?: unknown } | null;
  metadata?: { usage?: ConverseUsage | null } | null;
}

/** Model-native JSON inside an InvokeModelWithResponseStream chunk (only the Bedrock-added part). */
interface InvokeJson {
  'amazon-bedrock-invocationMetrics'?: { inputTokenCount?: unknown; outputTokenCount?: unknown } | null;
  stop_reason?: unknown;
  completionReason?: unknown;
}

/**
 * One ConverseStream event. Terminal: `messageStop {stopReason}`; the `metadata {usage}` event that
 * follows is still read when the consumer reads it (the tracker is live until the iterator ends).
 * GenAI semconv counts cached input tokens as input; Bedrock reports them apart, so they are added.
 */
export function readConverseItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const event = item as ConverseEvent;
  const delta = event.contentBlockDelta;
  if (delta != null) {
    const text = delta.delta?.text;
    if (typeof text === 'string') tracker.addOutputText(text);
    return;
  }
  const stop = event.messageStop;
  if (stop != null) {
    if (typeof stop.stopReason === 'string') tracker.facts.finishReasons = [stop.stopReason];
    tracker.markTerminal();
    return;
  }
  const usage = event.metadata?.usage;
  if (usage != null) {
    const input = asCount(usage.inputTokens);
    if (input !== undefined) {
      tracker.facts.inputTokens =
        input + (asCount(usage.cacheReadInputTokens) ?? 0) + (asCount(usage.cacheWriteInputTokens) ?? 0);
    }
    const output = asCount(usage.outputTokens);
    if (output !== undefined) tracker.facts.outputTokens = output;
  }
}

const decoder = new TextDecoder();

function parseChunk(bytes: unknown): unknown {
  if (!(bytes instanceof Uint8Array)) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One InvokeModelWithResponseStream item: `{chunk: {bytes}}` holding the model's own JSON. Anthropic
 * models stream Messages events (`message_stop` is terminal). Bedrock adds
 * `amazon-bedrock-invocationMetrics` to the last chunk of every model family, so that chunk is
 * terminal too and its token counts win.
 */
export function readInvokeItem(item: unknown, tracker: StreamTracker): void {
  const json = parseChunk((item as { chunk?: { bytes?: unknown } | null } | null)?.chunk?.bytes);
  readAnthropicItem(json, tracker);
  if (typeof json !== 'object' || json === null) return;
  const body = json as InvokeJson;
  const reason = body.stop_reason ?? body.completionReason;
  if (typeof reason === 'string' && tracker.facts.finishReasons === undefined) tracker.facts.finishReasons = [reason];
  const metrics = body['amazon-bedrock-invocationMetrics'];
  if (metrics == null) return;
  tracker.markTerminal();
  const input = asCount(metrics.inputTokenCount);
  if (input !== undefined) tracker.facts.inputTokens = input;
  const output = asCount(metrics.outputTokenCount);
  if (output !== undefined) tracker.facts.outputTokens = output;
}

/**
 * Called when the SDK's event stream throws. A modelled exception sent in the stream
 * (`:message-type: exception`, e.g. `ModelStreamErrorException`, `ThrottlingException`) is an
 * `errored` stream typed by its name. A body that ended inside a message is a truncation (the
 * transport died; a clean end at a message boundary is silent and handled as eof).
 */
export function readBedrockError(error: unknown, tracker: StreamTracker): void {
  if (typeof error !== 'object' || error === null) return;
  const e = error as { $fault?: unknown; name?: unknown; message?: unknown };
  if ((e.$fault === 'client' || e.$fault === 'server') && typeof e.name === 'string') {
    tracker.markError(e.name);
    return;
  }
  if (e.message === PARTIAL_FRAME_MESSAGE) {
    tracker.endCleanClose('partial_frame', error);
  }
}
