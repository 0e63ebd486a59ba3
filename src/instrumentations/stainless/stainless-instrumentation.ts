import { context, type Attributes, type Span } from '@opentelemetry/api';
import { claimTransportStream } from '../../core/layering';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded, reportOnce } from '../../core/guard';
import { markSdkStream } from '../../core/layering';
import { providerForHost } from '../../protocols/provider-hosts';
import { processState } from '../../core/process-state';
import type { StreamTracker } from '../../core/stream-tracker';
import { wrapAsyncIterator } from '../../core/track-async-iterable';
import * as sc from '../../semconv';
import { MidstreamInstrumentation } from '../kit/midstream-instrumentation';
import { findRequest, rememberRequest, type RequestInfo } from './request-registry';
import { countItems, type StainlessProvider } from './stainless-provider';
import { readStreamError } from './stream-errors';

type AnyFunction = (...args: unknown[]) => unknown;

/** The static side of a Stainless `Stream` class (only what we touch). */
interface StreamClass {
  fromSSEResponse: AnyFunction;
}

/** A Stainless `Stream` instance (only what we touch). */
interface StainlessStream {
  iterator: AnyFunction;
  controller?: { signal?: AbortSignal };
  tee?: AnyFunction;
  toReadableStream?: AnyFunction;
}

/** `Stream` methods that consume `iterator()` for the app and close it themselves. */
const SDK_CLOSING_CONSUMERS = ['tee', 'toReadableStream'] as const;

interface ClientClass {
  prototype: { makeRequest: AnyFunction };
}

/**
 * One adapter for every Stainless SDK: wraps the static `Stream.fromSSEResponse` and, on the
 * `Stream` it returns, the instance field `iterator`, which `[Symbol.asyncIterator]`, `tee()`,
 * `toReadableStream()` and every helper (`chat.completions.stream()`, `responses.stream()`,
 * `MessageStream`) go through (research/patchpoints.md §1.1). The app gets the SDK's own `Stream`
 * and `APIPromise` back. `makeRequest` on the client is wrapped pass-through only: it notes the
 * request's start, model and context, and marks that context so the fetch layer does not count
 * the same stream twice.
 */
export abstract class StainlessInstrumentation extends MidstreamInstrumentation {
  protected constructor(provider: StainlessProvider, config: InstrumentationConfig = {}) {
    super(provider.source, config);
  }

  /** The SDK this instance patches; a getter because the base constructor calls init() first. */
  protected abstract get provider(): StainlessProvider;

  protected override init(): InstrumentationNodeModuleDefinition[] {
    const { packageName, supportedVersions } = this.provider;
    const versions = [...supportedVersions];
    const files = [
      ...['core/streaming.js', 'core/streaming.mjs'].map(
        (f) =>
          new InstrumentationNodeModuleFile(
            `${packageName}/${f}`,
            versions,
            (exports: unknown) => this.patchStreaming(exports),
            (exports: unknown) => this.unpatchStreaming(exports),
          ),
      ),
      ...['client.js', 'client.mjs'].map(
        (f) =>
          new InstrumentationNodeModuleFile(
            `${packageName}/${f}`,
            versions,
            (exports: unknown) => this.patchClient(exports),
            (exports: unknown) => this.unpatchClient(exports),
          ),
      ),
    ];
    return [new InstrumentationNodeModuleDefinition(packageName, versions, undefined, undefined, files)];
  }

  private streamClassOf(exports: unknown): StreamClass | undefined {
    const cls = (exports as { Stream?: StreamClass } | undefined)?.Stream;
    return typeof cls?.fromSSEResponse === 'function' ? cls : undefined;
  }

  private clientClassOf(exports: unknown): ClientClass | undefined {
    const cls = (exports as Record<string, ClientClass | undefined> | undefined)?.[this.provider.clientExport];
    return typeof cls?.prototype?.makeRequest === 'function' ? cls : undefined;
  }

  private patchStreaming(exports: unknown): unknown {
    const cls = this.streamClassOf(exports);
    if (cls === undefined) {
      reportOnce(`${this.provider.source}.patch.streaming`, new Error('Stream.fromSSEResponse not found'));
      return exports;
    }
    if (isWrapped(cls.fromSSEResponse)) this._unwrap(cls, 'fromSSEResponse');
    const kind = `${this.provider.source}.fromSSEResponse`;
    const observe = (stream: unknown, response: unknown, controller: unknown): void => {
      guarded(kind, () => this.observe(stream as StainlessStream, response, controller));
    };
    this._wrap(
      cls,
      'fromSSEResponse',
      (original: AnyFunction) =>
        function fromSSEResponse(this: unknown, ...args: unknown[]): unknown {
          const stream = original.apply(this, args);
          observe(stream, args[0], args[1]);
          return stream;
        },
    );
    return exports;
  }

  private unpatchStreaming(exports: unknown): void {
    const cls = this.streamClassOf(exports);
    if (cls !== undefined && isWrapped(cls.fromSSEResponse)) this._unwrap(cls, 'fromSSEResponse');
  }

