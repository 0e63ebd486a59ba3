// Every README example runs as written. Each ```js block names its file on its first line
// (`// app.js — run: <command>`); the test writes them all into one project whose node_modules holds
// the repo's packages and midstream-otel itself, runs every `run:` command, the quick-look line and
// the `--import` door line, with the openai SDK pointed at a local stand-in (OPENAI_BASE_URL, which
// the SDK reads from the environment) and OTLP at a real receiver, and checks what the README promises.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startScriptServer } from '../integration/sdk/sse-script-server.mjs';
import { ROOT } from './harness.mjs';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
// Fragments (a few lines per framework) are fenced ```js snippet: not files to run, but valid JavaScript
// inside an async function body.
const SNIPPETS = [...README.matchAll(/```js snippet\n([\s\S]*?)```/g)].map((m) => m[1]);
const AsyncFunction = (async () => {}).constructor;
const HEADER = /^\/\/ (\S+)(?: — run: (.+))?\n/;
const QUICK_LOOK = /^OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=none node --require midstream-otel\/register app\.js$/m;
const IMPORT_DOOR = /^node --import {2}midstream-otel\/register app\.mjs/m;

/** Runs `command` with sh in `cwd`; resolves with exit code, output and elapsed ms. */
function sh(command, cwd, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('README examples', () => {
  let dir;
  let server;
  const runs = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'midstream-readme-'));
    const modules = join(dir, 'node_modules');
    mkdirSync(modules);
    for (const name of readdirSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
    symlinkSync(ROOT, join(modules, 'midstream-otel'));
    for (const block of BLOCKS) {
      const header = HEADER.exec(block);
      if (header) writeFileSync(join(dir, header[1]), block);
    }
    server = await startScriptServer({ after: (fn) => runs.push(fn) });
  });
  after(async () => {
    for (const fn of runs) await fn();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `command` in the examples' project against a fresh OTLP receiver. */
  async function run(t, command, extraEnv = {}) {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const env = {
      ...process.env,
      OTEL_SERVICE_NAME: 'readme',
      OPENAI_BASE_URL: server.baseURL('openai-chat', 'full', '/v1'),
      OPENAI_API_KEY: 'test',
      ...receiver.env,
      ...extraEnv,
    };
    delete env.NODE_OPTIONS;
    delete env.NODE_TEST_CONTEXT;
    const result = await sh(command, dir, env);
    assert.equal(result.code, 0, `${command}\n${result.stderr}`);
    return { ...result, receiver };
  }

  const chatSpan = (receiver) => receiver.spans.find((s) => s.name === 'chat gpt-4o-mini' && s.attributes['midstream.source'] === 'openai');

  it('names the file (and the command that runs it) on the first line of every js block', () => {
    assert.ok(BLOCKS.length >= 6, `${BLOCKS.length} blocks`);
    const unnamed = BLOCKS.filter((b) => !HEADER.test(b)).map((b) => b.split('\n')[0]);
    assert.deepEqual(unnamed, []);
    const commands = BLOCKS.map((b) => HEADER.exec(b)[2]).filter(Boolean).join('\n');
    for (const file of BLOCKS.map((b) => HEADER.exec(b)[1])) assert.ok(commands.includes(file), `${file} is run by no command`);
  });

  it('every js snippet block is valid JavaScript (as the body of an async function)', () => {
    assert.ok(SNIPPETS.length >= 1, `${SNIPPETS.length} snippet blocks`);
    for (const snippet of SNIPPETS) assert.doesNotThrow(() => new AsyncFunction(snippet), snippet.split('\n')[0]);
  });

  it('app.js under --require exports a completed chat span with token usage, having asked for it', async (t) => {
    const command = HEADER.exec(BLOCKS.find((b) => b.startsWith('// app.js')))[2];
    const before = server.requests.length;
    const { receiver, stderr } = await run(t, command);
    const span = chatSpan(receiver);
    assert.ok(span, JSON.stringify(receiver.spans.map((s) => s.name)));
    assert.equal(span.attributes['midstream.outcome'], 'completed');
    assert.equal(typeof span.attributes['gen_ai.usage.output_tokens'], 'number');
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.deepEqual(server.requests[before].body.stream_options, { include_usage: true });
    assert.equal(stderr, '');
  });

  it('the quick look prints the spans on stdout, needs no collector and exits promptly', async (t) => {
    const command = QUICK_LOOK.exec(README)?.[0];
    assert.ok(command, 'the quick-look line is in the README');
    // No OTLP endpoint at all: a collector that is not there must not matter.
    const { stdout, stderr, ms } = await run(t, command, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    assert.match(stdout, /name: 'chat gpt-4o-mini'/);
    assert.match(stdout, /'midstream\.outcome': 'completed'/);
    assert.equal(stderr, '');
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('the --import door line runs the ESM app with its chat span', async (t) => {
    const command = IMPORT_DOOR.exec(README)?.[0];
    assert.ok(command, 'the --import line is in the README');
    const { receiver } = await run(t, command);
    assert.equal(chatSpan(receiver)?.attributes['midstream.outcome'], 'completed');
  });

  it('job.js ends with shutdownMidstream() and exits cleanly', async (t) => {
    const command = HEADER.exec(BLOCKS.find((b) => b.startsWith('// job.js')))[2];
    const { stderr } = await run(t, command);
    assert.equal(stderr, '');
  });

  it('telemetry.js (NodeSDK, CommonJS) exports the chat span and, through sdk.shutdown(), the metrics', async (t) => {
    const command = HEADER.exec(BLOCKS.find((b) => b.startsWith('// telemetry.js')))[2];
    const { receiver } = await run(t, command);
    assert.equal(chatSpan(receiver)?.attributes['midstream.outcome'], 'completed');
    const outcomes = receiver.metrics.filter((m) => m.name === 'midstream.stream.outcomes');
    assert.ok(outcomes.length > 0, 'the outcome metric was exported at shutdown');
  });

  it('telemetry.mjs (NodeSDK, ESM, loader hook) patches the ESM app: the chat span, not only the fetch span', async (t) => {
    const command = HEADER.exec(BLOCKS.find((b) => b.startsWith('// telemetry.mjs')))[2];
    const { receiver } = await run(t, command);
    assert.equal(chatSpan(receiver)?.attributes['midstream.outcome'], 'completed', JSON.stringify(receiver.spans.map((s) => s.name)));
  });

  it('manual.js prints the text and exports its trackStream span as completed', async (t) => {
    const command = HEADER.exec(BLOCKS.find((b) => b.startsWith('// manual.js')))[2];
    const { stdout, receiver } = await run(t, command);
    assert.equal(stdout, 'Hello');
    const span = receiver.spans.find((s) => s.name === 'chat my-model');
    assert.equal(span?.attributes['midstream.outcome'], 'completed');
  });
});
