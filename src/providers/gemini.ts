import { JsonKey, asObject, asString, errorTypeOf, parseObject } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { CleanClose, ErrorSignal, EventSignal, StreamFacts, TerminalRule, TextSink } from './types';

/**
 * Gemini `:streamGenerateContent?alt=sse` (Google AI and Vertex AI) and `@google/genai`'s
 * `generateContentStream()`, whose items are the same `GenerateContentResponse` JSON, parsed. No
 * terminal event on the wire: the server just ends. Terminal: a candidate with a `finishReason`
 * other than `FINISH_REASON_UNSPECIFIED` (and, for the SDK, `CONTINUATION`), or a
 * `promptFeedback.blockReason` (prompt blocked, no candidates). Error: an `error` object (`status`,
 * e.g. `INTERNAL`), which the SDK throws as an `ApiError`.
 */

const CANDIDATES = new JsonKey('candidates');
const FINISH_REASON = new JsonKey('finishReason');
const BLOCK_REASON = new JsonKey('blockReason');
const ERROR = new JsonKey('error');
const RESPONSE_ID = new JsonKey('responseId');
const MODEL_VERSION = new JsonKey('modelVersion');
const USAGE_METADATA = new JsonKey('usageMetadata');

const UNSPECIFIED = 'FINISH_REASON_UNSPECIFIED';
// `CONTINUATION` ends a hop that the SDK's automatic continuation resumes (it clears it on the
// chunks it yields when it will continue), so a visible one means the answer is unfinished.
const CONTINUATION = 'CONTINUATION';

/** `usageMetadata`: prompt and candidates tokens (the SDK's is the running total over hops). Both views. */
function readUsage(chunk: Record<string, unknown>, facts: StreamFacts): void {
  const usage = asObject(chunk.usageMetadata);
  if (usage === undefined) return;
  readTokens(facts, usage.promptTokenCount, usage.candidatesTokenCount);
}

/** The blocked prompt's reason, if the chunk says the prompt was blocked. Both views. */
function blockReasonOf(chunk: Record<string, unknown>): string | undefined {
  return asString(asObject(chunk.promptFeedback)?.blockReason);
}

/**
 * Wire view. `usageMetadata` may ride on every chunk; it is read from the first and the finishing
 * chunks only, plus any chunk after the finish. Finish reasons accumulate over the stream.
 */
export const geminiRule: TerminalRule = {
  name: 'gemini',
  protocol: 'sse',
  requiresTerminal: true,
  classify(_event: string, data: string, facts: StreamFacts): EventSignal {
    // Content chunks start with `candidates`; only chunks without it (a blocked prompt, an error)
    // need the other probes.
    const hasCandidates = CANDIDATES.isIn(data);
    const finishing = hasCandidates && FINISH_REASON.hasNonNullValue(data);
    const blocked = !hasCandidates && BLOCK_REASON.isIn(data);
    const error = !hasCandidates && ERROR.isIn(data);
    const identity =
      (facts.responseId === undefined && RESPONSE_ID.isIn(data)) ||
      (facts.responseModel === undefined && MODEL_VERSION.isIn(data));
    const lateUsage = facts.finishReasons !== undefined && USAGE_METADATA.isIn(data);
    if (!finishing && !blocked && !error && !identity && !lateUsage) return SIGNAL_NONE;
    const chunk = parseObject(data);
    if (chunk === undefined) return SIGNAL_NONE;
    if (error && chunk.error !== undefined && chunk.error !== null) {
      facts.errorType ??= errorTypeOf(chunk.error);
      return SIGNAL_ERROR;
    }
    facts.responseId ??= asString(chunk.responseId);
    facts.responseModel ??= asString(chunk.modelVersion);
    readUsage(chunk, facts);
    let terminal = false;
    if (finishing && Array.isArray(chunk.candidates)) {
      for (const candidate of chunk.candidates) {
        const reason = asString(asObject(candidate)?.finishReason);
        if (reason === undefined || reason === UNSPECIFIED) continue;
        (facts.finishReasons ??= []).push(reason);
        terminal = true;
      }
    }
    if (blocked) {
      const reason = blockReasonOf(chunk);
      if (reason !== undefined) {
        (facts.finishReasons ??= []).push(reason);
        terminal = true;
      }
    }
    return terminal ? SIGNAL_TERMINAL : SIGNAL_NONE;
  },
};

