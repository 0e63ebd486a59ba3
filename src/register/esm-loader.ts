import { diag } from '@opentelemetry/api';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { guarded } from '../core/guard';
import { startedInstrumentations } from './start';

interface LoaderData {
  include?: (string | RegExp)[];
}
type IitmChannel = ReturnType<typeof createAddHookMessageChannel<LoaderData>>;
interface ModuleDefinitionLike {
  readonly name: string;
  readonly files?: readonly { readonly name: string }[];
}

// One loader per process, whichever door (or both) ran first.
const LOADER_KEY = Symbol.for('midstream.esm-loader.v1');
type Globals = Record<symbol, IitmChannel | null | undefined>;

/** Matches a package file (`openai/core/streaming.mjs`) under any node_modules directory. */
function fileMatcher(file: string): RegExp {
  return new RegExp(`/node_modules/${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** The bare names and internal files the started instrumentations hook (`http`, `openai`, `openai/core/streaming.mjs`). */
function hookedModules(): (string | RegExp)[] {
  const names = new Set<string>();
  const files = new Set<string>();
  for (const instrumentation of startedInstrumentations) {
    const withModules = instrumentation as { getModuleDefinitions?: () => ModuleDefinitionLike[] };
    for (const definition of withModules.getModuleDefinitions?.() ?? []) {
      names.add(definition.name);
      for (const file of definition.files ?? []) if (file.name.includes('/')) files.add(file.name);
    }
  }
  return [...names, ...[...files].map(fileMatcher)];
}

/**
 * Registers the import-in-the-middle loader for the modules midstream's started instrumentations hook,
 * so ESM `import`s are patched under either door (`--require` too: an app or a dependency may be ESM).
 * `require()` is covered by require-in-the-middle, which the instrumentations install when they start.
 *
 * Runs AFTER the start, with the full list in the loader's initial data: a loader registered first
 * would need the instrumentations' names over its message channel, and building throwaway
 * instrumentations to learn them installs require-in-the-middle early, which then caches `http`
 * unpatched while midstream's own exporters load (measured: under `--import`, a CommonJS
 * `require('node:http')` returned the unpatched module). Idempotent per process.
 */
export function registerEsmLoader(): void {
  const globals = globalThis as unknown as Globals;
  if (globals[LOADER_KEY] !== undefined) return;
  globals[LOADER_KEY] = null;
  // A loader registered from a worker would be a second loader; the main thread's serves the process.
  if (!isMainThread) return;
  if (typeof nodeModule.register !== 'function') {
    diag.warn('midstream: this Node.js has no module.register(); ESM imports are not patched (Node >= 20.6 needed)');
    return;
  }
  const include = hookedModules();
  if (include.length === 0) return;
  guarded('register.esmLoader', () => {
    // The same CommonJS copy of import-in-the-middle that @opentelemetry/instrumentation requires: the
    // hooks it created when the instrumentations started are the ones the loader's wrappers call.
    const channel = createAddHookMessageChannel<LoaderData>();
    const data: LoaderData = channel.registerOptions.data ?? {};
    // The loader matches bare names (`openai`, `node:http`) against specifiers; the internal files
    // midstream patches are imported by relative path, so they are matched by their resolved path.
    data.include = [...(data.include ?? []), ...include];
    channel.registerOptions.data = data;
    nodeModule.register('import-in-the-middle/hook.mjs', pathToFileURL(__filename), channel.registerOptions);
    globals[LOADER_KEY] = channel;
  });
}

/** Resolves once the loader has acknowledged every module name sent to it after registration. */
export function esmLoaderReady(): Promise<void> {
  const channel = (globalThis as unknown as Globals)[LOADER_KEY];
  return channel ? channel.waitForAllMessagesAcknowledged() : Promise.resolve();
}
