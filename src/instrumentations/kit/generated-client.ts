import type { Span } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded } from '../../core/guard';
import { claimTransportStream } from '../../core/layering';
import type { StreamTracker } from '../../core/stream-tracker';
import { processState } from '../../core/process-state';
import { trackIterableObject } from '../../core/track-iterable-object';
import { providerForHost } from '../../providers/hosts';
import { SIGNAL_NONE, type ItemReader } from '../../providers/types';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from './midstream-instrumentation';
import { observeSettled, type AnyFunction, type MethodHook } from './sdk-hook';
import { readStreamError } from './stream-errors';

/** What one streaming endpoint of a generated client is, for telemetry. */
export interface ClientRoute {
  /** `gen_ai.operation.name` (`chat`, `text_completion`). */
  readonly operation: string;
  /** Reads one parsed item: counts it, fills facts, marks terminal/error, adds output text. */
  readonly readItem: ItemReader<unknown>;
}

/**
 * An SDK generated from an OpenAPI description with the layout of openai, @anthropic-ai/sdk and
 * groq-sdk (research/patchpoints.md §1.1): every request goes through `makeRequest` on the client
 * class in `client.{js,mjs}`, every stream is built by `Stream.fromSSEResponse` in
 * `core/streaming.{js,mjs}`, and the helper streams (`MessageStream`, `ChatCompletionStream`) iterate
 * that `Stream`.
 */
export interface GeneratedClientSpec {
  readonly packageName: string;
  /** semver ranges that were tested. */
  readonly versions: readonly string[];
  /** `gen_ai.provider.name` when the host is not a known one. */
  readonly providerName: string;
  /** `midstream.source`, also the instrumentation name. */
  readonly source: string;
  /** Export of `client.js` whose prototype holds `makeRequest`. */
  readonly clientExport: string;
  /** The route for a request path (no query); undefined: a stream only counted (`{provider}.stream`). */
  routeFor(path: string): ClientRoute | undefined;
  /** Helper stream classes whose iterator `return()` aborts the request: a consumer close, not an abort. */
  readonly helperStreams?: readonly { readonly files: readonly string[]; readonly exportName: string }[];
}

/** A Stainless `Stream` instance (only what we touch). */
interface SdkStream {
  iterator: AnyFunction;
  controller?: { signal?: AbortSignal };
  tee?: AnyFunction;
  toReadableStream?: AnyFunction;
}

/** What `makeRequest` was called with (only what we read). */
interface RequestOptions {
  readonly stream?: unknown;
  readonly path?: unknown;
  readonly body?: unknown;
  readonly signal?: unknown;
  readonly __span?: { readonly span?: unknown } | null;
}

/** A streaming call between `makeRequest` and its `Stream`, found again by the SDK's `Response`. */
interface ClientCall {
  readonly call: GenAiCall;
  readonly readItem: ItemReader<unknown>;
  readonly signal: AbortSignal | undefined;
  readonly sdkSpan: Span | undefined;
}

/** `Stream` methods that consume `iterator()` for the app and close it themselves. */
const SDK_CLOSING_CONSUMERS = ['tee', 'toReadableStream'] as const;

/** Request signals a helper stream aborted because its consumer closed it (a `break`). */
const closedByConsumer = new WeakSet<AbortSignal>();

/** Per-response state, keyed by the SDK's own `Response` (nothing leaks when it is dropped). */
const calls = new WeakMap<object, ClientCall>();

/** Reader for streams of an endpoint we do not know: every item is a chunk, nothing else. */
const countItems: ItemReader<unknown> = () => SIGNAL_NONE;

/**
 * One engine for every generated client. `makeRequest` is wrapped pass-through: for a streaming
 * request (`options.stream`) it starts the GenAI span when the app calls the SDK and runs the request
 * in its context, so the fetch span is its child; a request that fails before its stream (an HTTP
 * error after the SDK's retries, a refused connection, an abort) ends that span ERROR. On the
 * `Stream` that `fromSSEResponse` returns, the instance field `iterator`, which
 * `[Symbol.asyncIterator]`, `tee()`, `toReadableStream()` and every helper go through, is tracked in
 * place. The app gets the SDK's own `Stream` and `APIPromise`.
 */
export abstract class GeneratedClientInstrumentation extends MidstreamInstrumentation {
  protected constructor(source: string, config: MidstreamInstrumentationConfig = {}) {
    super(source, config);
  }

