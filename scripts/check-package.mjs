// What a user gets from the registry, checked from the packed tarball (run by .ci/run):
//   1. install: `npm install <sdk@version> midstream-otel.tgz` into a fresh project, with default npm
//      settings (an empty user and global config, no npm_config_* from the environment), next to every
//      SDK at the lowest and the highest version midstream claims (scripts/sdk-versions.json, plus the
//      dev tree's own version where it is newer); then `npm ls` must find a valid tree. The majors that
//      need Node 22 are installed only (nothing of them runs here).
//   2. smoke: in the project next to Mistral's highest version (which pins the OTLP trace exporter's
//      version range through its optional peer), `node --require midstream-otel/register` and
//      `node --import midstream-otel/register` with a tiny streaming app must export its stream span
//      to a local OTLP receiver.
//   3. types: a project with the tarball alone (no @types/node) type-checks test/package/types-consumer
//      under module commonjs, node16, nodenext and bundler; with skipLibCheck off, midstream's own
//      .d.ts files must be error-free too (errors inside other packages' .d.ts are printed, not failed).
// Usage: node scripts/check-package.mjs [--no-build] [--keep]. Exits non-zero if anything fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startOtlpReceiver } from '../test/support/otlp-receiver.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'midstream-package-check-'));
const CONCURRENCY = 3;
const started = Date.now();
const seconds = (since) => Math.round((Date.now() - since) / 1000);

// Default npm settings: nothing from the repo, the user, the machine or `npm run`'s environment.
const emptyUserConfig = join(work, 'empty-user-npmrc');
const emptyGlobalConfig = join(work, 'empty-global-npmrc');
writeFileSync(emptyUserConfig, '');
writeFileSync(emptyGlobalConfig, '');
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
delete npmEnv.NODE_OPTIONS;
const NPM_DEFAULTS = ['--userconfig', emptyUserConfig, '--globalconfig', emptyGlobalConfig, '--no-audit', '--no-fund', '--prefer-offline'];

function run(cmd, cmdArgs, cwd, env = npmEnv) {
  return new Promise((done) => {
    const child = spawn(cmd, cmdArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => done({ code, out }));
  });
}

function log(line) {
  process.stdout.write(`${line}\n`);
}

