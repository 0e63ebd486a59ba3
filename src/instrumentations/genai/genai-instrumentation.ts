import { context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { guarded, reportOnce } from '../../core/guard';
import { claimTransportStream } from '../../core/layering';
import { isAbortError } from '../../core/outcome';
import { processState } from '../../core/process-state';
import { wrapAsyncIterator } from '../../core/track-async-iterable';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { observeSettled, type AnyFunction } from '../kit/sdk-hook';
import { isFunctionResponseTurn, readGeminiError, readGeminiItem } from '../../providers/gemini';
import { SIGNAL_ERROR, type ErrorReader } from '../../providers/types';

const PACKAGE_NAME = '@google/genai';
// Tested: 1.0.1, 1.52.0, 2.0.0, 2.32.0 (Node 20), 3.1.0 and 3.3.0 (3.x requires Node >= 22; its Gemini
// Developer API default moved from /v1beta to /v1). 1.0.0's CommonJS entry cannot be required at all.
const SUPPORTED_VERSIONS = ['>=1.0.1 <4'];
const SOURCE = 'google-genai';
const OPERATION = 'generate_content';
const PROVIDER_GEMINI = 'gcp.gemini';
const PROVIDER_VERTEX_AI = 'gcp.vertex_ai';
const METHOD = 'generateContentStream';
const METHODS = ['next', 'throw', 'return'] as const;
/** error.type of a stream the SDK's own `httpOptions.timeout` cut (the name `AbortSignal.timeout()` uses). */
const SDK_TIMEOUT = 'TimeoutError';

/** The SDK's `ApiClient` (not exported; reached through `models.apiClient`). */
interface ApiClientLike {
  isVertexAI?: () => unknown;
  getBaseUrl?: () => unknown;
  processStreamResponse?: AnyFunction;
}

/** A `Models` instance (only what we touch). */
interface ModelsLike {
  apiClient?: ApiClientLike;
}

/** `GenerateContentParameters` (only what we read). */
interface StreamParams {
  model?: unknown;
  config?: {
    abortSignal?: AbortSignal | null;
    tools?: unknown;
    automaticFunctionCalling?: { disable?: unknown } | null;
    httpOptions?: { baseUrl?: unknown } | null;
  } | null;
}

/** The async generator `generateContentStream()` resolves to. */
interface StreamGenerator {
  next: AnyFunction;
  return: AnyFunction;
  throw: AnyFunction;
}

/**
 * Streams of `@google/genai`: `ai.models.generateContentStream()` and the chat helper
 * `chat.sendMessageStream()`, which calls it. One span per logical call, however many HTTP
 * requests it makes (automatic continuation hops, automatic-function-calling turns).
 *
 * `generateContentStream` is an arrow function the `Models` constructor assigns to each instance
 * (research/patchpoints.md §1.4), so a prototype wrap never runs. An accessor on
 * `Models.prototype` catches that assignment (a `this.x = ...` in a constructor goes through an
 * inherited setter) and stores the wrapped function as the instance's own property. The app gets
 * the SDK's own promise and generator back; the generator's `next`/`return`/`throw` are observed
 * as own properties of that same object.
 *
 * Every hop's `Response` reaches `ApiClient.prototype.processStreamResponse`; there it is claimed
 * from the fetch layer, which then records no metrics for it (counted once without a context manager).
 */
export class GoogleGenAIInstrumentation extends MidstreamInstrumentation {
  /** API clients of `Models` instances whose calls this instrumentation tracks. */
  private readonly trackedClients = new WeakSet<object>();
  private readonly patchedClientPrototypes = new Set<object>();
  private readonly accessors = new WeakSet<AnyFunction>();

  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    // One definition: RITM gives the CJS bundle (dist/node/index.cjs), IITM the ESM one
    // (dist/node/index.mjs); each has its own `Models` class.
    return [
      new InstrumentationNodeModuleDefinition(
        PACKAGE_NAME,
        SUPPORTED_VERSIONS,
        (exports: unknown) => this.patch(exports),
        (exports: unknown) => this.unpatch(exports),
      ),
    ];
  }

  private modelsPrototypeOf(exports: unknown): object | undefined {
    const cls = (exports as { Models?: { prototype?: unknown } } | undefined)?.Models;
    const proto = cls?.prototype;
    return typeof cls === 'function' && typeof proto === 'object' && proto !== null ? proto : undefined;
  }

  private patch(exports: unknown): unknown {
    guarded(`${SOURCE}.patch`, () => {
      const proto = this.modelsPrototypeOf(exports);
      if (proto === undefined) {
        reportOnce(`${SOURCE}.patch.models`, new Error('Models class not found'));
        return;
      }
      const existing = Object.getOwnPropertyDescriptor(proto, METHOD);
      if (existing !== undefined) {
        const setter = setterOf(existing);
        if (setter === undefined || !this.accessors.has(setter)) {
          reportOnce(`${SOURCE}.patch.models`, new Error(`Models.prototype.${METHOD} already defined`));
        }
        return;
      }
      const wrap = (models: ModelsLike, original: AnyFunction): AnyFunction => this.wrapStreamCall(models, original);
      // Runs inside the `Models` constructor, at its `this.generateContentStream = async (...) => ...`.
      const set = function (this: ModelsLike, value: unknown): void {
        const wrapped =
          typeof value === 'function' ? (guarded(`${SOURCE}.wrap`, () => wrap(this, value as AnyFunction)) ?? value) : value;
        Object.defineProperty(this, METHOD, { value: wrapped, writable: true, enumerable: true, configurable: true });
      };
      this.accessors.add(set);
      Object.defineProperty(proto, METHOD, { configurable: true, enumerable: false, get: () => undefined, set });
    });
    return exports;
  }

  private unpatch(exports: unknown): void {
    guarded(`${SOURCE}.unpatch`, () => {
      const proto = this.modelsPrototypeOf(exports);
      const setter = proto !== undefined ? setterOf(Object.getOwnPropertyDescriptor(proto, METHOD)) : undefined;
      if (proto !== undefined && setter !== undefined && this.accessors.has(setter)) {
        delete (proto as Record<string, unknown>)[METHOD];
      }
      for (const clientProto of this.patchedClientPrototypes) {
        if (typeof (clientProto as ApiClientLike).processStreamResponse === 'function') {
          this._unwrap(clientProto as Required<ApiClientLike>, 'processStreamResponse');
        }
      }
      this.patchedClientPrototypes.clear();
    });
  }

  /** Runs while the `Models` constructor assigns its `generateContentStream` arrow function. */
  private wrapStreamCall(models: ModelsLike, original: AnyFunction): AnyFunction {
    const apiClient = models.apiClient;
    if (apiClient !== undefined && apiClient !== null) {
      this.trackedClients.add(apiClient);
      this.patchApiClient(Object.getPrototypeOf(apiClient) as object | null);
    }
    const kind = `${SOURCE}.${METHOD}`;
    const isEnabled = (): boolean => this.isEnabled();
    const begin = (params: unknown): GenAiCall | undefined => this.beginCall(models, params);
    const observe = (generator: unknown, params: unknown, call: GenAiCall): void => this.observe(params, generator, call);
    const fail = (call: GenAiCall, error: unknown): void => this.failCall(call, error);
    return function generateContentStream(this: unknown, ...args: unknown[]): unknown {
      if (!isEnabled()) return original.apply(this, args);
      const call = begin(args[0]);
      if (call === undefined) return original.apply(this, args);
      const result = context.with(call.context, () => original.apply(this, args));
      if (!(result instanceof Promise)) return result;
      // The generator is observed before the app reads it; a call that fails before it is a failed call.
      return observeSettled(
        kind,
        result,
        (generator) => observe(generator, args[0], call),
        (error) => fail(call, error),
      );
    };
  }

  /** 1st step: the app called generateContentStream(); its span starts now. */
  private beginCall(models: ModelsLike, params: unknown): GenAiCall | undefined {
    const p = params as StreamParams | undefined;
    const apiClient = models.apiClient;
    const vertex = guarded(`${SOURCE}.isVertexAI`, () => apiClient?.isVertexAI?.() === true) === true;
    return this.beginGenAiCall({
      provider: vertex ? PROVIDER_VERTEX_AI : PROVIDER_GEMINI,
      operation: OPERATION,
      model: typeof p?.model === 'string' ? p.model : undefined,
      server: baseUrlOf(p, apiClient),
      source: SOURCE,
    });
  }

  /** Each hop's HTTP response: the fetch layer hands its count over to this stream. */
  private patchApiClient(proto: object | null): void {
    if (proto === null || this.patchedClientPrototypes.has(proto)) return;
    const target = proto as ApiClientLike;
    if (typeof target.processStreamResponse !== 'function') return;
    this.patchedClientPrototypes.add(proto);
    const tracked = this.trackedClients;
    const isEnabled = (): boolean => this.isEnabled();
    this._wrap(
      target as Required<ApiClientLike>,
      'processStreamResponse',
      (original: AnyFunction) =>
        // 2nd step of each hop: the response headers were checked, the body not read yet.
        function processStreamResponse(this: object, ...args: unknown[]): unknown {
          if (isEnabled() && tracked.has(this)) guarded(`${SOURCE}.processStreamResponse`, () => claimTransportStream(args[0]));
          return original.apply(this, args);
        },
    );
  }

  private observe(params: unknown, generator: unknown, call: GenAiCall): void {
    const gen = generator as StreamGenerator | null | undefined;
    const own = typeof gen?.next === 'function' ? METHODS.map((name) => Object.getOwnPropertyDescriptor(gen, name)) : [];
    if (gen === null || gen === undefined || own.length === 0 || own.some((d) => d !== undefined && d.configurable !== true)) {
      this.dropCall(call);
      return;
    }
    const p = params as StreamParams | undefined;
    const tracker = this.streamOfCall(call);
    if (tracker === undefined) return;
    // Without automatic function calling the promise resolves once the first hop's headers are in;
    // with it, before any request (the first chunk marks the headers then).
    if (!callsFunctionsAutomatically(p)) tracker.markHeaders();
    const signal = p?.config?.abortSignal;
    const isAborted = (): boolean => signal?.aborted === true;
    const source = { next: gen.next.bind(gen), return: gen.return.bind(gen), throw: gen.throw.bind(gen) };
    // The SDK's `httpOptions.timeout` stays armed while the body is read and aborts the fetch: an
    // AbortError the caller's signal did not cause is that timeout, a failure rather than a cancel.
    const onError: ErrorReader = (error, facts) => {
      if (isAborted() || !isAbortError(error)) return readGeminiError(error, facts);
      facts.errorType ??= SDK_TIMEOUT;
      return SIGNAL_ERROR;
    };
    const wrapped = wrapAsyncIterator(source as AsyncIterator<unknown>, tracker, readGeminiItem, {
      isAborted,
      onError,
      // With automatic function calling the first chunk, not the promise, follows the headers.
      itemMarksHeaders: true,
      rearmsTerminal: isFunctionResponseTurn,
    });
    // The SDK's generator (tslib's __asyncGenerator) holds next/throw/return as own properties;
    // they are replaced in place (same keys, order and flags). The wrappers are closures (no `this`).
    METHODS.forEach((name, i) => {
      const value: unknown = Reflect.get(wrapped, name);
      Object.defineProperty(gen, name, { value, writable: true, enumerable: own[i]?.enumerable ?? false, configurable: true });
    });
    processState().live.watchForAbandonment(gen, tracker);
  }
}