  private patchClient(exports: unknown): unknown {
    const cls = this.clientClassOf(exports);
    if (cls === undefined) {
      reportOnce(
        `${this.provider.source}.patch.client`,
        new Error(`${this.provider.clientExport}.prototype.makeRequest not found`),
      );
      return exports;
    }
    if (isWrapped(cls.prototype.makeRequest)) this._unwrap(cls.prototype, 'makeRequest');
    const kind = `${this.provider.source}.makeRequest`;
    this._wrap(
      cls.prototype,
      'makeRequest',
      (original: AnyFunction) =>
        // Runs when the app calls the SDK method (retries call it again, from inside this call).
        function makeRequest(this: unknown, ...args: unknown[]): unknown {
          const parentContext = context.active();
          const startTime = now();
          const marked = guarded(kind, () => markSdkStream(parentContext)) ?? parentContext;
          const result = context.with(marked, () => original.apply(this, args));
          if (!(result instanceof Promise)) return result;
          // makeRequest's promise is internal (the app holds the SDK's APIPromise around it), so the SDK
          // gets this step instead: it settles the same way, one tick later, and a rejection nobody
          // handles stays unhandled (a rejection handler on the SDK's promise would hide it).
          return result.then((props: unknown) => {
            guarded(kind, () => rememberRequest(props, startTime, parentContext));
            return props;
          });
        },
    );
    return exports;
  }

  private unpatchClient(exports: unknown): void {
    const cls = this.clientClassOf(exports);
    if (cls !== undefined && isWrapped(cls.prototype.makeRequest)) this._unwrap(cls.prototype, 'makeRequest');
  }

  /** 3rd step of a streaming call: headers arrived, the SDK built its `Stream`; nothing read yet. */
  private observe(stream: StainlessStream, response: unknown, controller: unknown): void {
    if (typeof stream?.iterator !== 'function') return;
    const request = findRequest(response);
    const path = request?.path ?? pathOf(response);
    const route = path !== undefined ? this.provider.routeFor(path) : undefined;
    const tracker = this.startTracker(request, route?.operation, route?.requiresTerminal ?? false, response);
    if (tracker === undefined) return;
    // The fetch layer saw the same response: it keeps its span, this layer counts the stream.
    claimTransportStream(response, tracker);
    tracker.markHeaders();
    const readItem = route?.readItem ?? countItems;
    const signal = (controller as { signal?: AbortSignal } | undefined)?.signal;
    // The SDK aborts its own controller in `finally` before a failure reaches us, so an abort
    // counts only when the stream did not throw (a user abort makes the SDK end quietly).
    let threw = false;
    // openai 7's tee() and toReadableStream() close the stream for their consumer (both tee branches
    // closed, reader.cancel()) by aborting the controller right before calling return() on the iterator:
    // that abort is the SDK's cleanup of a cancel, not the app's abort.
    let sdkCloses = false;
    let closing = false;
    const isAborted = (): boolean => !threw && !(closing && sdkCloses) && signal?.aborted === true;
    const onError = (error: unknown, t: StreamTracker): void => {
      threw = true;
      readStreamError(error, t);
    };
    if (request?.sdkSpan !== undefined && !tracker.ownsSpan) followSdkSpanEnd(request.sdkSpan, tracker, isAborted);

    const { live } = processState();
    const original = stream.iterator;
    let observed = false;
    stream.iterator = function iterator(this: unknown, ...args: unknown[]): unknown {
      const source = original.apply(this, args) as AsyncIterator<unknown>;
      // Only the first iterator is the stream; a second call is the SDK's "consumed" error.
      if (observed) return source;
      observed = true;
      const wrapped = guarded(`${tracker.source}.iterator`, () => {
        const it = wrapAsyncIterator(source, tracker, readItem, { isAborted, onError });
        const close = it.return?.bind(it);
        if (close !== undefined) {
          it.return = (value?: unknown) => {
            closing = true;
            return close(value);
          };
        }
        (it as AsyncIterableIterator<unknown>)[Symbol.asyncIterator] = function (this: AsyncIterableIterator<unknown>) {
          return this;
        };
        // From here the consumer holds the iterator, not necessarily the Stream (tee()).
        live.forgetAbandonment(tracker);
        live.watchForAbandonment(it, tracker);
        return it;
      });
      return wrapped ?? source;
    };
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
    live.watchForAbandonment(stream, tracker);
  }

  private startTracker(
    request: RequestInfo | undefined,
    operation: string | undefined,
    requiresTerminal: boolean,
    response: unknown,
  ): StreamTracker | undefined {
    const { source } = this.provider;
    const model = request?.model;
    const url = urlOf(response);
    // The openai SDK also talks to Azure, Ollama, DeepSeek...: a known host names the provider.
    const providerName = (url !== undefined ? providerForHost(url.host) : undefined) ?? this.provider.providerName;
    const attributes: Attributes = { [sc.ATTR_GEN_AI_PROVIDER_NAME]: providerName };
    if (operation !== undefined) attributes[sc.ATTR_GEN_AI_OPERATION_NAME] = operation;
    if (model !== undefined) attributes[sc.ATTR_GEN_AI_REQUEST_MODEL] = model;
    if (url !== undefined && url.hostname !== '') {
      attributes[sc.ATTR_SERVER_ADDRESS] = url.hostname;
      if (url.port !== '') attributes[sc.ATTR_SERVER_PORT] = Number(url.port);
    }
    const spanName =
      operation === undefined ? `${providerName}.stream` : model !== undefined ? `${operation} ${model}` : operation;
    return this.startStream({
      spanName,
      spanAttributes: { ...attributes, [sc.ATTR_GEN_AI_REQUEST_STREAM]: true },
      parentContext: request?.parentContext,
      span: request?.sdkSpan,
      source,
      protocol: 'objects',
      requiresTerminal,
      metricAttributes: attributes,
      genAi: operation !== undefined,
      startTime: request?.startTime,
    });
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

function urlOf(response: unknown): URL | undefined {
  const url = (response as { url?: unknown } | null | undefined)?.url;
  if (typeof url !== 'string' || url.length === 0) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function pathOf(response: unknown): string | undefined {
  return urlOf(response)?.pathname;
}
