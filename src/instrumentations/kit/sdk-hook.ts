import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { guarded } from '../../core/guard';

/** Any function we wrap; the wrapper keeps the original's `this` and arguments. */
export type AnyFunction = (...args: unknown[]) => unknown;

/** One method to wrap: where it lives in the package and how its wrapper is made. */
export interface MethodHook {
  /**
   * Files inside the package that define `exportName`, CommonJS and ESM (`core/streaming.js`,
   * `core/streaming.mjs`). None: the package's main exports (CJS, or the ESM namespace whose
   * `default` holds the CJS exports).
   */
  readonly files?: readonly string[];
  /** The export holding the method: a class (its prototype is patched) or, with `isStatic`, the object itself. */
  readonly exportName: string;
  readonly method: string | symbol;
  readonly isStatic?: boolean;
  /**
   * Makes the wrapper of `original` (found on `holder`). It must return what `original` returns
   * (the SDK's own objects).
   */
  wrap(original: AnyFunction, holder: object): AnyFunction;
}

/** A declared SDK hook: one package, the versions tested, the methods wrapped. */
export interface HookSpec {
  /** npm package name. */
  readonly packageName: string;
  /** semver ranges that were tested. */
  readonly versions: readonly string[];
  readonly hooks: readonly MethodHook[];
}

/** What the engine needs of the instrumentation: InstrumentationBase's wrap/unwrap and its switch. */
export interface HookHost {
  readonly instrumentationName: string;
  isEnabled(): boolean;
  wrapMethod(holder: object, name: string | symbol, wrapper: (original: AnyFunction) => AnyFunction): void;
  unwrapMethod(holder: object, name: string | symbol): void;
  reportNotFound(what: string): void;
}

type Holder = Record<string | symbol, unknown>;

/** The object holding `hook.method` in a loaded module's exports, or undefined. */
function holderOf(exports: unknown, hook: MethodHook): Holder | undefined {
  const e = exports as { default?: Record<string, unknown> } & Record<string, unknown>;
  const exported = (e?.[hook.exportName] ?? e?.default?.[hook.exportName]) as Holder | undefined;
  const holder = hook.isStatic === true ? exported : (exported?.prototype as Holder | undefined);
  return typeof holder?.[hook.method] === 'function' ? holder : undefined;
}

function nameOf(hook: MethodHook): string {
  return `${hook.exportName}${hook.isStatic === true ? '.' : '.prototype.'}${String(hook.method)}`;
}

function patch(host: HookHost, exports: unknown, hook: MethodHook): unknown {
  const holder = holderOf(exports, hook);
  if (holder === undefined) {
    host.reportNotFound(nameOf(hook));
    return exports;
  }
  // RITM and IITM may both see a file whose class is shared: unwrap ours first, then wrap once.
  host.unwrapMethod(holder, hook.method);
  host.wrapMethod(holder, hook.method, (original) => {
    const wrapper = hook.wrap(original, holder);
    // A copy of the wrapper bound by the SDK (cohere binds methods at construction) outlives
    // disable(): it then passes through.
    return function (this: unknown, ...args: unknown[]): unknown {
      return host.isEnabled() ? wrapper.apply(this, args) : original.apply(this, args);
    };
  });
  return exports;
}

function unpatch(host: HookHost, exports: unknown, hook: MethodHook): void {
  const holder = holderOf(exports, hook);
  if (holder !== undefined) host.unwrapMethod(holder, hook.method);
}

/** The module definitions that apply `spec` (patch on load, unpatch on disable). */
export function moduleDefinitions(host: HookHost, spec: HookSpec): InstrumentationNodeModuleDefinition[] {
  const versions = [...spec.versions];
  const main = spec.hooks.filter((h) => h.files === undefined);
  const files = spec.hooks.flatMap((hook) =>
    (hook.files ?? []).map(
      (file) =>
        new InstrumentationNodeModuleFile(
          `${spec.packageName}/${file}`,
          versions,
          (exports: unknown) => patch(host, exports, hook),
          (exports: unknown) => unpatch(host, exports, hook),
        ),
    ),
  );
  return [
    new InstrumentationNodeModuleDefinition(
      spec.packageName,
      versions,
      main.length > 0 ? (exports: unknown) => main.reduce((e, hook) => patch(host, e, hook), exports) : undefined,
      main.length > 0 ? (exports: unknown) => main.forEach((hook) => unpatch(host, exports, hook)) : undefined,
      files,
    ),
  ];
}

/**
 * Observes the settling of an SDK promise the app never holds directly (an internal step, or a
 * promise the SDK wraps again): the caller returns this step in its place. It settles the same way,
 * one tick later; `onValue` runs before anyone sees the value, `onError` before the rejection
 * propagates, and a rejection nobody handles stays unhandled (a rejection handler on the SDK's own
 * promise would hide it). Observers are guarded: they never change the result.
 */
export function observeSettled<T>(
  kind: string,
  result: Promise<T>,
  onValue: (value: T) => void,
  onError?: (error: unknown) => void,
): Promise<T> {
  return result.then(
    (value) => {
      guarded(kind, () => onValue(value));
      return value;
    },
    (error: unknown) => {
      if (onError !== undefined) guarded(kind, () => onError(error));
      throw error;
    },
  );
}
