import { asObject, asString, errorTypeOf, parseObject, sniffType } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TerminalRule, TextSink } from './types';

/**
 * OpenAI Responses API streams (`POST /v1/responses` with `stream: true`). Every event is named
 * (`event: response.output_text.delta`, ...) and repeats its name in `data.type`; the SDK yields
 * the parsed data, so both views switch on the same type. Terminal: `response.completed`,
 * `response.incomplete` (finish reason from `incomplete_details.reason`). Error: `response.failed`
 * (`response.error.code`) and `error` events (`code`); the SDK yields both rather than throwing.
 * Facts from the `response` object of `response.created` and of the terminal event (usage only there).
 */

/** Id, model and usage of the event's `response` object, which it returns. Both views. */
function readResponse(body: Record<string, unknown> | undefined, facts: StreamFacts): Record<string, unknown> | undefined {
  const response = asObject(body?.response);
  if (response === undefined) return undefined;
  facts.responseId ??= asString(response.id);
  const model = asString(response.model);
  if (model !== undefined) facts.responseModel = model;
  const usage = asObject(response.usage);
  if (usage !== undefined) readTokens(facts, usage.input_tokens, usage.output_tokens);
  return response;
}

/** The meaning of one event, by its type, with its body parsed only when `body()` is called. Both views. */
function classifyEvent(type: string, body: Record<string, unknown> | undefined, facts: StreamFacts): EventSignal {
  switch (type) {
    case 'response.created':
    case 'response.in_progress':
      if (facts.responseId === undefined) readResponse(body, facts);
      return SIGNAL_NONE;
    case 'response.completed':
      readResponse(body, facts);
      facts.finishReasons ??= ['stop'];
      return SIGNAL_TERMINAL;
    case 'response.incomplete': {
      const response = readResponse(body, facts);
      const reason = asString(asObject(response?.incomplete_details)?.reason);
      facts.finishReasons ??= [reason ?? 'incomplete'];
      return SIGNAL_TERMINAL;
    }
    case 'response.failed': {
      const response = readResponse(body, facts);
      facts.errorType ??= errorTypeOf(response?.error);
      return SIGNAL_ERROR;
    }
    case 'error':
      facts.errorType ??= asString(body?.code) ?? errorTypeOf(body?.error);
      return SIGNAL_ERROR;
    default:
      return SIGNAL_NONE;
  }
}

/** Types whose data is read; every other event (the deltas) is never parsed on the wire. */
const READ_TYPES = new Set([
  'response.created',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
  'error',
]);

/** Wire view. */
export const openAIResponsesRule: TerminalRule = {
  name: 'openai.responses',
  protocol: 'sse',
  requiresTerminal: true,
  classify(event: string, data: string, facts: StreamFacts): EventSignal {
    const type = event !== '' ? event : sniffType(data);
    if (!READ_TYPES.has(type)) return SIGNAL_NONE;
    if ((type === 'response.created' || type === 'response.in_progress') && facts.responseId !== undefined) return SIGNAL_NONE;
    return classifyEvent(type, parseObject(data), facts);
  },
};

/** Item view: one event as the SDK yields it. Text: `response.output_text.delta`. */
export function readOpenAIResponsesItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const event = asObject(item);
  if (event === undefined) return SIGNAL_NONE;
  const type = event.type;
  if (type === 'response.output_text.delta') {
    if (typeof event.delta === 'string') out.addOutputText(event.delta);
    return SIGNAL_NONE;
  }
  return typeof type === 'string' ? classifyEvent(type, event, facts) : SIGNAL_NONE;
}
