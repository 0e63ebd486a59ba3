import { asCount, asObject } from '../protocols/json-probe';
import { SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TextSink } from './types';

/**
 * LangChain chat model streams (`_streamIterator` of `@langchain/core` chat models): the provider
 * adapters of LangChain normalize every provider's protocol into `AIMessageChunk`s, so this is one
 * more protocol to read, item view only (the wire underneath is read by the provider's own rule).
 */

/** Keys under which LangChain providers put the model's finish reason in `response_metadata`. */
const FINISH_KEYS = ['finish_reason', 'stop_reason', 'done_reason', 'finishReason'] as const;

function addContent(content: unknown, out: TextSink): void {
  if (typeof content === 'string') {
    if (content.length > 0) out.addOutputText(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (let i = 0; i < content.length; i++) {
    const part = content[i] as { type?: unknown; text?: unknown } | null | undefined;
    if (part?.type === 'text' && typeof part.text === 'string' && part.text.length > 0) out.addOutputText(part.text);
  }
}

/**
 * ChatOpenAI on the Responses API has no finish_reason: its `response.completed` /
 * `response.incomplete` chunk carries the response object's fields (`object: 'response'`, `status`,
 * `incomplete_details`) in `response_metadata`. Reasons as the openai item view names them.
 */
function readResponsesFinish(metadata: Record<string, unknown>, facts: StreamFacts): boolean {
  const status = metadata.status;
  if (status !== 'completed' && status !== 'incomplete') return false;
  const details = metadata.incomplete_details as { reason?: unknown } | null | undefined;
  const reason = status === 'completed' ? 'stop' : typeof details?.reason === 'string' ? details.reason : 'incomplete';
  facts.finishReasons ??= [reason];
  return true;
}

/**
 * Item view: one message chunk of a LangChain chat model stream. Terminal: the underlying model's
 * finish (`response_metadata.finish_reason`, or `stop_reason`/`done_reason`/`finishReason` as other
 * providers name it). Usage: `usage_metadata`, summed over chunks as LangChain's own `concat` does
 * (Anthropic reports input tokens first, output tokens last).
 */
export function readLangChainItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const chunk = asObject(item);
  if (chunk === undefined) return SIGNAL_NONE;
  addContent(chunk.content, out);
  let signal: EventSignal = SIGNAL_NONE;
  const metadata = asObject(chunk.response_metadata);
  if (metadata !== undefined) {
    for (const key of FINISH_KEYS) {
      const reason = metadata[key];
      if (typeof reason === 'string' && reason.length > 0) {
        (facts.finishReasons ??= []).push(reason);
        signal = SIGNAL_TERMINAL;
        break;
      }
    }
    if (metadata.object === 'response' && readResponsesFinish(metadata, facts)) signal = SIGNAL_TERMINAL;
    const model = metadata.model_name ?? metadata.model;
    if (facts.responseModel === undefined && typeof model === 'string' && model.length > 0) facts.responseModel = model;
  }
  if (facts.responseId === undefined && typeof chunk.id === 'string' && !chunk.id.startsWith('run-')) facts.responseId = chunk.id;
  const usage = asObject(chunk.usage_metadata);
  if (usage !== undefined) {
    const input = asCount(usage.input_tokens);
    const output = asCount(usage.output_tokens);
    if (input !== undefined && input > 0) facts.inputTokens = (facts.inputTokens ?? 0) + input;
    if (output !== undefined && output > 0) facts.outputTokens = (facts.outputTokens ?? 0) + output;
  }
  return signal;
}
