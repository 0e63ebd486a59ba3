import { context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import { guarded, reportOnce } from '../../core/guard';
import { claimTransportStream, withTransportSlot, type TransportSlot } from '../../core/layering';
import { isAbortError, isConnectionError } from '../../core/outcome';
import { processState } from '../../core/process-state';
import type { StreamTracker } from '../../core/stream-tracker';
import { trackReadableStream } from '../../core/track-web-stream';
import { providerForHost } from '../../providers/hosts';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { providerErrorType, readStreamPart } from './stream-parts';
import { streamTextCallOf } from './stream-text-calls';
import { StreamTextPatch } from './stream-text-patch';
import { observeSettled, type AnyFunction } from '../kit/sdk-hook';

/** A provider model instance, LanguageModelV3 (3.x) or V4 (4.x) (only what we touch). */
interface ProviderModel {
  modelId?: unknown;
  config?: { url?: unknown };
}

interface ModelPrototype {
  doStream: AnyFunction;
}

/** What `doStream` resolves to: `{stream, request, response}`. */
interface DoStreamResult {
  stream?: unknown;
}

/** One model class of a provider package, reached through a factory call on a provider instance. */
interface ModelRoute {
  /** Calls the provider's factory for this model class, e.g. `(p) => p.chat('m')`. */
  readonly create: (provider: Record<string, AnyFunction>) => unknown;
  readonly operation: string;
  /** API path, for `server.address` through the provider's own `config.url`. */
  readonly path: string;
}

const OPENAI_ROUTES: readonly ModelRoute[] = [
  { create: (p) => p.chat?.('probe'), operation: 'chat', path: '/chat/completions' },
  { create: (p) => p.responses?.('probe'), operation: 'chat', path: '/responses' },
  { create: (p) => p.completion?.('probe'), operation: 'text_completion', path: '/completions' },
];

const SOURCE = 'ai-sdk';
const PROVIDER_PACKAGE = '@ai-sdk/openai';
const PROVIDER_NAME = 'openai';
// Tested: 3.0.0, 3.0.100, 3.0.141 (with ai 6.0.326), 4.0.0 (ai 7.0.0) and 4.0.118 (ai 7.0.173; 4.x and 7.x are
// ESM only and need Node >= 22). The LanguageModelV3 / V4 stream parts (`finishReason: {unified, raw}`, usage
// `{total}`) are what this adapter reads; their shape did not change from V3 to V4.
const SUPPORTED_VERSIONS = ['>=3.0.0 <5'];
const AI_PACKAGE = 'ai';
// Tested: 6.0.0, 6.0.326, 7.0.0 and 7.0.173. Only `streamText` is wrapped, to see consumers stop (stream-text-patch.ts).
const AI_SUPPORTED_VERSIONS = ['>=6.0.0 <8'];

/**
 * Streams of the Vercel AI SDK (`ai`: `streamText`, `streamObject`, and everything built on them) on
 * `@ai-sdk/openai` models. The provider's model classes are not exported, so their prototypes are
 * reached through instances built with the package's own `createOpenAI` (research/patchpoints.md §1.5);
 * `doStream` is wrapped there, in the CommonJS and the ESM build (4.x: ESM only, also when loaded by
 * `require()`, which hands the hook the module namespace). Its `stream` of LanguageModelV3/V4
 * parts is replaced by a pull-through copy that observes each part; the result object is the SDK's own.
 * One span per `doStream` call, `chat {model}`, started at the call as a child of the context active
 * there (the AI SDK's `ai.streamText.doStream` span when its `experimental_telemetry` is on); the fetch
 * span of the provider's request is its child and follows its outcome. A call that fails before its
 * stream (HTTP error status, refused connection, abort before the headers) is a failed call: ERROR
 * with `error.type`, no stream (each attempt `ai` retries is its own call).
 *
 * @example
 * ```ts
 * import { AiSdkInstrumentation } from 'midstream-otel';
 * registerInstrumentations({ instrumentations: [new AiSdkInstrumentation()] });
 * ```
 */
export class AiSdkInstrumentation extends MidstreamInstrumentation {
  // `declare`: no field initializer, which would run after the base constructor's init()/enable().
  declare private streamTextPatch: StreamTextPatch | undefined;

  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  private get streamText(): StreamTextPatch {
    return (this.streamTextPatch ??= new StreamTextPatch({
      wrap: (target, name, wrapper) => this._wrap(target as Record<string, AnyFunction>, name, wrapper),
      unwrap: (target, name) => {
        if (isWrapped((target as Record<string, unknown>)[name])) this._unwrap(target as Record<string, AnyFunction>, name);
      },
      isEnabled: () => this.isEnabled(),
    }));
  }

  override disable(): void {
    super.disable();
    this.streamText.unpatchResults();
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        PROVIDER_PACKAGE,
        SUPPORTED_VERSIONS,
        (exports: unknown) => this.patchProvider(exports),
        (exports: unknown) => this.unpatchProvider(exports),
      ),
      new InstrumentationNodeModuleDefinition(AI_PACKAGE, AI_SUPPORTED_VERSIONS, (exports: unknown) =>
        this.streamText.patch(exports),
      ),
    ];
  }

  /** The model prototypes of one build of the provider package (CJS exports or ESM namespace). */
  private prototypesOf(exports: unknown): { proto: ModelPrototype; route: ModelRoute }[] {
    const createProvider = (exports as { createOpenAI?: unknown } | undefined)?.createOpenAI;
    if (typeof createProvider !== 'function') return [];
    // Building a provider and models only stores settings (the API key is read at request time).
    const provider = (createProvider as AnyFunction)({ apiKey: 'midstream-probe' }) as Record<string, AnyFunction>;
    const found: { proto: ModelPrototype; route: ModelRoute }[] = [];
    for (const route of OPENAI_ROUTES) {
      const model = guarded(`${SOURCE}.probeModel`, () => route.create(provider));
      const proto = typeof model === 'object' && model !== null ? (Object.getPrototypeOf(model) as ModelPrototype) : undefined;
      if (typeof proto?.doStream === 'function' && !found.some((f) => f.proto === proto)) found.push({ proto, route });
    }
    return found;
  }

  private patchProvider(exports: unknown): unknown {
    const prototypes = guarded(`${SOURCE}.patch`, () => this.prototypesOf(exports)) ?? [];
    if (prototypes.length === 0) {
      reportOnce(`${SOURCE}.patch.models`, new Error(`${PROVIDER_PACKAGE}: no model doStream found`));
      return exports;
    }
    for (const { proto, route } of prototypes) {
      if (isWrapped(proto.doStream)) this._unwrap(proto, 'doStream');
      this._wrap(proto, 'doStream', (original: AnyFunction) => this.wrapDoStream(original, route));
    }
    return exports;
  }

  private unpatchProvider(exports: unknown): void {
    for (const { proto } of guarded(`${SOURCE}.unpatch`, () => this.prototypesOf(exports)) ?? []) {
      if (isWrapped(proto.doStream)) this._unwrap(proto, 'doStream');
    }
  }

  private wrapDoStream(original: AnyFunction, route: ModelRoute): AnyFunction {
    const kind = `${SOURCE}.doStream`;
    const begin = (model: ProviderModel): GenAiCall | undefined => this.beginCall(model, route);
    const resolved = (call: GenAiCall, value: unknown, slot: TransportSlot, isAborted: () => boolean): void => {
      const tracker = this.streamOf(call, slot);
      if (tracker !== undefined) observe(value as DoStreamResult, tracker, isAborted);
    };
    const failed = (call: GenAiCall, error: unknown, slot: TransportSlot, isAborted: () => boolean): void => {
      // An error event before any output (Responses `response.failed`) came over an event stream: a
      // stream. So is a request whose consumers all stopped before it failed (it ends `cancelled`).
      const stream =
        isEventStreamError(error) || (!isHttpErrorResponse(error) && streamTextCallOf(call.parentContext)?.cancelled === true);
      if (!stream) {
        this.failCall(call, error);
        return;
      }
      const tracker = this.streamOf(call, slot);
      if (tracker !== undefined) endWithError(tracker, error, isAborted);
    };
    // Runs when `ai` calls the model (once per attempt: `ai` retries a rejected doStream, and each
    // attempt is its own call). Its span starts now; an HTTP error status (429, 5xx), a refused
    // connection or an abort before the headers is a failed call, not a stream.
    return function doStream(this: unknown, ...args: unknown[]): unknown {
      const call = guarded(kind, () => begin(this as ProviderModel));
      if (call === undefined) return original.apply(this, args);
      const signal = (args[0] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      const isAborted = (): boolean => signal?.aborted === true;
      const slot: TransportSlot = {};
      // provider-utils calls the global fetch inside this context: the fetch span is a child of the
      // call's span, counts nothing, and leaves its response in the slot.
      const runIn = guarded(kind, () => withTransportSlot(call.context, slot)) ?? call.context;
      let result: unknown;
      try {
        result = context.with(runIn, () => original.apply(this, args));
      } catch (error) {
        guarded(kind, () => failed(call, error, slot, isAborted));
        throw error;
      }
      if (!(result instanceof Promise)) {
        guarded(kind, () => resolved(call, result, slot, isAborted));
        return result;
      }
      // doStream's promise is an internal step of `ai` (an async function's): its observed step settles the same way.
      return observeSettled(
        kind,
        result,
        (value) => resolved(call, value, slot, isAborted),
        (error) => failed(call, error, slot, isAborted),
      );
    };
  }

  /** 1st step, when `ai` calls the model: the call's `chat {model}` span starts. */
  private beginCall(model: ProviderModel, route: ModelRoute): GenAiCall | undefined {
    const modelId = typeof model.modelId === 'string' ? model.modelId : undefined;
    const url = urlOf(model, route, modelId);
    const providerName = (url !== undefined ? providerForHost(url.host) : undefined) ?? PROVIDER_NAME;
    return this.beginGenAiCall({
      provider: providerName,
      operation: route.operation,
      model: modelId,
      server: url,
      source: SOURCE,
    });
  }

  /**
   * 2nd step: the call's stream, joined to its `streamText` call (whose consumers may all have stopped
   * already: then it ends `cancelled`); the fetch layer's stream of the response follows it.
   */
  private streamOf(call: GenAiCall, slot: TransportSlot): StreamTracker | undefined {
    const tracker = this.streamOfCall(call);
    if (tracker === undefined) return undefined;
    claimTransportStream(slot.response, tracker);
    const streamText = streamTextCallOf(call.parentContext);
    if (streamText !== undefined) {
      streamText.trackers.push(tracker);
      if (streamText.cancelled === true) tracker.end('cancel');
    }
    return tracker;
  }
}

