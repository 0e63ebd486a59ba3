import { registerTransportStream } from '../../../core/layering';
import type { StreamProtocol, StreamTracker } from '../../../core/stream-tracker';
import { countWebStreamBytes, trackReadableStream } from '../../../core/track-web-stream';
import { createWireReader } from '../../../core/wire-reader';
import type { TerminalRule } from '../../../providers/types';
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

function defineHidden(res: Response, key: string | symbol, value: unknown): void {
  Object.defineProperty(res, key, { value, configurable: true, writable: true, enumerable: false });
}

const TAP = Symbol('midstream.fetch.tap');

/** What one tapped Response needs; the methods are shared per Response class, so this is all it costs. */
interface Tap {
  readonly tracker: StreamTracker;
  readonly protocol: StreamProtocol;
  readonly rule: TerminalRule | undefined;
  readonly signal: AbortSignal | undefined;
  readonly contentType: string | null;
  /** The body handed out: undefined until first access. */
  tapped: ReadableStream<Uint8Array> | null | undefined;
}

function tapOf(value: unknown): Tap | undefined {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, TAP)
    ? (value as Record<symbol, Tap>)[TAP]
    : undefined;
}

/**
 * The passthrough that feeds the protocol reader, built only when an unclaimed body is first read (an
 * SDK stream claims most before that: its transport then costs no reader at all), in its own scope:
 * V8 closures share their scope's context, so closures made next to the Response would let the
 * tapped stream keep the Response alive (natively it does not).
 */
function tapStream(native: ReadableStream<Uint8Array>, tap: Tap): ReadableStream<Uint8Array> {
  const wire = createWireReader(tap.tracker, tap.protocol, tap.rule);
  const signal = tap.signal;
  const options = { isAborted: (): boolean => signal?.aborted === true, onEof: (): void => wire.end() };
  return trackReadableStream(native, tap.tracker, (chunk) => wire.push(chunk), options);
}

interface TapMethods {
  readonly body: (this: Response) => ReadableStream<Uint8Array> | null;
  readonly methods: readonly (readonly [BodyMethod, AnyMethod])[];
  readonly clone: (this: Response) => Response;
}

/** The tapping methods of one Response class (its native getter and methods), made once per class. */
const methodsByClass = new WeakMap<object, TapMethods>();

function tapMethodsOf(res: Response): TapMethods | undefined {
  const proto = Object.getPrototypeOf(res) as object | null;
  if (proto === null) return undefined;
  let made = methodsByClass.get(proto);
  if (made === undefined) {
    const getBody = nativeBodyGetter(res);
    if (getBody === undefined) return undefined;
    made = makeTapMethods(getBody, proto);
    methodsByClass.set(proto, made);
  }
  return made;
}

