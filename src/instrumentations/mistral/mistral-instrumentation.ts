import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { guarded, reportOnce } from '../../core/guard';
import { claimTransportStream } from '../../core/layering';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { observedApiPromiseClass, type ApiPromiseClass } from './mistral-api-promise';
import { observeEventStream, trackedEventStreamClass, type EventStreamClass, type Observation } from './mistral-event-stream';
import { observeSettled, type AnyFunction } from '../kit/sdk-hook';

const PACKAGE = '@mistralai/mistralai';
// Tested: 2.0.0 and 2.7 (esm/lib/event-streams.js, esm/funcs/{chat,fim}Stream.js).
const SUPPORTED_VERSIONS = ['>=2.0.0 <3'];
const PROVIDER = 'mistral_ai';
const SOURCE = 'mistral';

/** One streaming call the app made, found again (through the context) by the stream it produces. */
interface MistralCall {
  readonly call: GenAiCall;
  readonly signal: AbortSignal | undefined;
  /** The call's EventStream was built (observed or not). */
  claimed: boolean;
  /** The call's APIPromise was built: its result ends a call that fails before its stream. */
  promiseSeen: boolean;
}

const CALL_KEY = createContextKey('midstream.mistral.call');
const PROBE_KEY = createContextKey('midstream.mistral.probe');

/** The streaming functions patched, with their `gen_ai.operation.name`. */
const FUNCS: readonly { readonly file: string; readonly exportName: string; readonly operation: string }[] = [
  { file: 'esm/funcs/chatStream.js', exportName: 'chatStream', operation: 'chat' },
  { file: 'esm/funcs/fimStream.js', exportName: 'fimStream', operation: 'text_completion' },
];

const ORIGINAL = Symbol('midstream.mistral.original');

/**
 * Streams of `@mistralai/mistralai` (ESM only, so patched through import-in-the-middle, which either
 * `midstream-otel/register` door registers): `chat.stream()` and `fim.stream()`, and the
 * standalone `chatStream`/`fimStream` functions they call. The function is wrapped pass-through: it
 * notes the call (model, start, parent context, `fetchOptions.signal`) in the context it runs in,
 * which also tells the fetch layer not to count the same stream. The call's span starts there, so the
 * fetch span of its request is its child. The SDK's `EventStream` is replaced by a subclass that, for
 * a noted call, builds the SDK's own stream over an observed body and parser (research/patchpoints.md
 * §1.8), so every way of reading it is seen. The SDK returns errors as values (`[Result, meta]`) in
 * its `APIPromise`; that class is replaced by a subclass that, for a noted call only, holds an
 * observed step of the SDK's promise (it settles the same way one tick later, an unhandled rejection
 * stays unhandled), so a call that fails before its stream (HTTP error, refused connection, abort
 * before the headers) ends its span ERROR with `error.type`. Needs a context manager (any NodeSDK
 * setup has one; without one, calls pass through unobserved); other Mistral streams (agents,
 * conversations) pass through unobserved.
 */
