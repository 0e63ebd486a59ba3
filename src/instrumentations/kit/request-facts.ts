/**
 * What the fetch wrapper keeps from a call until its headers arrive. Built on the app's call path,
 * so it only copies references: no URL parsing, no body parsing.
 */
export interface RequestFacts {
  readonly input: unknown;
  readonly method: string;
  readonly signal: AbortSignal | undefined;
  /** The request body when it is a string (only read for a known LLM host, for `gen_ai.request.model`). */
  readonly body: string | undefined;
  /** Monotonic seconds when fetch() was called. */
  readonly startTime: number;
}

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE']);

/** HTTP semconv: the method in upper case when it is a known one, else `_OTHER` (bounded cardinality). */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

interface RequestLike {
  readonly url?: unknown;
  readonly method?: unknown;
  readonly signal?: unknown;
}

interface InitLike {
  readonly method?: unknown;
  readonly signal?: unknown;
  readonly body?: unknown;
}

/** Reads method, signal and a string body from fetch's arguments, as fetch itself would resolve them. */
export function requestFacts(input: unknown, init: unknown, startTime: number): RequestFacts {
  const i = init as InitLike | null | undefined;
  const r = typeof input === 'object' && input !== null && !(input instanceof URL) ? (input as RequestLike) : undefined;
  const method = typeof i?.method === 'string' ? i.method : typeof r?.method === 'string' ? r.method : 'GET';
  const signal = (i?.signal ?? r?.signal ?? undefined) as AbortSignal | undefined;
  const body = typeof i?.body === 'string' ? i.body : undefined;
  return { input, method, signal: signal instanceof AbortSignal ? signal : undefined, body, startTime };
}

/** The URL fetch requested; used only when the Response has no `url` (a synthetic Response). */
export function requestUrl(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  const url = (input as RequestLike | undefined)?.url;
  return typeof url === 'string' ? url : undefined;
}

/** `url.full` without secrets: no userinfo, no query string, no fragment. */
export function sanitizedUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

const MAX_MODEL_BODY = 64 * 1024;
const MAX_MODEL_LENGTH = 256;

/**
 * `gen_ai.request.model` from a JSON request body: only a string body under 64 KB, and only the
 * top-level `model` field is kept; nothing else of the body is recorded.
 */
export function requestModel(body: string | undefined): string | undefined {
  if (body === undefined || body.length > MAX_MODEL_BODY || !body.includes('"model"')) return undefined;
  try {
    const parsed = JSON.parse(body) as { model?: unknown } | null;
    const model = parsed?.model;
    return typeof model === 'string' && model.length > 0 && model.length <= MAX_MODEL_LENGTH ? model : undefined;
  } catch {
    return undefined;
  }
}

const GEMINI_MODEL_PATH = /\/models\/([^/:]{1,256}):stream/;

/** Gemini and Vertex carry the model in the path (`/models/{model}:streamGenerateContent`). */
export function pathModel(path: string): string | undefined {
  return GEMINI_MODEL_PATH.exec(path)?.[1];
}

/** `gen_ai.operation.name` of a streaming LLM endpoint, from the rule that reads it and the path. */
export function operationFor(ruleName: string, path: string): string {
  if (ruleName === 'gemini') return 'generate_content';
  if (path.endsWith('/completions') && !path.endsWith('/chat/completions')) return 'text_completion';
  if (path.endsWith('/api/generate')) return 'text_completion';
  return 'chat';
}
