import { asObject, asString, errorTypeOf } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TextSink } from './types';

/**
 * OpenAI Assistants API run streams (`beta.threads.runs.create/stream`, `threads.createAndRun`,
 * `submitToolOutputs` with `stream: true`). Item view only: no wire rule is registered for the
 * `/threads/.../runs` paths, so at the transport these streams are counted without a terminal rule.
 * The run ends the stream in a final `thread.run.*` state, followed by `event: done` /
 * `data: [DONE]`, which the SDK swallows; so the terminal is the final state: `completed` (finish
 * reason `stop`), `requires_action` (the run waits for tool outputs: `tool_calls`), `incomplete`
 * (its `incomplete_details.reason`), `cancelled` and `expired` (the run's status). `failed` is an
 * error with `last_error.code`. An `event: error` throws in the SDK and is read from the error.
 * Usage comes from the final run; text from `thread.message.delta`.
 */

/** Id, model and usage of a run. */
function readRun(run: Record<string, unknown>, facts: StreamFacts): void {
  facts.responseId ??= asString(run.id);
  const model = asString(run.model);
  if (model !== undefined) facts.responseModel = model;
  const usage = asObject(run.usage);
  if (usage !== undefined) readTokens(facts, usage.prompt_tokens, usage.completion_tokens);
}

function finish(run: Record<string, unknown>, reason: string, facts: StreamFacts): EventSignal {
  readRun(run, facts);
  (facts.finishReasons ??= []).push(reason);
  return SIGNAL_TERMINAL;
}

interface TextPart {
  type?: unknown;
  text?: { value?: unknown } | null;
}

function readMessageDelta(data: Record<string, unknown>, out: TextSink): void {
  const parts = asObject(data.delta)?.content;
  if (!Array.isArray(parts)) return;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as TextPart | null | undefined;
    if (typeof part !== 'object' || part === null || part.type !== 'text') continue;
    const value = part.text?.value;
    if (typeof value === 'string' && value.length > 0) out.addOutputText(value);
  }
}

/** Item view: one `{ event, data }` the SDK yields for an Assistants run stream. */
export function readOpenAIAssistantItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const wrapper = asObject(item);
  const event = wrapper?.event;
  const run = asObject(wrapper?.data);
  if (typeof event !== 'string' || run === undefined) return SIGNAL_NONE;
  switch (event) {
    case 'thread.message.delta':
      readMessageDelta(run, out);
      return SIGNAL_NONE;
    case 'thread.run.created':
    case 'thread.run.queued':
    case 'thread.run.in_progress':
      readRun(run, facts);
      return SIGNAL_NONE;
    case 'thread.run.completed':
      return finish(run, 'stop', facts);
    case 'thread.run.requires_action':
      return finish(run, 'tool_calls', facts);
    case 'thread.run.incomplete':
      return finish(run, asString(asObject(run.incomplete_details)?.reason) ?? 'incomplete', facts);
    case 'thread.run.cancelled':
      return finish(run, 'cancelled', facts);
    case 'thread.run.expired':
      return finish(run, 'expired', facts);
    case 'thread.run.failed':
      readRun(run, facts);
      facts.errorType ??= errorTypeOf(run.last_error);
      return SIGNAL_ERROR;
    default:
      return SIGNAL_NONE;
  }
}
