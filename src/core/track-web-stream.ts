import type { StreamTracker } from './stream-tracker';

/** Observes one body chunk (bytes). Must not throw; it runs on the hot path. */
export type ByteChunkReader = (chunk: Uint8Array) => void;

export interface TrackWebStreamOptions {
  /** True when the caller aborted the request (fetch `init.signal`). */
  readonly isAborted?: () => boolean;
  /** Called at a clean end before the tracker decides (protocol readers flush a final event here). */
  readonly onEof?: () => void;
}

/**
 * Returns a ReadableStream that yields exactly the chunks of `body`, observing each. Pull-based with
 * highWaterMark 0: it reads from the source only when the consumer reads, so backpressure reaches the
 * socket unchanged; `cancel()` from the consumer cancels the source with the same reason (every Node
 * line, unlike TransformStream's cancel hook, which Node 18 never calls); source errors reach the
 * consumer as the same object.
 */
export function trackReadableStream(
  body: ReadableStream<Uint8Array>,
  tracker: StreamTracker,
  readChunk: ByteChunkReader,
  options: TrackWebStreamOptions = {},
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const isAborted = options.isAborted;
  const aborted = (): boolean => {
    try {
      return isAborted !== undefined && isAborted();
    } catch {
      return false;
    }
  };
  // The read handlers are made once per stream, not once per read (hot path).
  let controller: ReadableStreamDefaultController<Uint8Array>;
  const onRead = (result: ReadableStreamReadResult<Uint8Array>): void => {
    if (result.done) {
      if (options.onEof !== undefined) {
        try {
          options.onEof();
        } catch {
          // a reader failure must not change the app's stream
        }
      }
      tracker.end(aborted() ? 'abort' : 'eof');
      controller.close();
      return;
    }
    const chunk = result.value;
    if (tracker.isLive) readChunk(chunk);
    controller.enqueue(chunk);
  };
  const onError = (error: unknown): void => {
    tracker.end(aborted() ? 'abort' : 'error', error);
    controller.error(error);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        return reader.read().then(onRead, onError);
      },
      cancel(reason) {
        tracker.end(aborted() ? 'abort' : 'cancel');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

type ReadResult = ReadableStreamReadResult<Uint8Array>;
type Method = (this: unknown, ...args: unknown[]) => unknown;

function defineOwn(target: object, key: string | symbol, value: unknown): void {
  Object.defineProperty(target, key, { value, configurable: true, writable: true, enumerable: false });
}

/** Where a counted body (and each reader it hands out) finds its per-stream byte counter. */
const COUNT = Symbol('midstream.countBytes');
type AddBytes = (result: ReadResult) => ReadResult;

function addOf(value: unknown): AddBytes | undefined {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, COUNT)
    ? (value as Record<symbol, AddBytes>)[COUNT]
    : undefined;
}

/** The native stream iterator with each `next()` counted; `return()` is the native one's. */
class CountedIterator implements AsyncIterableIterator<Uint8Array> {
  constructor(
    private readonly iterator: AsyncIterator<Uint8Array>,
    private readonly add: AddBytes,
  ) {}

  next(): Promise<ReadResult> {
    return (this.iterator.next() as Promise<ReadResult>).then(this.add);
  }

  return(value?: unknown): Promise<IteratorResult<Uint8Array>> {
    const iterator = this.iterator;
    return typeof iterator.return === 'function'
      ? iterator.return(value)
      : Promise.resolve({ done: true as const, value: value as undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

interface CountingMethods {
  readonly iterate: Record<string | symbol, Method>;
  readonly getReader: Method | undefined;
}

/** The counting `[Symbol.asyncIterator]` / `values` / `getReader` of one ReadableStream class, made once. */
const countingByClass = new WeakMap<object, CountingMethods>();

function countingMethodsOf(body: object): CountingMethods {
  const proto = Object.getPrototypeOf(body) as object;
  let made = countingByClass.get(proto);
  if (made !== undefined) return made;
  const record = proto as Record<string | symbol, Method | undefined>;
  const iterate: Record<string | symbol, Method> = {};
  for (const key of [Symbol.asyncIterator, 'values'] as const) {
    const native = record[key];
    if (typeof native !== 'function') continue;
    iterate[key] = function (this: unknown, ...args: unknown[]): unknown {
      const iterator = native.apply(this, args) as AsyncIterator<Uint8Array>;
      const add = addOf(this);
      return add !== undefined ? new CountedIterator(iterator, add) : iterator;
    };
  }
  const nativeGetReader = record.getReader;
  let getReader: Method | undefined;
  if (typeof nativeGetReader === 'function') {
    let nativeRead: Method | undefined;
    const read = function (this: unknown, ...args: unknown[]): unknown {
      const result = (nativeRead as Method).apply(this, args) as Promise<ReadResult>;
      const add = addOf(this);
      return add !== undefined ? result.then(add) : result;
    };
    getReader = function (this: unknown, ...args: unknown[]): unknown {
      const reader = nativeGetReader.apply(this, args) as { read?: Method } | null;
      const add = addOf(this);
      const byob = (args[0] as { mode?: unknown } | undefined)?.mode === 'byob';
      const nativeOfReader = reader?.read;
      if (add !== undefined && !byob && reader !== null && typeof nativeOfReader === 'function') {
        nativeRead ??= nativeOfReader;
        if (nativeOfReader === nativeRead) {
          defineOwn(reader, COUNT, add);
          defineOwn(reader, 'read', read);
        }
      }
      return reader;
    };
  }
  made = { iterate, getReader };
  countingByClass.set(proto, made);
  return made;
}

/**
 * Counts the bytes of `body` as its consumer reads them, without a stream of our own in between:
 * for a transport stream whose outcome another layer owns (an SDK stream claimed it), nothing but
 * the byte count is needed, and a passthrough ReadableStream costs about 1 µs per chunk (measured,
 * node 20: 1.9 vs 0.9 µs per 100-byte chunk read with for await). The body stays the native object:
 * its own `[Symbol.asyncIterator]`, `values` and `getReader` wrap the native ones, so each read adds
 * `byteLength` in one step. Reads through other paths (`pipeTo`, `tee`) are not counted. The
 * wrappers are made once per ReadableStream class; a counted body holds one counter function (heap
 * per live stream: the per-body closures and bound methods were ~0.4 KiB).
 */
export function countWebStreamBytes(body: ReadableStream<Uint8Array>, tracker: StreamTracker): ReadableStream<Uint8Array> {
  const add: AddBytes = (result) => {
    if (result.done !== true && result.value !== undefined) tracker.addBytes(result.value.byteLength);
    return result;
  };
  const methods = countingMethodsOf(body);
  defineOwn(body, COUNT, add);
  for (const key of Reflect.ownKeys(methods.iterate)) defineOwn(body, key, methods.iterate[key]);
  if (methods.getReader !== undefined) defineOwn(body, 'getReader', methods.getReader);
  return body;
}
