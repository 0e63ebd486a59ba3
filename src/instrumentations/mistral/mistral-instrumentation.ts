import { context, createContextKey, type Context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded, reportOnce } from '../../core/guard';
import { claimTransportStream, markSdkStream } from '../../core/layering';
import { MidstreamInstrumentation, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { observeEventStream, trackedEventStreamClass, type EventStreamClass, type Observation } from './mistral-event-stream';
import type { AnyFunction } from '../kit/sdk-hook';

const PACKAGE = '@mistralai/mistralai';
// Tested: 2.0.0 and 2.7 (esm/lib/event-streams.js, esm/funcs/{chat,fim}Stream.js).
const SUPPORTED_VERSIONS = ['>=2.0.0 <3'];
const PROVIDER = 'mistral_ai';
const SOURCE = 'mistral';

/** One streaming call the app made, found again (through the context) by the stream it produces. */
interface MistralCall {
  readonly operation: string;
  readonly model: string | undefined;
  readonly startTime: number;
  readonly parentContext: Context;
  readonly signal: AbortSignal | undefined;
  readonly url: URL | undefined;
  claimed: boolean;
}

const CALL_KEY = createContextKey('midstream.mistral.call');

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
 * which also tells the fetch layer not to count the same stream. The SDK's `EventStream` is replaced
 * by a subclass that, for a noted call, builds the SDK's own stream over an observed body and parser
 * (research/patchpoints.md §1.8), so every way of reading it is seen. Needs a context manager (any
 * NodeSDK setup has one); other Mistral streams (agents, conversations) pass through unobserved.
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

  private patchFunc(exports: unknown, exportName: string, operation: string): unknown {
    const ns = exports as Record<string, unknown>;
    const current = ns[exportName] as (AnyFunction & { [ORIGINAL]?: AnyFunction }) | undefined;
    if (typeof current !== 'function') {
      reportOnce(`mistral.patch.${exportName}`, new Error(`${exportName} not found`));
      return exports;
    }
    const original = current[ORIGINAL] ?? current;
    const kind = `mistral.${exportName}`;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      const parentContext = context.active();
      const call = guarded(kind, () => noteCall(operation, args, parentContext));
      if (call === undefined) return original.apply(this, args);
      const marked = markSdkStream(parentContext).setValue(CALL_KEY, call);
      // The SDK's own APIPromise is returned untouched.
      return context.with(marked, () => original.apply(this, args));
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

  /** Called from the `EventStream` constructor: observe it when a noted call produced it. */
  private observe(body: unknown, parse: unknown): Observation | undefined {
    const call = context.active().getValue(CALL_KEY) as MistralCall | undefined;
    if (call === undefined || call.claimed) return undefined;
    if (!(body instanceof ReadableStream) || typeof parse !== 'function') return undefined;
    call.claimed = true;
    const tracker = this.startGenAiStream({
      provider: PROVIDER,
      operation: call.operation,
      model: call.model,
      server: call.url,
      source: SOURCE,
      parentContext: call.parentContext,
      startTime: call.startTime,
    });
    if (tracker === undefined) return undefined;
    tracker.markHeaders();
    // The body is the fetch layer's tapped body: that span follows this stream (the SDK cancels the
    // body at `[DONE]`, which on its own would read as a consumer cancel).
    claimTransportStream(body, tracker);
    const signal = call.signal;
    return observeEventStream(body as ReadableStream<Uint8Array>, parse as never, tracker, () => signal?.aborted === true);
  }
}

/** `chatStream(client, request, options)`: what the call says about the stream it will make. */
function noteCall(operation: string, args: readonly unknown[], parentContext: Context): MistralCall {
  const client = args[0] as { _baseURL?: unknown } | null | undefined;
  const request = args[1] as { model?: unknown } | null | undefined;
  const options = args[2] as { serverURL?: unknown; fetchOptions?: { signal?: unknown } | null } | null | undefined;
  const signal = options?.fetchOptions?.signal;
  return {
    operation,
    model: typeof request?.model === 'string' ? request.model : undefined,
    startTime: now(),
    parentContext,
    signal: signal instanceof AbortSignal ? signal : undefined,
    url: toUrl(options?.serverURL ?? client?._baseURL),
    claimed: false,
  };
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