  /** The SDK this instance patches; a getter because the base constructor calls init() first. */
  protected abstract get spec(): GeneratedClientSpec;

  protected override init(): InstrumentationModuleDefinition[] {
    const { spec } = this;
    const hooks: MethodHook[] = [
      {
        files: ['core/streaming.js', 'core/streaming.mjs'],
        exportName: 'Stream',
        method: 'fromSSEResponse',
        isStatic: true,
        wrap: (original) => {
          const observe = (stream: unknown, response: unknown): void => {
            guarded(`${spec.source}.fromSSEResponse`, () => this.observe(stream as SdkStream, response));
          };
          return function fromSSEResponse(this: unknown, ...args: unknown[]): unknown {
            const stream = original.apply(this, args);
            observe(stream, args[0]);
            return stream;
          };
        },
      },
      {
        files: ['client.js', 'client.mjs'],
        exportName: spec.clientExport,
        method: 'makeRequest',
        wrap: (original) => this.wrapMakeRequest(original),
      },
      ...(spec.helperStreams ?? []).map((helper): MethodHook => ({
        files: helper.files,
        exportName: helper.exportName,
        method: Symbol.asyncIterator,
        wrap: (original) =>
          function (this: { controller?: { signal?: AbortSignal } }, ...args: unknown[]): unknown {
            const it = original.apply(this, args) as AsyncIterator<unknown>;
            const close = typeof it?.return === 'function' ? it.return.bind(it) : undefined;
            const signal = this?.controller?.signal;
            if (close !== undefined && signal !== undefined) {
              it.return = (value?: unknown) => {
                closedByConsumer.add(signal);
                return close(value);
              };
            }
            return it;
          },
      })),
    ];
    return this.hookModules({ packageName: spec.packageName, versions: spec.versions, hooks });
  }

  private wrapMakeRequest(original: AnyFunction): AnyFunction {
    const kind = `${this.spec.source}.makeRequest`;
    const begin = (client: unknown, options: unknown, sdkSpan: unknown): ClientCall | undefined =>
      guarded(kind, () => this.beginCall(client, options as RequestOptions | undefined, sdkSpan));
    const fail = (call: ClientCall, error: unknown): void => this.failCall(call.call, error);
    const arrived = (call: ClientCall, props: unknown): void => this.headersArrived(call, props);
    // Runs when the app calls the SDK method. A retry (3rd argument: the first attempt's log id)
    // runs inside the first call, in its context, and is not a call of its own.
    return function makeRequest(this: unknown, ...args: unknown[]): unknown {
      if (args[2] !== undefined) return original.apply(this, args);
      const run = (options: unknown): unknown => {
        const call = begin(this, options, args[3]);
        const rest = [options, ...args.slice(1)];
        if (call === undefined) return original.apply(this, rest);
        const result = context.with(call.call.context, () => original.apply(this, rest));
        if (!(result instanceof Promise)) return result;
        return observeSettled(
          kind,
          result,
          (props) => arrived(call, props),
          (error) => fail(call, error),
        );
      };
      // The options are a promise (the SDK awaits them first thing): whether the request streams is
      // known once they resolve, before anything is sent.
      const input = args[0];
      return input instanceof Promise ? input.then(run) : run(input);
    };
  }

  /** 1st step of a streaming request: the app called the SDK; nothing sent yet. */
  private beginCall(client: unknown, options: RequestOptions | undefined, sdkSpanArg: unknown): ClientCall | undefined {
    if (options?.stream !== true) return undefined;
    const { spec } = this;
    const rawPath = typeof options.path === 'string' ? options.path : '';
    const query = rawPath.indexOf('?');
    const path = query >= 0 ? rawPath.slice(0, query) : rawPath;
    const route = spec.routeFor(path);
    const baseURL = (client as { baseURL?: unknown } | null)?.baseURL;
    const base = typeof baseURL === 'string' ? urlOf(baseURL) : undefined;
    // The openai SDK also talks to Azure, Ollama, DeepSeek...: a known host names the provider.
    const providerName = (base !== undefined ? providerForHost(base.host) : undefined) ?? spec.providerName;
    const body = options.body as { model?: unknown } | null | undefined;
    const model = typeof body?.model === 'string' ? body.model : undefined;
    const sdkSpan = spanOf(sdkSpanArg) ?? spanOf(options.__span?.span);
    const call = this.beginGenAiCall(
      {
        provider: providerName,
        operation: route?.operation ?? '',
        countOnly: route === undefined,
        model,
        server: base,
        source: spec.source,
        requiresTerminal: route !== undefined,
        startTime: now(),
      },
      sdkSpan,
    );
    if (call === undefined) return undefined;
    const signal = options.signal instanceof AbortSignal ? options.signal : undefined;
    return { call, readItem: route?.readItem ?? countItems, signal, sdkSpan };
  }

