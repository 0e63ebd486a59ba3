import { guarded } from '../../core/guard';

/** The SDK's `APIPromise` constructor: `(promiseOfResultAndMeta)` (`esm/types/async.js`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiPromiseClass = new (p: any) => PromiseLike<unknown>;

/**
 * A subclass of the SDK's `APIPromise` (same name, `instanceof` both) whose constructor asks
 * `observe` for the promise to hold in place of the SDK's: an observed step of it, never a handler
 * on the SDK's own promise seen by nobody else. Without an observation it is the SDK's class
 * unchanged.
 */
export function observedApiPromiseClass(
  Original: ApiPromiseClass,
  observe: (promise: Promise<unknown>) => Promise<unknown> | undefined,
): ApiPromiseClass {
  const Observed = class APIPromise extends Original {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(p: any) {
      const o = p instanceof Promise ? guarded('mistral.apiPromise', () => observe(p as Promise<unknown>)) : undefined;
      super(o ?? p);
    }
  };
  return Observed;
}
