import { context, type Context } from '@opentelemetry/api';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded, reportOnce } from '../../core/guard';
import { claimTransportStream, endTransportWith, markSdkStream, type TransportStream } from '../../core/layering';
import { trackIterableObject } from '../../core/track-iterable-object';
import { MidstreamInstrumentation } from '../kit/midstream-instrumentation';
import { readOllamaError, readOllamaItem } from './ollama-items';

type AnyFunction = (...args: unknown[]) => unknown;

const SOURCE = 'ollama';
const PROVIDER = 'ollama';

/** `processStreamableRequest(endpoint)` → `gen_ai.operation.name`; pull/push/create are not tracked. */
const OPERATIONS: Readonly<Record<string, string>> = { chat: 'chat', generate: 'text_completion' };

/** The browser `Ollama` class (the node one in `dist/index.*` extends it); only what we touch. */
interface OllamaClass {
  prototype: { processStreamableRequest: AnyFunction };
}

/** The client's `AbortableAsyncIterator` (not exported by the package). */
interface AbortableIterator {
  abortController?: { signal?: AbortSignal };
  [Symbol.asyncIterator]: () => AsyncIterator<unknown>;
}

interface CallInfo {
  readonly operation: string;
  readonly model: string | undefined;
  readonly host: string | undefined;
  readonly startTime: number;
  readonly parentContext: Context;
  /** The fetch layer's tracker of this call's response, once claimed. */
  transport?: TransportStream;
}

/**
 * Streams of the `ollama` client: `chat({stream: true})` and `generate({stream: true})`, on the
 * default `ollama` instance and on `new Ollama({host})`. Patched: `processStreamableRequest` on the
 * browser `Ollama` prototype (`ollama/dist/browser.{cjs,mjs}`; method lookup is dynamic, so the
 * default instance created at load is covered). On the `AbortableAsyncIterator` it resolves to,
 * the instance gets its own `[Symbol.asyncIterator]`; the object, its `abort()` and the items are
 * the client's own (research/patchpoints.md §1.7).
 *
 * @example
 * ```ts
 * import { OllamaInstrumentation } from 'midstream-otel';
 * registerInstrumentations({ instrumentations: [new OllamaInstrumentation()] });
 * ```
 */
export class OllamaInstrumentation extends MidstreamInstrumentation {
  constructor(config: InstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    // Tested: 0.5.14, 0.5.18, 0.6.0, 0.6.4. Up to 0.5.10 the client lives in a hashed
    // dist/shared/ollama.<hash>.cjs file, which a file hook cannot name; not patched.
    const versions = ['>=0.5.14 <0.7'];
    const files = ['dist/browser.cjs', 'dist/browser.mjs'].map(
      (f) =>
        new InstrumentationNodeModuleFile(
          `ollama/${f}`,
          versions,
          (exports: unknown) => this.patch(exports),
          (exports: unknown) => this.unpatch(exports),
        ),
    );
    return [new InstrumentationNodeModuleDefinition('ollama', versions, undefined, undefined, files)];
  }

  private classOf(exports: unknown): OllamaClass | undefined {
    const cls = (exports as { Ollama?: OllamaClass } | undefined)?.Ollama;
    return typeof cls?.prototype?.processStreamableRequest === 'function' ? cls : undefined;
  }

  private patch(exports: unknown): unknown {
    const cls = this.classOf(exports);
    if (cls === undefined) {
      reportOnce('ollama.patch', new Error('Ollama.prototype.processStreamableRequest not found'));
      return exports;
    }
    if (isWrapped(cls.prototype.processStreamableRequest)) this._unwrap(cls.prototype, 'processStreamableRequest');
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;
    this._wrap(
      cls.prototype,
      'processStreamableRequest',
      (original: AnyFunction) =>
        // Runs when the app calls chat()/generate(); the client calls fetch synchronously from here.
        function processStreamableRequest(this: unknown, ...args: unknown[]): unknown {
          const call = guarded('ollama.call', () => callInfo(this, args[0], args[1]));
          if (call === undefined) return original.apply(this, args);
          return instrumentation.tracedCall(this, original, args, call);
        },
    );
    return exports;
  }

