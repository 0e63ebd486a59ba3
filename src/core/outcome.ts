/** Every stream ends with exactly one outcome (DESIGN.md, "Outcomes"). */
export type Outcome =
  | 'completed'
  | 'truncated'
  | 'errored'
  | 'aborted'
  | 'cancelled'
  | 'timed_out'
  | 'abandoned'
  | 'interrupted'
  | 'client_disconnected';

export const OUTCOMES: readonly Outcome[] = [
  'completed',
  'truncated',
  'errored',
  'aborted',
  'cancelled',
  'timed_out',
  'abandoned',
  'interrupted',
  'client_disconnected',
];

/** How the stream's observation ended, as seen by an adapter; {@link decideOutcome} turns it into an Outcome. */
export type Ending =
  | 'eof' // the transport or iterator ended normally
  | 'error' // the transport or iterator failed
  | 'abort' // the caller aborted (AbortController, controller.abort())
  | 'cancel' // the consumer stopped early (break, return(), reader.cancel())
  | 'timeout' // midstream's idle timeout fired
  | 'abandon' // the stream object was garbage-collected while live
  | 'shutdown' // the process is shutting down
  | 'client_disconnect'; // server side: the client went away

export interface OutcomeInputs {
  readonly terminalSeen: boolean;
  readonly requiresTerminal: boolean;
  readonly errorSeen: boolean;
}

/**
 * The outcome decision. A terminal marker that was already seen wins over a later abort, cancel,
 * connection reset or abandonment: the consumer had the whole answer.
 */
export function decideOutcome(ending: Ending, s: OutcomeInputs, error?: unknown): Outcome {
  switch (ending) {
    case 'eof':
      if (s.errorSeen) return 'errored';
      return s.requiresTerminal && !s.terminalSeen ? 'truncated' : 'completed';
    case 'error':
      if (s.errorSeen) return 'errored';
      if (isAbortError(error)) return s.terminalSeen ? 'completed' : 'aborted';
      if (isConnectionError(error)) return s.terminalSeen ? 'completed' : 'truncated';
      return 'errored';
    case 'abort':
      return s.terminalSeen ? 'completed' : s.errorSeen ? 'errored' : 'aborted';
    case 'cancel':
      return s.terminalSeen ? 'completed' : s.errorSeen ? 'errored' : 'cancelled';
    case 'timeout':
      return 'timed_out';
    case 'abandon':
      return s.terminalSeen ? 'completed' : 'abandoned';
    case 'shutdown':
      return 'interrupted';
    case 'client_disconnect':
      return 'client_disconnected';
  }
}

/** Outcomes the caller meant (status UNSET, no error.type; HTTP semconv v1.41, PR #3494). */
export function isDeliberate(outcome: Outcome): boolean {
  return outcome === 'completed' || outcome === 'aborted' || outcome === 'cancelled' || outcome === 'client_disconnected';
}

const OUTCOME_ERROR_TYPES: Partial<Record<Outcome, string>> = {
  truncated: 'stream_truncated',
  errored: 'stream_error',
  timed_out: 'stream_timed_out',
  abandoned: 'stream_abandoned',
  interrupted: 'stream_interrupted',
};

/** The low-cardinality `error.type` for a failed outcome; undefined for deliberate ones. */
export function errorTypeFor(outcome: Outcome, reportedType: string | undefined, error: unknown): string | undefined {
  if (isDeliberate(outcome)) return undefined;
  if (outcome === 'errored') return reportedType ?? errorTypeOf(error) ?? OUTCOME_ERROR_TYPES.errored;
  return OUTCOME_ERROR_TYPES[outcome];
}

const MAX_ERROR_TYPE_LENGTH = 64;

/** error.type from a code or class name, never a message (STYLE.md, ERRORS). */
export function errorTypeOf(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; name?: unknown; constructor?: { name?: unknown } };
  if (typeof e.code === 'string' && e.code.length > 0 && e.code.length <= MAX_ERROR_TYPE_LENGTH) return e.code;
  if (typeof e.name === 'string' && e.name.length > 0 && e.name !== 'Error' && e.name.length <= MAX_ERROR_TYPE_LENGTH) {
    return e.name;
  }
  const ctor = e.constructor?.name;
  if (typeof ctor === 'string' && ctor.length > 0 && ctor.length <= MAX_ERROR_TYPE_LENGTH) return ctor;
  return undefined;
}

/**
 * `error.type` of a call that failed before its stream began: the HTTP status code as a string
 * (`'429'`, `'500'`; GenAI and HTTP conventions), else the exception's code or class name.
 */
export function callErrorTypeOf(error: unknown): string {
  const e = error as { status?: unknown; statusCode?: unknown; status_code?: unknown } | null;
  // openai/anthropic/@google/genai `status`, cohere `statusCode`, ollama `status_code`.
  const status = e?.status ?? e?.statusCode ?? e?.status_code;
  if (typeof status === 'number' && status >= 100 && status <= 599) return String(status);
  // undici's `TypeError: fetch failed` carries the socket error (ECONNREFUSED, ENOTFOUND) as its cause.
  const cause = (error as { name?: unknown; cause?: { code?: unknown } } | null)?.cause;
  if ((error as { name?: unknown } | null)?.name === 'TypeError' && typeof cause?.code === 'string') return cause.code;
  return errorTypeOf(error) ?? '_OTHER';
}

const ABORT_NAMES = new Set(['AbortError', 'APIUserAbortError']);

/** A cancellation the caller asked for (AbortController, SDK user abort). */
export function isAbortError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { name?: unknown; code?: unknown };
  return (typeof e.name === 'string' && ABORT_NAMES.has(e.name)) || e.code === 'ABORT_ERR';
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * The transport died under the stream: socket reset, premature close. undici surfaces this as
 * `TypeError: terminated` with the socket error as `cause`; SDKs wrap it (openai APIConnectionError).
 */
export function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const x = e as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && CONNECTION_CODES.has(x.code)) return true;
    if (x.name === 'TypeError' && x.message === 'terminated') return true;
    if (x.name === 'APIConnectionError') return true;
    e = x.cause;
  }
  return false;
}
