import { registerTransportStream } from '../../../core/layering';
import type { StreamTracker } from '../../../core/stream-tracker';
import { countWebStreamBytes, trackReadableStream } from '../../../core/track-web-stream';
import type { WireReader } from '../../../core/wire-reader';
import { processState } from '../../../core/process-state';

type BodyMethod = 'text' | 'json' | 'arrayBuffer' | 'blob' | 'bytes' | 'formData';
const BODY_METHODS: readonly BodyMethod[] = ['text', 'json', 'arrayBuffer', 'blob', 'bytes', 'formData'];

type AnyMethod = (this: Response, ...args: unknown[]) => unknown;
type BodyGetter = (this: Response) => ReadableStream<Uint8Array> | null;

/** The native `Response.prototype.body` getter (undici's, the one global fetch returns). */
function nativeBodyGetter(res: Response): BodyGetter | undefined {
  for (
    let proto = Object.getPrototypeOf(res) as object | null;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    const d = Object.getOwnPropertyDescriptor(proto, 'body');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- always invoked with .call(response)
    if (d !== undefined) return d.get as BodyGetter | undefined;
  }
  return undefined;
}

/**
 * The tap, built in its own scope: V8 closures share their scope's context, so closures made next
 * to the Response would let the tapped stream keep the Response alive (natively it does not).
 */
function streamTap(
  tracker: StreamTracker,
  wire: WireReader,
  signal: AbortSignal | undefined,
): (native: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> {
  const options = { isAborted: (): boolean => signal?.aborted === true, onEof: (): void => wire.end() };
  const push = (chunk: Uint8Array): void => wire.push(chunk);
  return (native) => trackReadableStream(native, tracker, push, options);
}

function defineHidden(res: Response, key: string, value: unknown): void {
  Object.defineProperty(res, key, { value, configurable: true, writable: true, enumerable: false });
}

/**
 * Taps the body of the app's own Response object, lazily (research/patchpoints.md §2.4):
 * - `body` becomes an own getter that, on first access, returns a passthrough of the native body
 *   that feeds `wire` (created once, cached); until then the native body is untouched, so a
 *   `clone()` before that is the native clone;
 * - `text()`, `json()`, `arrayBuffer()`, `blob()`, `bytes()`, `formData()` read through the tapped
 *   body with the native algorithm (a temporary Response over the tapped stream), so their results
 *   and errors are the native ones; when the body is already used or locked, the native method runs
 *   and throws its own error;
 * - `clone()` after the body was tapped tees the tapped stream (the native clone would find the
 *   native body locked by the tap).
 * Identity, `url`, `type`, `redirected`, `headers`, `status`, `bodyUsed` stay the native ones.
 * The Response is watched for abandonment until the body is tapped, then the tapped stream is (the
 * app may keep the stream and drop the Response). Nothing here lets the tracker reach the Response.
 * Returns false when the Response has no native body getter to tap.
 */
export function tapResponse(res: Response, tracker: StreamTracker, wire: WireReader, signal: AbortSignal | undefined): boolean {
  const getBody = nativeBodyGetter(res);
  if (getBody === undefined) return false;
  const { live } = processState();
  const tap = streamTap(tracker, wire, signal);
  let tapped: ReadableStream<Uint8Array> | null | undefined;

  const body = function (this: Response): ReadableStream<Uint8Array> | null {
    if (tapped !== undefined) return tapped;
    const native = getBody.call(this);
    if (native === null || !tracker.isLive || native.locked) {
      // Nothing left to observe: hand out the native body as is.
      return native;
    }
    if (tracker.isClaimed) {
      // An SDK stream owns this stream's outcome (layering.ts): count bytes on the native body only.
      tapped = countWebStreamBytes(native, tracker);
      return tapped;
    }
    tapped = tap(native);
    // An SDK that keeps only the body (cohere's Stream) claims the stream by the body it was given.
    registerTransportStream(tapped, tracker);
    live.forgetAbandonment(tracker);
    if (tracker.isLive) live.watchForAbandonment(tapped, tracker);
    return tapped;
  };
  Object.defineProperty(res, 'body', { get: body, configurable: true, enumerable: false });

  const contentType = res.headers.get('content-type');
  const init: ResponseInit | undefined = contentType !== null ? { headers: { 'content-type': contentType } } : undefined;
  for (const name of BODY_METHODS) {
    const native = (res as unknown as Record<string, AnyMethod | undefined>)[name];
    if (typeof native !== 'function') continue;
    const method = {
      [name](this: Response, ...args: unknown[]): unknown {
        // Not our Response (method borrowed), or the body can no longer be read: the native method
        // decides, with its own result or error.
        if (this !== res || res.bodyUsed) return native.apply(this, args);
        const stream = body.call(res);
        if (stream === null || stream.locked || stream !== tapped) return native.apply(this, args);
        const reader = new Response(stream, init) as unknown as Record<string, AnyMethod>;
        return (reader[name] as AnyMethod).apply(reader as unknown as Response, args);
      },
    }[name];
    defineHidden(res, name, method);
  }

  const nativeClone = (res as unknown as { clone: (this: Response) => Response }).clone;
  const clone = function clone(this: Response): Response {
    if (this !== res || tapped === undefined || tapped === null || tapped.locked || res.bodyUsed) {
      return nativeClone.call(this);
    }
    const [mine, theirs] = tapped.tee();
    tapped = mine;
    live.forgetAbandonment(tracker);
    if (tracker.isLive) live.watchForAbandonment(mine, tracker);
    const copy = new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
    for (const key of ['url', 'type', 'redirected'] as const) {
      Object.defineProperty(copy, key, { value: res[key], configurable: true, enumerable: false });
    }
    return copy;
  };
  defineHidden(res, 'clone', clone);

  live.watchForAbandonment(res, tracker);
  return true;
}