export class MistralInstrumentation extends MidstreamInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    const files = [
      new InstrumentationNodeModuleFile(
        `${PACKAGE}/esm/lib/event-streams.js`,
        SUPPORTED_VERSIONS,
        (exports: unknown) => this.patchEventStreams(exports),
        (exports: unknown) => this.unpatchExport(exports, 'EventStream'),
      ),
      new InstrumentationNodeModuleFile(
        `${PACKAGE}/esm/types/async.js`,
        SUPPORTED_VERSIONS,
        (exports: unknown) => this.patchApiPromise(exports),
        (exports: unknown) => this.unpatchExport(exports, 'APIPromise'),
      ),
      ...FUNCS.map(
        (f) =>
          new InstrumentationNodeModuleFile(
            `${PACKAGE}/${f.file}`,
            SUPPORTED_VERSIONS,
            (exports: unknown) => this.patchFunc(exports, f.exportName, f.operation),
            (exports: unknown) => this.unpatchExport(exports, f.exportName),
          ),
      ),
    ];
    return [new InstrumentationNodeModuleDefinition(PACKAGE, SUPPORTED_VERSIONS, undefined, undefined, files)];
  }

  private patchEventStreams(exports: unknown): unknown {
    const ns = exports as Record<string, unknown>;
    const original = ns.EventStream as (EventStreamClass & { [ORIGINAL]?: EventStreamClass }) | undefined;
    if (typeof original !== 'function') {
      reportOnce('mistral.patch.eventStreams', new Error('EventStream not found'));
      return exports;
    }
    const base = original[ORIGINAL] ?? original;
    const tracked = trackedEventStreamClass(base, (body, parse) => this.observe(body, parse));
    Object.defineProperty(tracked, ORIGINAL, { value: base });
    ns.EventStream = tracked;
    return exports;
  }

  private patchApiPromise(exports: unknown): unknown {
    const ns = exports as Record<string, unknown>;
    const original = ns.APIPromise as (ApiPromiseClass & { [ORIGINAL]?: ApiPromiseClass }) | undefined;
    if (typeof original !== 'function') {
      reportOnce('mistral.patch.apiPromise', new Error('APIPromise not found'));
      return exports;
    }
    const base = original[ORIGINAL] ?? original;
    const observed = observedApiPromiseClass(base, (promise) => this.settlementOf(promise));
    Object.defineProperty(observed, ORIGINAL, { value: base });
    ns.APIPromise = observed;
    return exports;
  }

  private patchFunc(exports: unknown, exportName: string, operation: string): unknown {
    const ns = exports as Record<string, unknown>;
    const current = ns[exportName] as (AnyFunction & { [ORIGINAL]?: AnyFunction }) | undefined;
    if (typeof current !== 'function') {
      reportOnce(`mistral.patch.${exportName}`, new Error(`${exportName} not found`));
      return exports;
    }
    const original = current[ORIGINAL] ?? current;
    const kind = `mistral.${exportName}`;
    const begin = (args: readonly unknown[]): MistralCall | undefined => this.beginCall(operation, args);
    const drop = (call: MistralCall): void => this.dropCall(call.call);
    const fail = (call: MistralCall, error: unknown): void => this.failCall(call.call, error);
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      const call = guarded(kind, () => begin(args));
      if (call === undefined) return original.apply(this, args);
      let result: unknown;
      try {
        // The SDK's own APIPromise is returned untouched (built, for this call, by the observed class).
        result = context.with(call.call.context.setValue(CALL_KEY, call), () => original.apply(this, args));
      } catch (error) {
        fail(call, error);
        throw error;
      }
      // No APIPromise of this call seen (another SDK layout): the span ends rather than never.
      if (!call.promiseSeen) drop(call);
      return result;
    };
    Object.defineProperty(wrapped, 'name', { value: original.name });
    Object.defineProperty(wrapped, 'length', { value: original.length });
    Object.defineProperty(wrapped, ORIGINAL, { value: original });
    ns[exportName] = wrapped;
    return exports;
  }

  private unpatchExport(exports: unknown, exportName: string): void {
    guarded('mistral.unpatch', () => {
      const ns = exports as Record<string, { [ORIGINAL]?: unknown } | undefined>;
      const original = ns[exportName]?.[ORIGINAL];
      if (original !== undefined) ns[exportName] = original as { [ORIGINAL]?: unknown };
    });
  }

  /** 1st step, when the app calls `chat.stream()`: the call's span starts (with a working context manager). */
  private beginCall(operation: string, args: readonly unknown[]): MistralCall | undefined {
    // Without a context manager the SDK's EventStream and APIPromise could not find the call.
    const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
    if (context.with(probe, () => context.active()) !== probe) return undefined;
    const client = args[0] as { _baseURL?: unknown } | null | undefined;
    const request = args[1] as { model?: unknown } | null | undefined;
    const options = args[2] as { serverURL?: unknown; fetchOptions?: { signal?: unknown } | null } | null | undefined;
    const signal = options?.fetchOptions?.signal;
    const call = this.beginGenAiCall({
      provider: PROVIDER,
      operation,
      model: typeof request?.model === 'string' ? request.model : undefined,
      server: toUrl(options?.serverURL ?? client?._baseURL),
      source: SOURCE,
    });
    if (call === undefined) return undefined;
    return { call, signal: signal instanceof AbortSignal ? signal : undefined, claimed: false, promiseSeen: false };
  }

  /**
   * Called from the `APIPromise` constructor: for the noted call that builds it, the observed step
   * of its promise. The SDK resolves `[Result, meta]`; a failed Result before the stream (or a
   * rejection) fails the call, an ok Result without an observed stream drops it.
   */
  private settlementOf(promise: Promise<unknown>): Promise<unknown> | undefined {
    const call = context.active().getValue(CALL_KEY) as MistralCall | undefined;
    if (call === undefined || call.promiseSeen) return undefined;
    call.promiseSeen = true;
    return observeSettled(
      `${SOURCE}.settled`,
      promise,
      (value) => {
        const result = (Array.isArray(value) ? value[0] : undefined) as { ok?: unknown; error?: unknown } | undefined;
        if (result?.ok === false) this.failCall(call.call, result.error);
        else this.dropCall(call.call);
      },
      (error) => this.failCall(call.call, error),
    );
  }

  /** 2nd step, from the `EventStream` constructor: observe it when a noted call produced it. */
  private observe(body: unknown, parse: unknown): Observation | undefined {
    const call = context.active().getValue(CALL_KEY) as MistralCall | undefined;
    if (call === undefined || call.claimed) return undefined;
    if (!(body instanceof ReadableStream) || typeof parse !== 'function') return undefined;
    call.claimed = true;
    const tracker = this.streamOfCall(call.call);
    if (tracker === undefined) return undefined;
    tracker.markHeaders();
    // The body is the fetch layer's tapped body: that span follows this stream (the SDK cancels the
    // body at `[DONE]`, which on its own would read as a consumer cancel).
    claimTransportStream(body, tracker);
    const signal = call.signal;
    return observeEventStream(body as ReadableStream<Uint8Array>, parse as never, tracker, () => signal?.aborted === true);
  }
}

function toUrl(value: unknown): URL | undefined {
  if (value instanceof URL) return value;
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
