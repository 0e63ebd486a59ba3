import { context } from '@opentelemetry/api';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { guarded } from '../../core/guard';
import { claimTransportStream } from '../../core/layering';
import { trackIterableObject } from '../../core/track-iterable-object';
import { readCohereV1Item, readCohereV2Item } from '../../providers/cohere';
import type { ItemReader } from '../../providers/types';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { observeSettled, type AnyFunction, type MethodHook } from '../kit/sdk-hook';

const SOURCE = 'cohere';
/** What the SDK calls when neither `baseUrl` nor `environment` is given. */
const COHERE_PRODUCTION = 'https://api.cohere.com';

/** The SDK's `core.Stream` (only what we touch). */
interface CohereStream {
  controller?: { signal?: AbortSignal };
  /** The response body it reads. */
  stream?: unknown;
  [Symbol.asyncIterator]: () => AsyncIterator<unknown>;
}

/**
 * Streams of `cohere-ai` (CommonJS only): v2 `new CohereClientV2().chatStream()` (also
 * `new CohereClient().v2.chatStream()`) and v1 `new CohereClient().chatStream()`. Patched:
 * `chatStream` on the V2Client and CohereClient prototypes, pass-through. On the `Stream` the call
 * resolves to, the instance gets its own `[Symbol.asyncIterator]` (the SDK's only consumption
 * path); the app keeps the SDK's `HttpResponsePromise` and `Stream` (research/patchpoints.md §1.9).
 *
 * @example
 * ```ts
 * import { CohereInstrumentation } from 'midstream-otel';
 * registerInstrumentations({ instrumentations: [new CohereInstrumentation()] });
 * ```
 */
export class CohereInstrumentation extends MidstreamInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    const hook = (file: string, exportName: string, readItem: ItemReader<unknown>): MethodHook => ({
      files: [file],
      exportName,
      method: 'chatStream',
      wrap: (original) => this.wrapChatStream(original, readItem),
    });
    return this.hookModules({
      packageName: 'cohere-ai',
      // Tested: 7.21.0, 8.0.0, 8.1.0. 7.14-7.17 could not be loaded here (they require AWS packages at
      // import that the test install lacks), so the claim starts at 7.21.
      versions: ['>=7.21.0 <9'],
      hooks: [
        // v2 (`/v2/chat`, SSE): CohereClientV2 binds V2Client.prototype.chatStream when it is constructed.
        hook('api/resources/v2/client/Client.js', 'V2Client', readCohereV2Item),
        // v1 (`/v1/chat`, NDJSON).
        hook('Client.js', 'CohereClient', readCohereV1Item),
      ],
    });
  }

  private wrapChatStream(original: AnyFunction, readItem: ItemReader<unknown>): AnyFunction {
    const begin = (client: unknown, request: unknown): GenAiCall | undefined => {
      const model = (request as { model?: unknown } | null | undefined)?.model;
      const options = (client as { _options?: { baseUrl?: unknown; environment?: unknown } } | null)?._options;
      // baseUrl / environment may be suppliers (functions, promises); only a plain string names the server.
      const base = options?.baseUrl ?? options?.environment ?? COHERE_PRODUCTION;
      return this.beginGenAiCall({
        provider: 'cohere',
        operation: 'chat',
        model: typeof model === 'string' ? model : undefined,
        server: typeof base === 'string' ? base : undefined,
        source: SOURCE,
      });
    };
    const observe = (result: unknown, call: GenAiCall): unknown => this.observeResult(result, call, readItem);
    // Runs when the app calls chatStream(); the SDK fetches after awaiting its auth provider.
    return function chatStream(this: unknown, ...args: unknown[]): unknown {
      const call = begin(this, args[0]);
      if (call === undefined) return original.apply(this, args);
      const result = context.with(call.context, () => original.apply(this, args));
      return guarded(`${SOURCE}.call`, () => observe(result, call)) ?? result;
    };
  }

  /**
   * Observes the SDK's result before the app can see it. An `HttpResponsePromise` resolves lazily
   * through its `innerPromise` (`{data, rawResponse}`): that field gets the observed step of the
   * inner promise, so plain `await` and `.withRawResponse()` are untouched. A plain Promise result
   * is returned as its observed step. Returns what the app gets.
   */
  private observeResult(result: unknown, call: GenAiCall, readItem: ItemReader<unknown>): unknown {
    const kind = `${SOURCE}.observe`;
    const observed = (source: Promise<unknown>): Promise<unknown> =>
      observeSettled(
        kind,
        source,
        (value) => this.observe(streamOf(value), call, readItem),
        (error) => this.failCall(call, error),
      );
    const holder = result as { innerPromise?: unknown } | null;
    if (holder?.innerPromise instanceof Promise) {
      holder.innerPromise = observed(holder.innerPromise);
      return result;
    }
    return result instanceof Promise ? observed(result) : result;
  }

  /** 2nd step: headers arrived and the SDK built its `Stream`; nothing read yet. */
  private observe(stream: CohereStream | undefined, call: GenAiCall, readItem: ItemReader<unknown>): void {
    if (stream === undefined) {
      this.dropCall(call);
      return;
    }
    const tracker = this.streamOfCall(call);
    if (tracker === undefined) return;
    tracker.markHeaders();
    // Without a context manager the context mark never reaches fetch: hand-over by the body the
    // SDK holds (the fetch layer registers its tapped body too).
    claimTransportStream(stream.stream, tracker);
    // requestOptions.abortSignal aborts the fetch and, through a listener, `stream.controller`.
    trackIterableObject(stream, tracker, readItem, { signal: stream.controller?.signal });
  }
}

function streamOf(value: unknown): CohereStream | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = Symbol.asyncIterator in value ? value : (value as { data?: unknown }).data;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  return typeof (candidate as Partial<CohereStream>)[Symbol.asyncIterator] === 'function'
    ? (candidate as CohereStream)
    : undefined;
}
