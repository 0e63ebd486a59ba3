import { context } from '@opentelemetry/api';
import { guarded } from '../../core/guard';
import { watchBranch, withStreamTextCall, type StreamTextCall } from './stream-text-calls';
import type { AnyFunction } from '../kit/sdk-hook';

/** The prototype of `ai`'s (unexported) DefaultStreamTextResult (only what we touch). */
interface StreamTextResultPrototype {
  teeStream: AnyFunction;
}

/** What the instrumentation lends this patch: its shimmer wrap/unwrap and its enabled state. */
export interface PatchHost {
  wrap(target: object, name: string, wrapper: (original: AnyFunction) => AnyFunction): void;
  unwrap(target: object, name: string): void;
  isEnabled(): boolean;
}

/**
 * An ESM namespace from import-in-the-middle accepts the assignment; the real namespace that
 * `require()` of an ES module returns (`ai` 7 ships ESM only) is read-only and throws.
 */
function assigned(namespace: Record<string | symbol, unknown>, wrapped: AnyFunction): boolean {
  try {
    namespace.streamText = wrapped;
  } catch {
    return false;
  }
  return namespace.streamText === wrapped;
}

/** Our `streamText` wrappers, so patching the same exports twice wraps once. */
const STREAM_TEXT_WRAPPERS = new WeakSet<object>();
const KIND = 'ai-sdk.streamText';

/**
 * The `ai` package side of the adapter: `streamText` runs in a context that carries its
 * {@link StreamTextCall}, and `teeStream` on the result's prototype hands out watched branches, so a
 * consumer stopping reaches the call's trackers (stream-text-calls.ts says why).
 */
export class StreamTextPatch {
  /** `streamText` calls by their result object. */
  private readonly calls = new WeakMap<object, StreamTextCall>();
  /** Result prototypes whose `teeStream` is wrapped (one per build of `ai`). */
  private readonly resultPrototypes = new Set<StreamTextResultPrototype>();

  constructor(private readonly host: PatchHost) {}

  /**
   * `ai`'s CommonJS exports (6.x) are getter-only and not configurable, and the namespace that
   * `require()` returns for the ESM-only 7.x is read-only, so a `require` patch returns a copy with
   * `streamText` replaced (require-in-the-middle hands that copy to the app); an ESM namespace from
   * import-in-the-middle accepts the assignment (research/patchpoints.md §1.5).
   * The wrapper passes through while the instrumentation is disabled.
   */
  patch(exports: unknown): unknown {
    return (
      guarded(`${KIND}.patch`, () => {
        const original = (exports as { streamText?: unknown } | undefined)?.streamText;
        if (typeof original !== 'function' || STREAM_TEXT_WRAPPERS.has(original)) return exports;
        const wrapped = this.wrapStreamText(original as AnyFunction);
        const target = exports as Record<string | symbol, unknown>;
        if (target[Symbol.toStringTag] === 'Module' && assigned(target, wrapped)) return exports;
        const descriptors = Object.getOwnPropertyDescriptors(exports);
        descriptors.streamText = { value: wrapped, enumerable: true, writable: false, configurable: false };
        return Object.create(Object.getPrototypeOf(exports) as object | null, descriptors) as unknown;
      }) ?? exports
    );
  }

  /** Unwraps every `teeStream` (the `streamText` wrappers stay and pass through). */
  unpatchResults(): void {
    for (const proto of this.resultPrototypes) this.host.unwrap(proto, 'teeStream');
    this.resultPrototypes.clear();
  }

  private wrapStreamText(original: AnyFunction): AnyFunction {
    const host = this.host;
    const watchResult = (result: unknown, call: StreamTextCall): void => this.watchResult(result, call);
    // Runs when the app calls streamText; `ai` calls the model's doStream later, in this context.
    const wrapped = function streamText(this: unknown, ...args: unknown[]): unknown {
      if (!host.isEnabled()) return original.apply(this, args);
      const call: StreamTextCall = { trackers: [], open: 0 };
      const parentContext = context.active();
      const marked = guarded(KIND, () => withStreamTextCall(parentContext, call)) ?? parentContext;
      const result = context.with(marked, () => original.apply(this, args));
      guarded(KIND, () => watchResult(result, call));
      return result;
    };
    STREAM_TEXT_WRAPPERS.add(wrapped);
    return wrapped;
  }

  /** Wraps `teeStream` on the result's prototype, once per prototype; keys the call by the result. */
  private watchResult(result: unknown, call: StreamTextCall): void {
    if (typeof result !== 'object' || result === null) return;
    const proto = Object.getPrototypeOf(result) as StreamTextResultPrototype | null;
    if (typeof proto?.teeStream !== 'function') return;
    this.calls.set(result, call);
    if (this.resultPrototypes.has(proto)) return;
    this.resultPrototypes.add(proto);
    const calls = this.calls;
    this.host.wrap(
      proto,
      'teeStream',
      (teeStream: AnyFunction) =>
        // Runs each time an app-facing stream is made from the result (textStream, fullStream, ...).
        function (this: object, ...args: unknown[]): unknown {
          const branch = teeStream.apply(this, args);
          const call = calls.get(this);
          if (call === undefined || !(branch instanceof ReadableStream)) return branch;
          return guarded(`${KIND}.teeStream`, () => watchBranch(branch, call)) ?? branch;
        },
    );
  }
}
