// runDetached(): nothing the work starts (a timer, a raw TCP socket, an HTTP request to a collector that
// never answers, in any library) keeps the process alive; waitAtMost() alone holds it for the bound.
// Child processes, because "keeps the process alive" is about the event loop of a process that ends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { exitTimeoutFromEnv } from '../../../dist/processor/exit-bound.js';

const EXIT_BOUND = fileURLToPath(new URL('../../../dist/processor/exit-bound.js', import.meta.url));

async function hangingServer(t) {
  const sockets = new Set();
  const server = http.createServer((req) => req.resume());
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return server.address().port;
}

/** Runs `work` (source of a function body) in a child, detached or not, waiting at most 300 ms. */
function runChild(t, port, detached) {
  const script = `
    const net = require('node:net');
    const http = require('node:http');
    const { runDetached, waitAtMost } = require(${JSON.stringify(EXIT_BOUND)});
    const work = () => new Promise((resolve) => {
      setTimeout(resolve, 30000);
      net.connect(${port}, '127.0.0.1');
      http.request('http://127.0.0.1:${port}/v1/traces', { method: 'POST' }).on('error', () => {}).end('{}');
    });
    const started = ${detached} ? runDetached(work) : work();
    void waitAtMost(started, 300).then((r) => console.log('settled', r.settled));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const t0 = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ exited: false, out }), 4000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ exited: true, code, ms: performance.now() - t0, out });
    });
  });
}

describe('runDetached + waitAtMost', () => {
  it('lets the process exit at the bound although a timer, a socket and a request are pending', async (t) => {
    const port = await hangingServer(t);
    const r = await runChild(t, port, true);
    assert.equal(r.exited, true, 'the process exited');
    assert.equal(r.code, 0);
    assert.match(r.out, /settled false/);
    assert.ok(r.ms < 3000, `exited after ${Math.round(r.ms)} ms`);
  });

  it('is what makes the difference: the same work not detached keeps the process alive', async (t) => {
    const port = await hangingServer(t);
    const r = await runChild(t, port, false);
    assert.match(r.out, /settled false/);
    assert.equal(r.exited, false, 'still running after 4 s');
  });
});

describe('MIDSTREAM_EXIT_TIMEOUT_MS', () => {
  function captured(t) {
    const lines = [];
    diag.setLogger({ error: () => {}, warn: (m) => lines.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    t.after(() => diag.disable());
    return lines;
  }

  it('defaults to 1000 ms and takes 0 (do not wait)', (t) => {
    const lines = captured(t);
    assert.equal(exitTimeoutFromEnv({}), 1000);
    assert.equal(exitTimeoutFromEnv({ MIDSTREAM_EXIT_TIMEOUT_MS: '0' }), 0);
    assert.equal(exitTimeoutFromEnv({ MIDSTREAM_EXIT_TIMEOUT_MS: ' 2500 ' }), 2500);
    assert.deepEqual(lines, []);
  });

  it('reads through the configuration contract: one line for a bad value, then the default or the clamped value', (t) => {
    const lines = captured(t);
    assert.equal(exitTimeoutFromEnv({ MIDSTREAM_EXIT_TIMEOUT_MS: 'soon' }), 1000);
    assert.equal(exitTimeoutFromEnv({ MIDSTREAM_EXIT_TIMEOUT_MS: '-5' }), 0);
    assert.equal(exitTimeoutFromEnv({ MIDSTREAM_EXIT_TIMEOUT_MS: '99999999999999999999' }), 60000);
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^midstream: MIDSTREAM_EXIT_TIMEOUT_MS=soon .*using the default 1000$/);
    assert.match(lines[1], /^midstream: MIDSTREAM_EXIT_TIMEOUT_MS=-5 is below the minimum 0; using 0$/);
    assert.match(lines[2], /^midstream: MIDSTREAM_EXIT_TIMEOUT_MS=99999999999999999999 is above the maximum 60000; using 60000$/);
  });

});