interface Candidate {
  finishReason?: unknown;
  content?: { role?: unknown; parts?: unknown } | null;
}

interface Part {
  text?: unknown;
  thought?: unknown;
}

/** Once per stream, on the finishing chunk: one reason per candidate that has one. */
function finishReasonsOf(candidates: readonly unknown[]): string[] {
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const reason = asString(asObject(candidate)?.finishReason);
    if (reason !== undefined) reasons.push(reason);
  }
  return reasons;
}

/**
 * Between automatic-function-calling turns `generateContentStream()` yields a synthetic chunk
 * holding the function responses (`role: 'user'`, no finishReason): not a received chunk, and the
 * turn before it ended with a finishReason although another model turn follows, so the terminal
 * must be seen again (the adapter passes this as `rearmsTerminal`).
 */
export function isFunctionResponseTurn(item: unknown): boolean {
  const candidates = asObject(item)?.candidates;
  const first = Array.isArray(candidates) ? (asObject(candidates[0]) as Candidate | undefined) : undefined;
  const content = first?.content;
  return content != null && content.role === 'user' && first?.finishReason === undefined;
}

/**
 * Item view: one item of `generateContentStream()` (every hop and AFC turn of the logical call).
 * Id and model are the latest hop's. Text: the candidate's parts, thoughts excluded.
 */
export function readGeminiItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const chunk = asObject(item);
  if (chunk === undefined) return SIGNAL_NONE;
  const candidates = chunk.candidates;
  const first = Array.isArray(candidates) ? (asObject(candidates[0]) as Candidate | undefined) : undefined;
  const content = first?.content;
  const id = asString(chunk.responseId);
  if (id !== undefined) facts.responseId = id;
  const model = asString(chunk.modelVersion);
  if (model !== undefined) facts.responseModel = model;
  readUsage(chunk, facts);
  const parts = content?.parts;
  if (Array.isArray(parts)) {
    for (const part of parts as readonly (Part | null | undefined)[]) {
      if (part != null && typeof part.text === 'string' && part.thought !== true) out.addOutputText(part.text);
    }
  }
  const reason = asString(first?.finishReason);
  if (reason !== undefined) {
    facts.finishReasons = finishReasonsOf(candidates as readonly unknown[]);
    return reason === CONTINUATION || reason === UNSPECIFIED ? SIGNAL_NONE : SIGNAL_TERMINAL;
  }
  const blocked = blockReasonOf(chunk);
  if (blocked === undefined) return SIGNAL_NONE;
  facts.finishReasons = [blocked];
  return SIGNAL_TERMINAL;
}

const STATUS_PREFIX = 'got status: ';
const STATUS_CODE = /^[A-Z][A-Z_]{0,63}$/;
const INCOMPLETE_EVENT: CleanClose = { reason: 'incomplete_event', keepsError: false };

/**
 * Error view: `generateContentStream()` threw. An error payload inside the stream
 * (`data: {"error": {...}}`) becomes the SDK's `ApiError` whose message starts
 * `got status: <STATUS>. <body>`; that status (`INTERNAL`, `RESOURCE_EXHAUSTED`) is the error.type,
 * as the wire view reads it from `error.status`. A clean close in the middle of an event makes the
 * SDK throw `Incomplete JSON segment at the end`: a truncation, not a provider error.
 */
export function readGeminiError(error: unknown, facts: StreamFacts): ErrorSignal {
  const e = asObject(error);
  if (e === undefined || typeof e.message !== 'string') return SIGNAL_NONE;
  if (e.name === 'ApiError') {
    if (e.message.startsWith(STATUS_PREFIX)) {
      const end = e.message.indexOf('.', STATUS_PREFIX.length);
      const status = end > 0 ? e.message.slice(STATUS_PREFIX.length, end) : '';
      if (STATUS_CODE.test(status)) facts.errorType ??= status;
    }
    return SIGNAL_ERROR;
  }
  return e.message === 'Incomplete JSON segment at the end' ? INCOMPLETE_EVENT : SIGNAL_NONE;
}
