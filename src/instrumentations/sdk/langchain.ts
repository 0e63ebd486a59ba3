import { context, trace, type Context } from '@opentelemetry/api';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded } from '../../core/guard';
import { markSdkStream, markWrapperStream } from '../../core/layering';
import { processState } from '../../core/process-state';
import type { StreamTracker } from '../../core/stream-tracker';
import { wrapAsyncIterator } from '../../core/track-async-iterable';
import { readLangChainItem } from '../../providers/langchain';
import { MidstreamInstrumentation, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import type { AnyFunction } from '../kit/sdk-hook';

const PACKAGE = '@langchain/core';
// Tested: 1.0.0 and 1.4 (BaseChatModel.prototype._streamIterator in chat_models.{cjs,js}).
const SUPPORTED_VERSIONS = ['>=1.0.0 <2'];
const SOURCE = 'langchain';

/** LangChain's `ls_provider` → `gen_ai.provider.name` (semconv well-known values). */
const PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  azure: 'azure.ai.openai',
  anthropic: 'anthropic',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  google_genai: 'gcp.gemini',
  google_vertexai: 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  amazon_bedrock: 'aws.bedrock',
  ollama: 'ollama',
  groq: 'groq',
  cohere: 'cohere',
  deepseek: 'deepseek',
  xai: 'x_ai',
};

interface ChatModel {
  model?: unknown;
  modelName?: unknown;
  disableStreaming?: unknown;
  _streamResponseChunks?: unknown;
  getLsParams?: (options: unknown) => { ls_provider?: unknown; ls_model_name?: unknown } | undefined;
}

/**
 * LangChain chat model streams: `model.stream()`, `for await` on it, chains and `streamEvents`
 * that reach `BaseChatModel.prototype._streamIterator` (both copies: `chat_models.cjs` and `.js`).
 * One CLIENT span `chat {model}` per stream with `midstream.source = langchain`, ended from the
 * iterator itself: a consumer `break` is `cancelled` and a `signal` abort is `aborted` (LangChain's
 * callbacks report neither), a throw is `errored` (or truncated for a lost connection). Completion is
 * the underlying model's finish reason (`response_metadata.finish_reason` and kin).
 *
 * Counted once: the generator runs in a context where this span is active and marked, so when the
 * model calls an SDK midstream tracks (ChatOpenAI → openai), that SDK's stream span is a child of
 * this one and is the stream counted in metrics; this span then records no metrics (its attributes
 * and outcome stay). A model that calls no tracked SDK (a fake model, a custom one over raw fetch)
 * is counted here, and the fetch layer below it keeps its span without counting.
 */
export class LangChainInstrumentation extends MidstreamInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    return this.hookModules({
      packageName: PACKAGE,
      versions: SUPPORTED_VERSIONS,
      hooks: [
        {
          files: ['dist/language_models/chat_models.cjs', 'dist/language_models/chat_models.js'],
          exportName: 'BaseChatModel',
          method: '_streamIterator',
          wrap: (original, base) => this.wrapStreamIterator(original, base),
        },
      ],
    });
  }

  private wrapStreamIterator(original: AnyFunction, base: ChatModel): AnyFunction {
    const startCall = (model: ChatModel, options: unknown): Call | undefined =>
      guarded(`${SOURCE}.call`, () => this.startCall(model, options));
    const track = (source: AsyncIterator<unknown>, call: Call): AsyncIterator<unknown> | undefined =>
      guarded(`${SOURCE}.iterator`, () => this.track(source, call));
    return function _streamIterator(this: ChatModel, ...args: unknown[]): unknown {
      // Models that do not stream yield one invoke() result: no stream to observe.
      if (this._streamResponseChunks === base._streamResponseChunks || this.disableStreaming === true) {
        return original.apply(this, args);
      }
      const call = startCall(this, args[1]);
      if (call === undefined) return original.apply(this, args);
      const source = context.with(call.context, () => original.apply(this, args)) as AsyncIterator<unknown>;
      return track(source, call) ?? source;
    };
  }

  private startCall(model: ChatModel, options: unknown): Call | undefined {
    const startTime = now();
    const parentContext = context.active();
    const ls = guarded('langchain.lsParams', () => model.getLsParams?.(options ?? {}));
    const modelName = firstString(model.model, model.modelName, ls?.ls_model_name);
    const lsProvider = typeof ls?.ls_provider === 'string' ? ls.ls_provider.toLowerCase() : undefined;
    const known = lsProvider !== undefined ? PROVIDERS[lsProvider] : undefined;
    const tracker = this.startGenAiStream({
      provider: known ?? lsProvider ?? SOURCE,
      operation: 'chat',
      model: modelName,
      source: SOURCE,
      parentContext,
      startTime,
      // A model of a known provider reports its finish; a fake or custom one may never do.
      requiresTerminal: known !== undefined,
    });
    if (tracker === undefined) return undefined;
    const signal = (options as { signal?: unknown } | null | undefined)?.signal;
    const wrapper = { innerStreamStarted: () => tracker.stopRecordingMetrics() };
    const ctx = markWrapperStream(markSdkStream(trace.setSpan(parentContext, tracker.span)), wrapper);
    return { tracker, context: ctx, signal: signal instanceof AbortSignal ? signal : undefined };
  }

  private track(source: AsyncIterator<unknown>, call: Call): AsyncIterator<unknown> {
    const { tracker, signal } = call;
    const isAborted = (): boolean => signal?.aborted === true;
    // Each step of the model's generator runs in the call's context (the SDK call happens inside it).
    // Bound once per stream; each step then costs no closure.
    const next = source.next.bind(source);
    const inContext: AsyncIterator<unknown> = {
      next: (...args: [] | [unknown]) => context.with(call.context, next, undefined, ...args),
    };
    if (typeof source.return === 'function') {
      const ret = source.return.bind(source);
      inContext.return = (value?: unknown) => context.with(call.context, ret, undefined, value);
    }
    if (typeof source.throw === 'function') {
      const thr = source.throw.bind(source);
      inContext.throw = (error?: unknown) => context.with(call.context, thr, undefined, error);
    }
    const it = wrapAsyncIterator(inContext, tracker, readLangChainItem, { isAborted }) as AsyncIterableIterator<unknown>;
    it[Symbol.asyncIterator] = function (this: AsyncIterableIterator<unknown>) {
      return this;
    };
    if (signal !== undefined) {
      // LangChain races the consumer's read against the signal and then never resumes the model's
      // generator, so the SDK stream inside it would stay open until collected ('abandoned'). On
      // abort we end this stream and return() the generator (nobody can read it any more: every
      // later read throws the AbortError), which closes the inner SDK stream as aborted.
      tracker.endOnAbort(signal, () => {
        const done = inContext.return?.();
        if (done !== undefined) done.catch(() => undefined);
      });
    }
    processState().live.watchForAbandonment(it, tracker);
    return it;
  }
}

interface Call {
  readonly tracker: StreamTracker;
  readonly context: Context;
  readonly signal: AbortSignal | undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return undefined;
}
