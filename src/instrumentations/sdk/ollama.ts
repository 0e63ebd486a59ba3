import { context } from '@opentelemetry/api';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { guarded } from '../../core/guard';
import { claimTransportStream, endTransportWith, type TransportStream } from '../../core/layering';
import { trackIterableObject } from '../../core/track-iterable-object';
import { isAbortError, isConnectionError } from '../../core/outcome';
import { readOllamaError, readOllamaItem } from '../../providers/ollama';
import { SIGNAL_NONE, type ErrorReader } from '../../providers/types';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { observeSettled, type AnyFunction } from '../kit/sdk-hook';

const SOURCE = 'ollama';

/** Aborts and transport failures are left to the outcome decision; the rest is the protocol's. */
const readError: ErrorReader = (error, facts) =>
  isAbortError(error) || isConnectionError(error) ? SIGNAL_NONE : readOllamaError(error, facts);

/** `processStreamableRequest(endpoint)` → `gen_ai.operation.name`; pull/push/create are not tracked. */
const OPERATIONS: Readonly<Record<string, string>> = { chat: 'chat', generate: 'text_completion' };

/** The client's `AbortableAsyncIterator` (not exported by the package). */
interface AbortableIterator {
  abortController?: { signal?: AbortSignal };
  [Symbol.asyncIterator]: () => AsyncIterator<unknown>;
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
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    return this.hookModules({
      packageName: 'ollama',
      // Tested: 0.5.14, 0.5.18, 0.6.0, 0.6.4. Up to 0.5.10 the client lives in a hashed
      // dist/shared/ollama.<hash>.cjs file, which a file hook cannot name; not patched.
      versions: ['>=0.5.14 <0.7'],
      hooks: [
        {
          files: ['dist/browser.cjs', 'dist/browser.mjs'],
          exportName: 'Ollama',
          method: 'processStreamableRequest',
          wrap: (original) => this.wrapRequest(original),
        },
      ],
    });
  }

  private wrapRequest(original: AnyFunction): AnyFunction {
    const begin = (client: unknown, endpoint: unknown, request: unknown): GenAiCall | undefined => {
      const operation = typeof endpoint === 'string' ? OPERATIONS[endpoint] : undefined;
      const r = request as { stream?: unknown; model?: unknown } | null | undefined;
      if (operation === undefined || r?.stream !== true) return undefined;
      const host = (client as { config?: { host?: unknown } } | null)?.config?.host;
      return this.beginGenAiCall({
        provider: 'ollama',
        operation,
        model: typeof r.model === 'string' ? r.model : undefined,
        server: typeof host === 'string' ? host : undefined,
        source: SOURCE,
      });
    };
    const observe = (value: unknown, call: GenAiCall, transport: TransportStream | undefined): void =>
      this.observe(value, call, transport);
    const fail = (call: GenAiCall, error: unknown): void => this.failCall(call, error);
    // Runs when the app calls chat()/generate(); the client calls fetch synchronously from here.
    return function processStreamableRequest(this: unknown, ...args: unknown[]): unknown {
      const call = begin(this, args[0], args[1]);
      if (call === undefined) return original.apply(this, args);
      const claim: { transport?: TransportStream } = {};
      const restoreFetch = guarded(`${SOURCE}.fetch`, () => claimResponsesOf(this, claim));
      let result: unknown;
      try {
        result = context.with(call.context, () => original.apply(this, args));
      } finally {
        if (restoreFetch !== undefined) guarded(`${SOURCE}.fetch`, restoreFetch);
      }
      if (!(result instanceof Promise)) return result;
      return observeSettled(
        `${SOURCE}.observe`,
        result,
        (iterator) => observe(iterator, call, claim.transport),
        (error) => fail(call, error),
      );
    };
  }

  /** 2nd step: headers arrived and the client built its iterator; nothing read yet. */
  private observe(value: unknown, call: GenAiCall, transport: TransportStream | undefined): void {
    const iterator = value as AbortableIterator | null | undefined;
    if (typeof iterator?.[Symbol.asyncIterator] !== 'function') {
      this.dropCall(call);
      return;
    }
    const tracker = this.streamOfCall(call);
    if (tracker === undefined) return;
    tracker.markHeaders();
    // ollama stops reading the body after `done` (and on break): the fetch span follows this stream.
    endTransportWith(tracker, transport);
    const signal = iterator.abortController?.signal;
    trackIterableObject(iterator, tracker, readOllamaItem, { signal, onError: readError });
  }
}

/**
 * Counted once without a context manager: the client passes `this.fetch` to its request helper
 * synchronously inside processStreamableRequest, so for the length of that call the instance's
 * fetch is a pass-through that claims the Response from the fetch layer (layering.ts). Returns the
 * restore step, or undefined when `fetch` is not a plain own property.
 */
function claimResponsesOf(client: unknown, claim: { transport?: TransportStream }): (() => void) | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const own = Object.getOwnPropertyDescriptor(client, 'fetch');
  if (own === undefined || own.writable !== true || typeof own.value !== 'function') return undefined;
  const appFetch = own.value as AnyFunction;
  const holder = client as { fetch: AnyFunction };
  holder.fetch = function fetch(this: unknown, ...args: unknown[]): unknown {
    const promise = Reflect.apply(appFetch, this, args);
    if (promise instanceof Promise) {
      // A side branch that only reads: the client awaits `promise` itself and handles its rejection.
      promise.then(
        (response: unknown) =>
          guarded(`${SOURCE}.claim`, () => {
            claim.transport = claimTransportStream(response);
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
