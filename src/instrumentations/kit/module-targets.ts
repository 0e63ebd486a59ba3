import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';

/**
 * The objects to patch for a loaded `http`/`https` module: the CommonJS exports object, and, when
 * import-in-the-middle hands us an ESM namespace (`Symbol.toStringTag === 'Module'`), the namespace
 * (its named bindings) plus its `default` (the same CommonJS object `require` returns), as
 * @opentelemetry/instrumentation-http does (research/patchpoints.md §3.1).
 */
export function moduleTargets(moduleExports: unknown): object[] {
  if (moduleExports === null || typeof moduleExports !== 'object') return [];
  const targets: object[] = [moduleExports];
  const ns = moduleExports as { [Symbol.toStringTag]?: unknown; default?: unknown };
  if (ns[Symbol.toStringTag] === 'Module' && ns.default !== null && typeof ns.default === 'object') targets.push(ns.default);
  return targets;
}

/** The module definitions of Node's `http` and `https` (every version), patched and unpatched per loaded module. */
export function httpModuleDefinitions(
  patch: (moduleExports: unknown) => unknown,
  unpatch: (moduleExports: unknown) => void,
): InstrumentationNodeModuleDefinition[] {
  return ['http', 'https'].map((name) => new InstrumentationNodeModuleDefinition(name, ['*'], patch, unpatch));
}