/** The SDK's own rule (`shouldDisableAfc`, minus its warning path): a callable tool, AFC not disabled. */
function callsFunctionsAutomatically(params: StreamParams | undefined): boolean {
  const config = params?.config;
  if (config == null || config.automaticFunctionCalling?.disable === true || !Array.isArray(config.tools)) return false;
  return (config.tools as unknown[]).some(
    (tool) => typeof tool === 'object' && tool !== null && typeof (tool as { callTool?: unknown }).callTool === 'function',
  );
}

function setterOf(descriptor: PropertyDescriptor | undefined): AnyFunction | undefined {
  const set: unknown = descriptor !== undefined ? Reflect.get(descriptor, 'set') : undefined;
  return typeof set === 'function' ? (set as AnyFunction) : undefined;
}

function baseUrlOf(params: StreamParams | undefined, apiClient: ApiClientLike | undefined): URL | undefined {
  let base = params?.config?.httpOptions?.baseUrl;
  if (typeof base !== 'string' && apiClient !== undefined && typeof apiClient.getBaseUrl === 'function') {
    try {
      base = apiClient.getBaseUrl();
    } catch {
      return undefined;
    }
  }
  if (typeof base !== 'string' || base.length === 0) return undefined;
  try {
    return new URL(base);
  } catch {
    return undefined;
  }
}