/** 2nd step: `doStream` resolved (headers arrived; Responses: the first output event too). */
function observe(result: DoStreamResult, tracker: StreamTracker, isAborted: () => boolean): void {
  const stream = result?.stream;
  if (!(stream instanceof ReadableStream)) {
    tracker.end('eof');
    return;
  }
  tracker.markHeaders();
  const readPart = (part: unknown): void => readStreamPart(part, tracker);
  // trackReadableStream passes chunks through untouched whatever their type; here they are parts.
  const tracked = trackReadableStream(stream as ReadableStream<Uint8Array>, tracker, readPart, {
    isAborted,
  });
  result.stream = tracked;
  processState().live.watchForAbandonment(tracked, tracker);
}

/** provider-utils' APICallError with an HTTP status, and whether its response was an event stream. */
function statusErrorOf(error: unknown): { eventStream: boolean } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; responseHeaders?: Record<string, unknown> | null };
  if (typeof e.statusCode !== 'number') return undefined;
  const type = e.responseHeaders?.['content-type'];
  return { eventStream: typeof type === 'string' && type.includes('text/event-stream') };
}

/** An HTTP error status before any stream (provider-utils' APICallError for a 429 or 5xx JSON body). */
function isHttpErrorResponse(error: unknown): boolean {
  const status = statusErrorOf(error);
  return status !== undefined && !status.eventStream && (error as { statusCode: number }).statusCode >= 400;
}

/**
 * A stream that failed before its first output (Responses `response.failed`) is an APICallError
 * too, but with the event stream's headers: that one is a stream.
 */
function isEventStreamError(error: unknown): boolean {
  return statusErrorOf(error)?.eventStream === true;
}

/** `doStream` rejected: an error event before any output, abort or connection failure. */
function endWithError(tracker: StreamTracker, error: unknown, isAborted: () => boolean): void {
  if (isAborted()) {
    tracker.end('abort', error);
    return;
  }
  if (!isAbortError(error) && !isConnectionError(error)) tracker.markError(providerErrorType(error));
  tracker.end('error', error);
}

function urlOf(model: ProviderModel, route: ModelRoute, modelId: string | undefined): URL | undefined {
  const url = model.config?.url;
  if (typeof url !== 'function' || modelId === undefined) return undefined;
  try {
    return new URL(String((url as AnyFunction)({ path: route.path, modelId })));
  } catch {
    return undefined;
  }
}
