import { asCount, asObject, asString, errorTypeOf, parseObject, sniffType } from '../json-probe';
import {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from '../terminal-rule';

/**
 * OpenAI Responses API streams (`POST /v1/responses` with `stream: true`). Every event is named
 * (`event: response.output_text.delta`, ...) and repeats its name in `data.type`. Terminal:
 * `response.completed`, `response.incomplete` (finish reason from `incomplete_details.reason`).
 * Error: `response.failed` (`response.error.code`) and `error` events (`code`). Facts from the
 * `response` object of `response.created` and of the terminal event (usage only there).
 */
export const openAIResponsesRule: TerminalRule = {
  name: 'openai.responses',
  protocol: 'sse',
  requiresTerminal: true,
  classify(event: string, data: string, facts: StreamFacts): EventSignal {
    const type = event !== '' ? event : sniffType(data);
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        if (facts.responseId === undefined) readResponse(parseObject(data), facts);
        return SIGNAL_NONE;
      case 'response.completed': {
        readResponse(parseObject(data), facts);
        facts.finishReasons ??= ['stop'];
        return SIGNAL_TERMINAL;
      }
      case 'response.incomplete': {
        const response = readResponse(parseObject(data), facts);
        const reason = asString(asObject(response?.incomplete_details)?.reason);
        facts.finishReasons ??= [reason ?? 'incomplete'];
        return SIGNAL_TERMINAL;
      }
      case 'response.failed': {
        const response = readResponse(parseObject(data), facts);
        facts.errorType = errorTypeOf(response?.error);
        return SIGNAL_ERROR;
      }
      case 'error': {
        const body = parseObject(data);
        const code = asString(body?.code);
        facts.errorType = code ?? errorTypeOf(body?.error);
        return SIGNAL_ERROR;
      }
      default:
        return SIGNAL_NONE;
    }
  },
};

function readResponse(body: Record<string, unknown> | undefined, facts: StreamFacts): Record<string, unknown> | undefined {
  const response = asObject(body?.response);
  if (response === undefined) return undefined;
  facts.responseId ??= asString(response.id);
  const model = asString(response.model);
  if (model !== undefined) facts.responseModel = model;
  const usage = asObject(response.usage);
  if (usage !== undefined) {
    const input = asCount(usage.input_tokens);
    const output = asCount(usage.output_tokens);
    if (input !== undefined) facts.inputTokens = input;
    if (output !== undefined) facts.outputTokens = output;
  }
  return response;
}