function makeTapMethods(getBody: BodyGetter, proto: object): TapMethods {
  const body = function (this: Response): ReadableStream<Uint8Array> | null {
    const tap = tapOf(this);
    if (tap === undefined) return getBody.call(this);
    if (tap.tapped !== undefined) return tap.tapped;
    const native = getBody.call(this);
    const tracker = tap.tracker;
    if (native === null || !tracker.isLive || native.locked) {
      // Nothing left to observe: hand out the native body as is.
      return native;
    }
    if (tracker.isClaimed) {
      // An SDK stream owns this stream's outcome (layering.ts): count bytes on the native body only.
      tap.tapped = countWebStreamBytes(native, tracker);
      return tap.tapped;
    }
    const tapped = tapStream(native, tap);
    tap.tapped = tapped;
    // An SDK that keeps only the body (cohere's Stream) claims the stream by the body it was given.
    registerTransportStream(tapped, tracker);
    const { live } = processState();
    live.forgetAbandonment(tracker);
    if (tracker.isLive) live.watchForAbandonment(tapped, tracker);
    return tapped;
  };

  const methods: (readonly [BodyMethod, AnyMethod])[] = [];
  for (const name of BODY_METHODS) {
    const native = (proto as Record<string, AnyMethod | undefined>)[name];
    if (typeof native !== 'function') continue;
    const method = {
      [name](this: Response, ...args: unknown[]): unknown {
        // Not a tapped Response (method borrowed), or the body can no longer be read: the native
        // method decides, with its own result or error.
        const tap = tapOf(this);
        if (tap === undefined || this.bodyUsed) return native.apply(this, args);
        const stream = body.call(this);
        if (stream === null || stream.locked || stream !== tap.tapped) return native.apply(this, args);
        const init = tap.contentType !== null ? { headers: { 'content-type': tap.contentType } } : undefined;
        const reader = new Response(stream, init) as unknown as Record<string, AnyMethod>;
        return (reader[name] as AnyMethod).apply(reader as unknown as Response, args);
      },
    }[name] as AnyMethod;
    methods.push([name, method]);
  }

  const nativeClone = (proto as { clone?: (this: Response) => Response }).clone;
  const clone = function clone(this: Response): Response {
    const tap = tapOf(this);
    const tapped = tap?.tapped;
    if (tap === undefined || tapped === undefined || tapped === null || tapped.locked || this.bodyUsed) {
      return (nativeClone as (this: Response) => Response).call(this);
    }
    const [mine, theirs] = tapped.tee();
    tap.tapped = mine;
    const { live } = processState();
    live.forgetAbandonment(tap.tracker);
    if (tap.tracker.isLive) live.watchForAbandonment(mine, tap.tracker);
    const copy = new Response(theirs, { status: this.status, statusText: this.statusText, headers: this.headers });
    for (const key of ['url', 'type', 'redirected'] as const) {
      Object.defineProperty(copy, key, { value: this[key], configurable: true, enumerable: false });
    }
    return copy;
  };
  return { body, methods, clone };
}

/**
 * Taps the body of the app's own Response object, lazily (research/patchpoints.md §2.4):
 * - `body` becomes an own getter that, on first access, returns a passthrough of the native body
 *   that feeds a `protocol` reader (created then, cached); until then the native body is untouched,
 *   so a `clone()` before that is the native clone; a body an SDK stream claimed before its first
 *   access only has its bytes counted (no passthrough, no reader);
 * - `text()`, `json()`, `arrayBuffer()`, `blob()`, `bytes()`, `formData()` read through the tapped
 *   body with the native algorithm (a temporary Response over the tapped stream), so their results
 *   and errors are the native ones; when the body is already used or locked, the native method runs
 *   and throws its own error;
 * - `clone()` after the body was tapped tees the tapped stream (the native clone would find the
 *   native body locked by the tap).
 * Identity, `url`, `type`, `redirected`, `headers`, `status`, `bodyUsed` stay the native ones. The
 * getter and methods are made once per Response class, not per response: a response holds one
 * small {@link Tap} record (measured: the per-response closures were ~1 KiB per live stream).
 * The Response is watched for abandonment until the body is tapped, then the tapped stream is (the
 * app may keep the stream and drop the Response). Nothing here lets the tracker reach the Response.
 * Returns false when the Response has no native body getter to tap.
 */
export function tapResponse(
  res: Response,
  tracker: StreamTracker,
  protocol: StreamProtocol,
  rule: TerminalRule | undefined,
  signal: AbortSignal | undefined,
): boolean {
  const made = tapMethodsOf(res);
  if (made === undefined) return false;
  const tap: Tap = { tracker, protocol, rule, signal, contentType: res.headers.get('content-type'), tapped: undefined };
  defineHidden(res, TAP, tap);
  Object.defineProperty(res, 'body', { get: made.body, configurable: true, enumerable: false });
  for (const [name, method] of made.methods) defineHidden(res, name, method);
  defineHidden(res, 'clone', made.clone);
  processState().live.watchForAbandonment(res, tracker);
  return true;
}