  /** 2nd step: headers arrived (a 2xx; errors reject); the SDK parses the `Stream` when the app awaits. */
  private headersArrived(call: ClientCall, props: unknown): void {
    const response = (props as { response?: unknown } | null | undefined)?.response;
    if (typeof response !== 'object' || response === null) {
      this.dropCall(call.call);
      return;
    }
    const tracker = this.streamOfCall(call.call);
    if (tracker === undefined) return;
    tracker.markHeaders();
    // The fetch layer saw the same response: it follows this stream (outcome, counted once).
    claimTransportStream(response, tracker);
    calls.set(response, call);
    // Until the app parses the stream, the response is what it holds (through the APIPromise).
    this.watch(response, tracker);
  }

  private watch(target: object, tracker: StreamTracker): void {
    if (tracker.isLive) processState().live.watchForAbandonment(target, tracker);
  }

  /** 3rd step: the app awaited the call; the SDK built its `Stream`. Nothing read yet. */
  private observe(stream: SdkStream, response: unknown): void {
    if (typeof stream?.iterator !== 'function' || typeof response !== 'object' || response === null) return;
    const call = calls.get(response);
    const tracker = call?.call.tracker;
    if (call === undefined || tracker === undefined || !tracker.isLive) return;
    calls.delete(response);
    const signal = stream.controller?.signal;
    const requestSignal = call.signal;
    // The SDK aborts its own controller in `finally` before a failure reaches us, so an abort counts
    // only when the stream did not throw (a user abort makes the SDK end quietly).
    let threw = false;
    // openai 7's tee() and toReadableStream() close the stream for their consumer by aborting the
    // controller right before calling return() on the iterator: the SDK's cleanup of a cancel.
    let sdkCloses = false;
    let closing = false;
    const consumerClosed = (): boolean => requestSignal !== undefined && closedByConsumer.has(requestSignal);
    const isAborted = (): boolean => !threw && !(closing && sdkCloses) && signal?.aborted === true && !consumerClosed();
    if (call.sdkSpan !== undefined && !tracker.ownsSpan) {
      followSdkSpanEnd(call.sdkSpan, tracker, () => !consumerClosed() && isAborted());
    }
    const readItem = call.readItem;
    trackIterableObject(stream, tracker, readItem, {
      key: 'iterator',
      isAborted,
      // A helper stream aborts the request when its consumer breaks: that is a cancel.
      isCancelled: consumerClosed,
      onError: (error, facts) => {
        threw = true;
        return readStreamError(error, facts);
      },
      onReturn: () => {
        closing = true;
      },
    });
    for (const name of SDK_CLOSING_CONSUMERS) {
      const method = stream[name];
      if (typeof method !== 'function') continue;
      Object.defineProperty(stream, name, {
        configurable: true,
        writable: true,
        enumerable: false,
        value: function (this: unknown, ...args: unknown[]): unknown {
          sdkCloses = true;
          return method.apply(this, args);
        },
      });
    }
  }
}

/**
 * Anthropic's native tracing ends its span from its own iterator wrapper, before calling ours on
 * `return()` (a `break`) or when the request was aborted before any read. Ending the tracker first
 * keeps midstream's attributes on that span.
 */
function followSdkSpanEnd(span: Span, tracker: StreamTracker, isAborted: () => boolean): void {
  const end = span.end.bind(span);
  span.end = function (this: Span, ...args: Parameters<Span['end']>): void {
    if (tracker.isLive) guarded(`${tracker.source}.sdkSpanEnd`, () => tracker.end(isAborted() ? 'abort' : 'cancel'));
    return end(...args);
  };
}

function spanOf(value: unknown): Span | undefined {
  const span = value as Span | null | undefined;
  return span !== undefined && span !== null && typeof span.spanContext === 'function' && typeof span.end === 'function'
    ? span
    : undefined;
}

function urlOf(href: string): URL | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}
