import { guarded } from '../core/guard';
import { startedInstrumentations } from './start';

interface IitmHookConstructor {
  Hook: new (modules: string[], options: { internals: boolean }, hook: () => void) => unknown;
}

/**
 * Tells the import-in-the-middle loader (registered by the ESM door) which modules midstream hooks.
 * Needed when `--require midstream-otel/register` ran before `--import midstream-otel/register`: the
 * instrumentations' hooks were created before the loader's message channel existed, so the loader
 * (which hooks only the modules it was told about) would otherwise patch nothing. A no-op Hook with the
 * same names sends them; the existing hooks then fire for those modules.
 */
export function announceHookedModules(iitm: IitmHookConstructor): void {
  guarded('register.announceHookedModules', () => {
    const names = new Set<string>();
    for (const instrumentation of startedInstrumentations) {
      const withModules = instrumentation as { getModuleDefinitions?: () => { name: string }[] };
      for (const definition of withModules.getModuleDefinitions?.() ?? []) names.add(definition.name);
    }
    if (names.size > 0) new iitm.Hook([...names], { internals: true }, () => undefined);
  });
}
