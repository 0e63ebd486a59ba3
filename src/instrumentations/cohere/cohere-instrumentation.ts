import { context, type Context } from '@opentelemetry/api';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded, reportOnce } from '../../core/guard';
import { claimTransportStream, markSdkStream } from '../../core/layering';
import type { ItemReader } from '../../core/track-async-iterable';
import { trackIterableObject } from '../../core/track-iterable-object';
import { MidstreamInstrumentation } from '../kit/midstream-instrumentation';
import { readCohereV1Item, readCohereV2Item } from './cohere-items';

type AnyFunction = (...args: unknown[]) => unknown;

const SOURCE = 'cohere';
const PROVIDER = 'cohere';
const OPERATION = 'chat';
/** What the SDK calls when neither `baseUrl` nor `environment` is given. */
const COHERE_PRODUCTION = 'https://api.cohere.com';

/** A client class whose prototype has `chatStream` (v2 `V2Client`, v1 `CohereClient`). */
interface ClientClass {
  prototype: { chatStream: AnyFunction };
}

/** The SDK's `core.Stream` (only what we touch). */
interface CohereStream {
  controller?: { signal?: AbortSignal };
  /** The response body it reads. */
  stream?: unknown;
  [Symbol.asyncIterator]: () => AsyncIterator<unknown>;
}

interface CallInfo {
  readonly model: string | undefined;
  readonly baseUrl: string | undefined;
  readonly startTime: number;
  readonly parentContext: Context;
}

/** One patched client class: where it lives and how its stream items read. */
interface Target {
  readonly file: string;
  readonly exportName: string;
  readonly readItem: ItemReader<unknown>;
}

const TARGETS: readonly Target[] = [
  // v2 (`/v2/chat`, SSE): CohereClientV2 binds V2Client.prototype.chatStream when it is constructed.
  { file: 'api/resources/v2/client/Client.js', exportName: 'V2Client', readItem: readCohereV2Item },
  // v1 (`/v1/chat`, NDJSON).
  { file: 'Client.js', exportName: 'CohereClient', readItem: readCohereV1Item },
];

/**
 * Streams of `cohere-ai` (CommonJS only): v2 `new CohereClientV2().chatStream()` (also
 * `new CohereClient().v2.chatStream()`) and v1 `new CohereClient().chatStream()`. Patched:
 * `chatStream` on the V2Client and CohereClient prototypes, pass-through: it notes the request's
 * model, start and context and marks that context for the fetch layer. On the `Stream` the call
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
  constructor(config: InstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    // Tested: 7.21.0, 8.0.0, 8.1.0. 7.14-7.17 could not be loaded here (they require AWS
    // packages at import that the test install lacks), so the claim starts at 7.21.
    const versions = ['>=7.21.0 <9'];
    const files = TARGETS.map(
      (target) =>
        new InstrumentationNodeModuleFile(
          `cohere-ai/${target.file}`,
          versions,
          (exports: unknown) => this.patch(exports, target),
          (exports: unknown) => this.unpatch(exports, target),
        ),
    );
    return [new InstrumentationNodeModuleDefinition('cohere-ai', versions, undefined, undefined, files)];
  }

  private classOf(exports: unknown, target: Target): ClientClass | undefined {
    const cls = (exports as Record<string, ClientClass | undefined> | undefined)?.[target.exportName];
    return typeof cls?.prototype?.chatStream === 'function' ? cls : undefined;
  }

  private patch(exports: unknown, target: Target): unknown {
    const cls = this.classOf(exports, target);
    if (cls === undefined) {
      reportOnce(`cohere.patch.${target.exportName}`, new Error(`${target.exportName}.prototype.chatStream not found`));
      return exports;
    }
    if (isWrapped(cls.prototype.chatStream)) this._unwrap(cls.prototype, 'chatStream');
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;
    this._wrap(
      cls.prototype,
      'chatStream',
      (original: AnyFunction) =>
        // Runs when the app calls chatStream(); the SDK fetches after awaiting its auth provider.
        function chatStream(this: unknown, ...args: unknown[]): unknown {
          // CohereClientV2 keeps a bound copy of this wrapper: after disable() it must pass through.
          if (!instrumentation.isEnabled()) return original.apply(this, args);
          const call = guarded('cohere.call', () => callInfo(this, args[0]));
          if (call === undefined) return original.apply(this, args);
          const marked = guarded('cohere.call', () => markSdkStream(call.parentContext)) ?? call.parentContext;
          const result = context.with(marked, () => original.apply(this, args));
          return guarded('cohere.call', () => instrumentation.whenStream(result, call, target.readItem)) ?? result;
        },
    );
    return exports;
  }

  private unpatch(exports: unknown, target: Target): void {
    const cls = this.classOf(exports, target);
    if (cls !== undefined && isWrapped(cls.prototype.chatStream)) this._unwrap(cls.prototype, 'chatStream');
  }

  /**
   * Observes the SDK's result before the app can see it. An `HttpResponsePromise` resolves lazily
   * through its `innerPromise` (`{data, rawResponse}`): that field gets the observed step of the inner
   * promise, so plain `await` and `.withRawResponse()` are untouched, and a rejection the app never
   * handles stays unhandled (a rejection handler on the inner promise would hide it). A plain
   * Promise result is returned as its observed step. Returns what the app gets.
   */
  private whenStream(result: unknown, call: CallInfo, readItem: ItemReader<unknown>): unknown {
    const observed = (source: Promise<unknown>): Promise<unknown> =>
      source.then((value: unknown) => {
        guarded('cohere.observe', () => this.observe(streamOf(value), call, readItem));
        return value;
      });
    const holder = result as { innerPromise?: unknown } | null;
    if (holder?.innerPromise instanceof Promise) {
      holder.innerPromise = observed(holder.innerPromise);
      return result;
    }
    return result instanceof Promise ? observed(result) : result;
  }

  /** 2nd step: headers arrived and the SDK built its `Stream`; nothing read yet. */
  private observe(stream: CohereStream | undefined, call: CallInfo, readItem: ItemReader<unknown>): void {
    if (stream === undefined) return;
    const tracker = this.startGenAiStream({
      provider: PROVIDER,
      operation: OPERATION,
      model: call.model,
      server: call.baseUrl,
      source: SOURCE,
      parentContext: call.parentContext,
      startTime: call.startTime,
    });
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

function callInfo(client: unknown, request: unknown): CallInfo {
  const model = (request as { model?: unknown } | null | undefined)?.model;
  const options = (client as { _options?: { baseUrl?: unknown; environment?: unknown } } | null)?._options;
  // baseUrl / environment may be suppliers (functions, promises); only a plain string names the server.
  const base = options?.baseUrl ?? options?.environment ?? COHERE_PRODUCTION;
  return {
    model: typeof model === 'string' ? model : undefined,
    baseUrl: typeof base === 'string' ? base : undefined,
    startTime: now(),
    parentContext: context.active(),
  };
}
