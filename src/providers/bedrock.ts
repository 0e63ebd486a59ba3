import { asObject } from '../protocols/json-probe';
import { readAnthropicItem } from './anthropic';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { CleanClose, ErrorSignal, EventSignal, StreamFacts, TextSink } from './types';

/**
 * Amazon Bedrock runtime streams. Item and error views only: the wire is AWS's binary event-stream
 * framing, which the SDK decodes (over HTTP/2 by default); at the transport midstream counts bytes.
 */

/** What `smithy`'s event-stream decoder throws when the body ends inside a message. */
const PARTIAL_FRAME_MESSAGE = 'Truncated event message received.';
const PARTIAL_FRAME: CleanClose = { reason: 'partial_frame', keepsError: true };

/** GenAI semconv counts cached input tokens as input; Bedrock reports them apart, so they are added. */
function readConverseUsage(usage: Record<string, unknown>, facts: StreamFacts): void {
  readTokens(facts, usage.inputTokens, usage.outputTokens, usage.cacheReadInputTokens, usage.cacheWriteInputTokens);
}

/**
 * One `ConverseStreamOutput` union member. Terminal: `messageStop {stopReason}`; the
 * `metadata {usage}` event that follows is still read when the consumer reads it (the tracker is
 * live until the iterator ends). Text: `contentBlockDelta.delta.text`.
 */
export function readConverseItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const event = asObject(item);
  if (event === undefined) return SIGNAL_NONE;
  const delta = asObject(event.contentBlockDelta);
  if (delta !== undefined) {
    const value = asObject(delta.delta)?.text;
    if (typeof value === 'string') out.addOutputText(value);
    return SIGNAL_NONE;
  }
  const stop = asObject(event.messageStop);
  if (stop !== undefined) {
    if (typeof stop.stopReason === 'string') facts.finishReasons = [stop.stopReason];
    return SIGNAL_TERMINAL;
  }
  const usage = asObject(asObject(event.metadata)?.usage);
  if (usage !== undefined) readConverseUsage(usage, facts);
  return SIGNAL_NONE;
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
 * models stream Messages events (read by the Anthropic item view; `message_stop` is terminal).
 * Bedrock adds `amazon-bedrock-invocationMetrics` to the last chunk of every model family, so that
 * chunk is terminal too and its token counts win.
 */
export function readInvokeItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const json = asObject(parseChunk(asObject(asObject(item)?.chunk)?.bytes));
  const signal = readAnthropicItem(json, facts, out);
  if (json === undefined) return signal;
  const reason = json.stop_reason ?? json.completionReason;
  if (typeof reason === 'string' && facts.finishReasons === undefined) facts.finishReasons = [reason];
  const metrics = asObject(json['amazon-bedrock-invocationMetrics']);
  if (metrics === undefined) return signal;
  readTokens(facts, metrics.inputTokenCount, metrics.outputTokenCount);
  return signal === SIGNAL_ERROR ? signal : SIGNAL_TERMINAL;
}

/**
 * Error view: the SDK's event stream threw. A modelled exception sent in the stream
 * (`:message-type: exception`, e.g. `ModelStreamErrorException`, `ThrottlingException`) is an
 * `errored` stream typed by its name. A body that ended inside a message is a truncation (the
 * transport died; a clean end at a message boundary is silent and handled as eof).
 */
export function readBedrockError(error: unknown, facts: StreamFacts): ErrorSignal {
  const e = asObject(error);
  if (e === undefined) return SIGNAL_NONE;
  if ((e.$fault === 'client' || e.$fault === 'server') && typeof e.name === 'string') {
    facts.errorType ??= e.name;
    return SIGNAL_ERROR;
  }
  return e.message === PARTIAL_FRAME_MESSAGE ? PARTIAL_FRAME : SIGNAL_NONE;
}