  private unpatch(exports: unknown): void {
    const cls = this.classOf(exports);
    if (cls !== undefined && isWrapped(cls.prototype.processStreamableRequest)) {
      this._unwrap(cls.prototype, 'processStreamableRequest');
    }
  }

  private tracedCall(client: unknown, original: AnyFunction, args: unknown[], call: CallInfo): unknown {
    const marked = guarded('ollama.call', () => markSdkStream(call.parentContext)) ?? call.parentContext;
    const restoreFetch = guarded('ollama.fetch', () => claimResponsesOf(client, call));
    let result: unknown;
    try {
      result = context.with(marked, () => original.apply(client, args));
    } finally {
      if (restoreFetch !== undefined) guarded('ollama.fetch', restoreFetch);
    }
    // A side branch on the client's own promise, registered before anyone else can see the iterator.
    if (result instanceof Promise) {
      result.then(
        (iterator: unknown) => guarded('ollama.observe', () => this.observe(iterator, call)),
        () => undefined,
      );
    }
    return result;
  }

  /** 2nd step: headers arrived and the client built its iterator; nothing read yet. */
  private observe(value: unknown, call: CallInfo): void {
    if (typeof value !== 'object' || value === null) return;
    const iterator = value as AbortableIterator;
    if (typeof iterator[Symbol.asyncIterator] !== 'function') return;
    const signal = iterator.abortController?.signal;
    const tracker = this.startGenAiStream({
      provider: PROVIDER,
      operation: call.operation,
      model: call.model,
      server: call.host,
      source: SOURCE,
      parentContext: call.parentContext,
      startTime: call.startTime,
    });
    if (tracker === undefined) return;
    tracker.markHeaders();
    // ollama stops reading the body after `done` (and on break): the fetch span ends with this outcome.
    endTransportWith(tracker, call.transport);
    trackIterableObject(iterator, tracker, readOllamaItem, { signal, onError: readOllamaError });
  }
}

function callInfo(client: unknown, endpoint: unknown, request: unknown): CallInfo | undefined {
  if (typeof endpoint !== 'string') return undefined;
  const operation = OPERATIONS[endpoint];
  if (operation === undefined) return undefined;
  const r = request as { stream?: unknown; model?: unknown } | null | undefined;
  if (r?.stream !== true) return undefined;
  const host = (client as { config?: { host?: unknown } } | null)?.config?.host;
  return {
    operation,
    model: typeof r.model === 'string' ? r.model : undefined,
    host: typeof host === 'string' ? host : undefined,
    startTime: now(),
    parentContext: context.active(),
  };
}

/**
 * Counted once without a context manager: the client passes `this.fetch` to its request helper
 * synchronously inside processStreamableRequest, so for the length of that call the instance's
 * fetch is a pass-through that claims the Response from the fetch layer (layering.ts). Returns the
 * restore step, or undefined when `fetch` is not a plain own property.
 */
function claimResponsesOf(client: unknown, call: CallInfo): (() => void) | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const own = Object.getOwnPropertyDescriptor(client, 'fetch');
  if (own === undefined || own.writable !== true || typeof own.value !== 'function') return undefined;
  const appFetch = own.value as AnyFunction;
  const holder = client as { fetch: AnyFunction };
  holder.fetch = function fetch(this: unknown, ...args: unknown[]): unknown {
    const promise = Reflect.apply(appFetch, this, args);
    if (promise instanceof Promise) {
      promise.then(
        (response: unknown) =>
          guarded('ollama.claim', () => {
            call.transport = claimTransportStream(response);
          }),
        () => undefined,
      );
    }
    return promise;
  };
  return () => {
    holder.fetch = appFetch;
  };
}
