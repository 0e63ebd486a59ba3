// Runs every test/**/*.test.mjs with node's test runner. Node 20 treats a directory argument as
// "every .js/.mjs/.cjs file in it", which would also run fixture apps and support modules.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.mjs') ? [join(dir, e.name)] : [],
  );
}
const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((r) => (statSync(r).isFile() ? [r] : find(r))).sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
