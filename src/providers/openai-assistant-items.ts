import type { StreamTracker } from '../core/stream-tracker';
import { asCount, errorTypeOf } from '../protocols/json-probe';

/** A run as `thread.run.*` events carry it (only what we read). */
interface Run {
  id?: unknown;
  model?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  incomplete_details?: { reason?: unknown } | null;
  last_error?: unknown;
}

/** `thread.message.delta` data (only what we read). */
interface MessageDelta {
  delta?: { content?: unknown } | null;
}

interface TextPart {
  type?: unknown;
  text?: { value?: unknown } | null;
}

/** What the SDK yields for an Assistants stream: `{ event, data }` (`event: done` / `[DONE]` is swallowed). */
interface AssistantEvent {
  event?: unknown;
  data?: unknown;
}

function readRun(run: Run, tracker: StreamTracker): void {
  const facts = tracker.facts;
  if (facts.responseId === undefined && typeof run.id === 'string') facts.responseId = run.id;
  if (typeof run.model === 'string') facts.responseModel = run.model;
  const usage = run.usage;
  if (usage != null) {
    const input = asCount(usage.prompt_tokens);
    const output = asCount(usage.completion_tokens);
    if (input !== undefined) facts.inputTokens = input;
    if (output !== undefined) facts.outputTokens = output;
  }
}

function finish(run: Run, reason: string, tracker: StreamTracker): void {
  readRun(run, tracker);
  (tracker.facts.finishReasons ??= []).push(reason);
  tracker.markTerminal();
}

function readMessageDelta(data: MessageDelta, tracker: StreamTracker): void {
  const parts = data.delta?.content;
  if (!Array.isArray(parts)) return;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as TextPart | null | undefined;
    if (typeof part !== 'object' || part === null || part.type !== 'text') continue;
    const value = part.text?.value;
    if (typeof value === 'string' && value.length > 0) tracker.addOutputText(value);
  }
}

/**
 * One Assistants API run stream event (`beta.threads.runs.create/stream`, `threads.createAndRun`,
 * `submitToolOutputs` with `stream: true`). The run ends the stream in a final `thread.run.*`
 * state, followed by `event: done` / `data: [DONE]`, which the SDK swallows; so the terminal is the
 * final state: `completed` (finish reason `stop`), `requires_action` (the run waits for tool
 * outputs: `tool_calls`), `incomplete` (its `incomplete_details.reason`), `cancelled` and `expired`
 * (the run's status). `failed` is an error with `last_error.code`. An `event: error` throws in the
 * SDK and is read from the error. Usage comes from the final run; text from `thread.message.delta`.
 */
export function readOpenAIAssistantItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const { event, data } = item as AssistantEvent;
  if (typeof event !== 'string' || typeof data !== 'object' || data === null) return;
  const run: Run = data;
  switch (event) {
    case 'thread.message.delta':
      readMessageDelta(data, tracker);
      return;
    case 'thread.run.created':
    case 'thread.run.queued':
    case 'thread.run.in_progress':
      readRun(run, tracker);
      return;
    case 'thread.run.completed':
      finish(run, 'stop', tracker);
      return;
    case 'thread.run.requires_action':
      finish(run, 'tool_calls', tracker);
      return;
    case 'thread.run.incomplete': {
      const reason = run.incomplete_details?.reason;
      finish(run, typeof reason === 'string' ? reason : 'incomplete', tracker);
      return;
    }
    case 'thread.run.cancelled':
      finish(run, 'cancelled', tracker);
      return;
    case 'thread.run.expired':
      finish(run, 'expired', tracker);
      return;
    case 'thread.run.failed':
      readRun(run, tracker);
      tracker.markError(errorTypeOf(run.last_error));
      return;
    default:
      return;
  }
}
