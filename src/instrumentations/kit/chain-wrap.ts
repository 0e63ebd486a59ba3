import { types } from 'node:util';

/** Brand on midstream's wrappers (the value is the wrapped function), shared by every copy of midstream. */
export const MIDSTREAM_WRAPPED = Symbol.for('midstream.wrapped.v1');

type AnyFn = (this: unknown, ...args: never[]) => unknown;

function define(target: object, name: string, value: unknown, like: PropertyDescriptor | undefined): void {
  if (types.isProxy(target)) {
    // An import-in-the-middle namespace: assignments through defineProperty change importers' bindings.
    Object.defineProperty(target, name, { value });
    return;
  }
  Object.defineProperty(target, name, {
    value,
    writable: like?.writable ?? true,
    enumerable: like?.enumerable ?? false,
    configurable: true,
  });
}

/**
 * Puts `makeWrapper(current)` on top of whatever `target[name]` is now, and returns the function that
 * takes it off again. Unlike InstrumentationBase#_wrap it never unwraps someone else's wrapper first:
 * `_wrap` unwraps any shimmer-wrapped function before wrapping, so two instrumentations that both
 * `_wrap` `http.request` or `Server.prototype.emit` (midstream and @opentelemetry/instrumentation-http)
 * silently remove each other. Ours carries no shimmer marks, so their `_wrap` wraps on top of it.
 * The restore puts the original back only while ours is on top; otherwise the chain stays (the
 * wrapper must then pass through when the instrumentation is disabled).
 */
export function wrapInChain<F extends AnyFn>(
  target: object,
  name: string,
  makeWrapper: (original: F) => F,
): (() => void) | undefined {
  const record = target as Record<string, unknown>;
  const original = record[name];
  if (typeof original !== 'function') return undefined;
  const own = types.isProxy(target) ? undefined : Object.getOwnPropertyDescriptor(target, name);
  const wrapper = makeWrapper(original as F);
  Object.defineProperty(wrapper, MIDSTREAM_WRAPPED, { value: original });
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  define(target, name, wrapper, own);
  return () => {
    if (record[name] !== wrapper) return;
    if (own !== undefined || types.isProxy(target)) define(target, name, original, own);
    else delete record[name];
  };
}

/** Whether `fn` is a midstream wrapper. */
export function isMidstreamWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[MIDSTREAM_WRAPPED] !== undefined;
}
