import type { StreamTracker } from '../core/stream-tracker';
import { asCount } from '../protocols/json-probe';

/** An `AIMessageChunk` as `_streamIterator` yields it (only what we read). */
interface MessageChunk {
  id?: unknown;
  content?: unknown;
  response_metadata?: Record<string, unknown> | null;
  usage_metadata?: { input_tokens?: unknown; output_tokens?: unknown } | null;
}

/** Keys under which LangChain providers put the model's finish reason in `response_metadata`. */
const FINISH_KEYS = ['finish_reason', 'stop_reason', 'done_reason', 'finishReason'] as const;

function addContent(content: unknown, tracker: StreamTracker): void {
  if (typeof content === 'string') {
    if (content.length > 0) tracker.addOutputText(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (let i = 0; i < content.length; i++) {
    const part = content[i] as { type?: unknown; text?: unknown } | null | undefined;
    if (part?.type === 'text' && typeof part.text === 'string' && part.text.length > 0) tracker.addOutputText(part.text);
  }
}

/**
 * ChatOpenAI on the Responses API has no finish_reason: its `response.completed` /
 * `response.incomplete` chunk carries the response object's fields (`object: 'response'`, `status`,
 * `incomplete_details`) in `response_metadata`. Reasons as the openai adapter names them.
 */
function readResponsesFinish(metadata: Record<string, unknown>, tracker: StreamTracker): void {
  const status = metadata.status;
  if (status !== 'completed' && status !== 'incomplete') return;
  const details = metadata.incomplete_details as { reason?: unknown } | null | undefined;
  const reason = status === 'completed' ? 'stop' : typeof details?.reason === 'string' ? details.reason : 'incomplete';
  tracker.facts.finishReasons ??= [reason];
  tracker.markTerminal();
}

/**
 * One message chunk of a LangChain chat model stream. Terminal: the underlying model's finish
 * (`response_metadata.finish_reason`, or `stop_reason`/`done_reason`/`finishReason` as other
 * providers name it). Usage: `usage_metadata`, summed over chunks as LangChain's own `concat` does
 * (Anthropic reports input tokens first, output tokens last).
 */
export function readLangChainItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const chunk = item as MessageChunk;
  const facts = tracker.facts;
  addContent(chunk.content, tracker);
  const metadata = chunk.response_metadata;
  if (typeof metadata === 'object' && metadata !== null) {
    for (const key of FINISH_KEYS) {
      const reason = metadata[key];
      if (typeof reason === 'string' && reason.length > 0) {
        (facts.finishReasons ??= []).push(reason);
        tracker.markTerminal();
        break;
      }
    }
    if (metadata.object === 'response') readResponsesFinish(metadata, tracker);
    const model = metadata.model_name ?? metadata.model;
    if (facts.responseModel === undefined && typeof model === 'string' && model.length > 0) facts.responseModel = model;
  }
  if (facts.responseId === undefined && typeof chunk.id === 'string' && !chunk.id.startsWith('run-')) facts.responseId = chunk.id;
  const usage = chunk.usage_metadata;
  if (usage !== null && usage !== undefined) {
    const input = asCount(usage.input_tokens);
    const output = asCount(usage.output_tokens);
    if (input !== undefined && input > 0) facts.inputTokens = (facts.inputTokens ?? 0) + input;
    if (output !== undefined && output > 0) facts.outputTokens = (facts.outputTokens ?? 0) + output;
  }
}
