// ESM door: `node --import midstream-otel/register app.mjs`. Registers the import-in-the-middle loader so
// ESM imports (`import http from 'node:http'`, SDK .mjs files) can be patched, then loads the SAME
// CommonJS start as `--require` (one copy of core per process), then waits until the loader thread
// has acknowledged every module the instrumentations asked to hook, before the app is imported.
// Recipe: research/patchpoints.md §4.3 (as EDOT Node.js import.mjs does).
import * as nodeModule from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = nodeModule.createRequire(import.meta.url);

interface IitmChannel {
  registerOptions: { data?: unknown; transferList?: unknown[] };
  waitForAllMessagesAcknowledged(): Promise<void>;
}
interface Iitm {
  createAddHookMessageChannel(): IitmChannel;
  Hook: new (modules: string[], options: { internals: boolean }, hook: () => void) => unknown;
}

/** Matches a package file (`openai/core/streaming.mjs`) under any node_modules directory. */
function fileMatcher(file: string): RegExp {
  return new RegExp(`/node_modules/${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

let channel: IitmChannel | undefined;
// Hooks created in a worker would register a second loader; only the main thread registers it.
if (isMainThread && typeof nodeModule.register === 'function') {
  try {
    // The same CommonJS copy of import-in-the-middle that @opentelemetry/instrumentation requires:
    // its Hook() calls send module names through this channel to the loader.
    const iitm = require('import-in-the-middle') as Iitm;
    channel = iitm.createAddHookMessageChannel();
    // The loader matches the package names it is told (`openai`) against bare specifiers only; the
    // internal files midstream patches (`openai/core/streaming.mjs`) are imported by relative path, so
    // they are matched by their resolved path instead. Nothing else in those packages is wrapped.
    const { instrumentedModuleFiles } = require('../instrumentations/index.js') as typeof import('../instrumentations/index.js');
    const data = (channel.registerOptions.data ?? {}) as { include?: (string | RegExp)[] };
    data.include = [
      ...(data.include ?? []),
      ...instrumentedModuleFiles()
        .filter((f) => f.includes('/'))
        .map(fileMatcher),
    ];
    channel.registerOptions.data = data;
    nodeModule.register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);
  } catch (error) {
    channel = undefined;
    process.emitWarning(`midstream: could not register the ESM loader hook; ESM imports are not patched (${String(error)})`);
  }
} else if (isMainThread) {
  process.emitWarning(
    'midstream: this Node.js has no module.register(); ESM imports are not patched (Node >= 18.19 / 20.6 needed)',
  );
}

const { processState } = require('../core/process-state.js') as typeof import('../core/process-state.js');
const startedBefore = processState().started;
require('./register.js');

if (channel !== undefined) {
  if (startedBefore) {
    const { announceHookedModules } = require('./hooked-modules.js') as typeof import('./hooked-modules.js');
    announceHookedModules(require('import-in-the-middle') as Iitm);
  }
  await channel.waitForAllMessagesAcknowledged();
}
