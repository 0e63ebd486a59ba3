import type { StreamTracker } from '../../core/stream-tracker';
import { asCount } from '../../protocols/json-probe';

/** A `GenerateContentResponse` as the SDK yields it (only what we read). */
interface GenerateContentChunk {
  candidates?: readonly Candidate[] | null;
  usageMetadata?: { promptTokenCount?: unknown; candidatesTokenCount?: unknown } | null;
  responseId?: unknown;
  modelVersion?: unknown;
  promptFeedback?: { blockReason?: unknown } | null;
}

interface Candidate {
  finishReason?: unknown;
  content?: { role?: unknown; parts?: readonly Part[] | null } | null;
}

interface Part {
  text?: unknown;
  thought?: unknown;
}

// `CONTINUATION` ends a hop that automatic continuation resumes (the SDK clears it on the chunks
// it yields when it will continue), so a visible one means the answer is unfinished.
const NOT_FINISHED = new Set(['CONTINUATION', 'FINISH_REASON_UNSPECIFIED']);

/**
 * One item of `generateContentStream()` (every hop and AFC turn of the logical call). Terminal:
 * `candidates[0].finishReason` other than `CONTINUATION`, or a blocked prompt
 * (`promptFeedback.blockReason`). `usageMetadata` is the running total (the SDK sums it across
 * continuation hops). Between automatic-function-calling turns the SDK yields a synthetic chunk
 * holding the function responses (`role: 'user'`): not a received chunk, and the turn before it
 * ended with a finishReason although another model turn follows, so the terminal is re-armed.
 */
export function readGenAIChunk(item: unknown, tracker: StreamTracker): void {
  if (typeof item !== 'object' || item === null) return;
  const chunk = item as GenerateContentChunk;
  const candidates = chunk.candidates;
  const first = Array.isArray(candidates) ? (candidates[0] as Candidate | undefined) : undefined;
  const content = first?.content;
  if (content != null && content.role === 'user' && first?.finishReason === undefined) {
    tracker.rearmTerminal();
    return;
  }
  // With automatic function calling the first chunk, not the promise, follows the headers.
  tracker.markHeaders();
  tracker.onChunk();
  const facts = tracker.facts;
  if (typeof chunk.responseId === 'string') facts.responseId = chunk.responseId;
  if (typeof chunk.modelVersion === 'string') facts.responseModel = chunk.modelVersion;
  const usage = chunk.usageMetadata;
  if (usage != null) {
    const input = asCount(usage.promptTokenCount);
    if (input !== undefined) facts.inputTokens = input;
    const output = asCount(usage.candidatesTokenCount);
    if (output !== undefined) facts.outputTokens = output;
  }
  const parts = content?.parts;
  if (Array.isArray(parts)) {
    for (const part of parts as readonly Part[]) {
      if (part != null && typeof part.text === 'string' && part.thought !== true) tracker.addOutputText(part.text);
    }
  }
  const reason = first?.finishReason;
  if (typeof reason === 'string' && reason.length > 0) {
    facts.finishReasons = finishReasonsOf(candidates as readonly Candidate[]);
    if (!NOT_FINISHED.has(reason)) tracker.markTerminal();
    return;
  }
  const blocked = chunk.promptFeedback?.blockReason;
  if (typeof blocked === 'string' && blocked.length > 0) {
    facts.finishReasons = [blocked];
    tracker.markTerminal();
  }
}

/** Once per stream, on the finishing chunk: one reason per candidate that has one. */
function finishReasonsOf(candidates: readonly Candidate[]): string[] {
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const reason = candidate?.finishReason;
    if (typeof reason === 'string' && reason.length > 0) reasons.push(reason);
  }
  return reasons;
}

const STATUS_PREFIX = 'got status: ';
const STATUS_CODE = /^[A-Z][A-Z_]{0,63}$/;

/**
 * Called when the stream throws. An error payload inside the stream (`data: {"error": {...}}`)
 * becomes the SDK's `ApiError` whose message starts `got status: <STATUS>. <body>`; that status
 * (`INTERNAL`, `RESOURCE_EXHAUSTED`) is the error.type. A clean close in the middle of an event
 * makes the SDK throw `Incomplete JSON segment at the end`: a truncation, not a provider error.
 */
export function readGenAIError(error: unknown, tracker: StreamTracker): void {
  if (typeof error !== 'object' || error === null) return;
  const e = error as { name?: unknown; message?: unknown };
  if (typeof e.message !== 'string') return;
  if (e.name === 'ApiError') {
    let type: string | undefined;
    if (e.message.startsWith(STATUS_PREFIX)) {
      const end = e.message.indexOf('.', STATUS_PREFIX.length);
      const status = end > 0 ? e.message.slice(STATUS_PREFIX.length, end) : '';
      if (STATUS_CODE.test(status)) type = status;
    }
    tracker.markError(type);
    return;
  }
  if (e.message === 'Incomplete JSON segment at the end') {
    tracker.endCleanClose('incomplete_event');
  }
}