// --- the tarball -----------------------------------------------------------------------------------
if (!args.includes('--no-build')) {
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
if (pack.status !== 0) {
  log(pack.stderr);
  process.exit(1);
}
const tarball = join(work, pack.stdout.trim().split('\n').pop());
log(`packed ${tarball}`);

// --- the install matrix ----------------------------------------------------------------------------
function compareVersions(a, b) {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
const split = (spec) => {
  const at = spec.lastIndexOf('@');
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
};
const compareCells = (a, b) => {
  for (let i = 0; i < a.packages.length; i++) {
    const d = compareVersions(split(a.packages[i]).version, split(b.packages[i] ?? a.packages[i]).version);
    if (d !== 0) return d;
  }
  return 0;
};
function devVersion(name) {
  const file = join(root, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

const matrix = JSON.parse(readFileSync(join(root, 'scripts', 'sdk-versions.json'), 'utf8'));
const groups = new Map();
for (const entry of matrix) {
  const key = split(entry.packages[0]).name;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push({ packages: entry.packages, node: entry.node });
}
const cells = [];
for (const [key, entries] of groups) {
  // The dev tree's versions (what the test suite runs on Node 20) count as a claimed version too.
  const names = entries.at(-1).packages.map((p) => split(p).name);
  const dev = names.map((n) => (devVersion(n) ? `${n}@${devVersion(n)}` : undefined));
  if (dev.every(Boolean)) entries.push({ packages: dev });
  entries.sort(compareCells);
  const lowest = entries[0];
  const highest = entries.at(-1);
  cells.push({ group: key, end: 'lowest', ...lowest });
  if (compareCells(lowest, highest) !== 0) cells.push({ group: key, end: 'highest', ...highest });
}

async function installCell(cell) {
  const since = Date.now();
  const dir = join(work, `install-${cells.indexOf(cell)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
  const install = await run('npm', ['install', ...NPM_DEFAULTS, '--legacy-peer-deps=false', ...cell.packages, tarball], dir);
  let ok = install.code === 0;
  let why = ok ? '' : (install.out.match(/npm error (ERESOLVE.*|code .*)/)?.[1] ?? `exit ${install.code}`);
  if (ok) {
    const ls = await run('npm', ['ls', ...NPM_DEFAULTS, '--all'], dir);
    ok = ls.code === 0;
    if (!ok) why = `npm ls: ${ls.out.split('\n').filter((l) => /invalid|missing|ERR/.test(l)).slice(0, 3).join(' | ')}`;
  }
  if (ok) {
    const exporter = JSON.parse(readFileSync(join(dir, 'node_modules', '@opentelemetry', 'exporter-trace-otlp-http', 'package.json'), 'utf8'));
    cell.exporterVersion = exporter.version;
  }
  Object.assign(cell, { dir, ok, why, seconds: seconds(since), out: install.out });
  const note = cell.node ? ` (needs Node ${cell.node}: install only, nothing of it runs on this Node)` : '';
  log(`${ok ? 'ok  ' : 'FAIL'} install next to ${cell.packages.join(' ')} [${cell.group} ${cell.end}]${note} ${cell.seconds} s${ok ? `, exporter-trace-otlp-http ${cell.exporterVersion}` : `: ${why}`}`);
}

async function pool(items, n, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    while (queue.length > 0) await fn(queue.shift());
  }));
}

log(`installing into ${cells.length} fresh projects (${CONCURRENCY} at a time), default npm settings`);
await pool(cells, CONCURRENCY, installCell);
const failures = cells.filter((c) => !c.ok).map((c) => `install next to ${c.packages.join(' ')}`);

// --- the smoke run ---------------------------------------------------------------------------------
const SMOKE_APP = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end('data: one\\n\\ndata: two\\n\\n');
});
server.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/smoke');
  console.log('read', (await res.text()).length);
  server.close();
});
`;
async function smoke(cell, door) {
  const receiver = await startOtlpReceiver();
  try {
    writeFileSync(join(cell.dir, 'smoke.cjs'), SMOKE_APP);
    const env = { ...npmEnv, ...receiver.env, OTEL_SERVICE_NAME: 'package-check', OTEL_METRICS_EXPORTER: 'none' };
    const r = await run(process.execPath, [door, 'midstream-otel/register', 'smoke.cjs'], cell.dir, env);
    const span = receiver.spans.find((s) => s.attributes['midstream.source'] === 'fetch' && s.attributes['url.full']?.endsWith('/smoke'));
    const ok = r.code === 0 && span?.attributes['midstream.outcome'] === 'completed';
    log(`${ok ? 'ok  ' : 'FAIL'} smoke: node ${door} midstream-otel/register next to ${cell.packages.join(' ')} (exporter-trace-otlp-http ${cell.exporterVersion}): ${span ? `span ${span.name}, outcome ${span.attributes['midstream.outcome']}` : 'no span exported'}${r.code === 0 ? '' : `; exit ${r.code}: ${r.out.slice(0, 300)}`}`);
    if (!ok) failures.push(`smoke ${door}`);
  } finally {
    await receiver.close();
  }
}
const smokeCell = cells.find((c) => c.group === '@mistralai/mistralai' && c.end === 'highest' && c.ok) ?? cells.find((c) => c.ok && !c.node);
if (smokeCell === undefined) failures.push('smoke: no installed project to run it in');
else for (const door of ['--require', '--import']) await smoke(smokeCell, door);

// --- the types -------------------------------------------------------------------------------------
const typesDir = join(work, 'types');
mkdirSync(typesDir);
writeFileSync(join(typesDir, 'package.json'), JSON.stringify({ name: 'types-consumer', version: '1.0.0', private: true }));
const typesInstall = await run('npm', ['install', ...NPM_DEFAULTS, tarball], typesDir);
if (typesInstall.code !== 0) {
  failures.push('types: install');
  log(`FAIL types: install of the tarball alone: ${typesInstall.out.slice(0, 500)}`);
} else {
  if (existsSync(join(typesDir, 'node_modules', '@types', 'node'))) failures.push('types: @types/node came with the install');
  const source = join(root, 'test', 'package', 'types-consumer', 'consumer.ts');
  for (const ext of ['ts', 'cts', 'mts']) copyFileSync(source, join(typesDir, `consumer.${ext}`));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const MODES = [
    { module: 'commonjs', moduleResolution: 'node10', files: ['consumer.ts'] },
    { module: 'node16', moduleResolution: 'node16', files: ['consumer.cts', 'consumer.mts'] },
    { module: 'nodenext', moduleResolution: 'nodenext', files: ['consumer.cts', 'consumer.mts'] },
    { module: 'esnext', moduleResolution: 'bundler', files: ['consumer.ts'] },
  ];
  for (const mode of MODES) {
    for (const skipLibCheck of [true, false]) {
      const config = join(typesDir, `tsconfig.${mode.module}.${skipLibCheck}.json`);
      const compilerOptions = {
        noEmit: true,
        strict: true,
        target: 'es2022',
        types: [],
        noUncheckedSideEffectImports: true,
        skipLibCheck,
        module: mode.module,
        moduleResolution: mode.moduleResolution,
      };
      writeFileSync(config, JSON.stringify({ compilerOptions, files: mode.files }));
      const r = await run(process.execPath, [tsc, '-p', config], typesDir);
      const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
      const ours = errors.filter((l) => l.startsWith('consumer.') || l.includes('node_modules/midstream-otel/'));
      const theirs = errors.filter((l) => !ours.includes(l));
      const ok = ours.length === 0 && (skipLibCheck ? errors.length === 0 : true);
      const label = `types: module ${mode.module} (moduleResolution ${mode.moduleResolution}), skipLibCheck ${skipLibCheck}, no @types/node`;
      log(`${ok ? 'ok  ' : 'FAIL'} ${label}${ok ? '' : `:\n  ${(skipLibCheck ? errors : ours).join('\n  ')}`}`);
      if (theirs.length > 0 && !skipLibCheck)
        log(`     note: other packages' .d.ts need Node's types with skipLibCheck off: ${[...new Set(theirs.map((l) => l.split('(')[0]))].join(', ')}`);
      if (!ok) failures.push(label);
    }
  }
}

// --- summary ---------------------------------------------------------------------------------------
if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
log(`${failures.length === 0 ? 'ok' : 'FAIL'}: ${cells.filter((c) => c.ok).length}/${cells.length} installs, smoke, types (${seconds(started)} s)`);
for (const f of failures) log(`  failed: ${f}`);
process.exit(failures.length === 0 ? 0 : 1);
