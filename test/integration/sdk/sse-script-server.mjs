// A local provider stand-in: replays a wire fixture (test/fixtures/wire/sdk/<name>.sse) event by
// event, with a real fault chosen by the URL. The SDK's baseURL carries the script:
//   http://127.0.0.1:PORT/<fixture>/<mode>[/v1]
// mode: full | cut<N> (N events, then a clean end) | destroy<N> (N events, then socket.destroy())
//       | hold<N> (N events, then keep the connection open until the client goes) | stall<N>x<MS>
//       (N events, a held write of MS milliseconds, then the rest).
import http from 'node:http';
import { readFileSync } from 'node:fs';

const FIXTURES = new URL('../../fixtures/wire/sdk/', import.meta.url);

/** The events of a fixture, each with its trailing blank line. */
export function loadEvents(name) {
  const text = readFileSync(new URL(`${name}.sse`, FIXTURES), 'utf8');
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => `${block}\n\n`);
}

function parseMode(mode) {
  let m;
  if (mode === 'full') return { count: Infinity, then: 'end' };
  if ((m = /^cut(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'end' };
  if ((m = /^destroy(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'destroy' };
  if ((m = /^hold(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'hold' };
  if ((m = /^stall(\d+)x(\d+)$/.exec(mode))) return { count: Infinity, then: 'end', stallAfter: Number(m[1]), stallMs: Number(m[2]) };
  throw new Error(`unknown mode ${mode}`);
}

function write(res, chunk) {
  return new Promise((resolve) => res.write(chunk, resolve));
}

async function play(req, res, fixture, mode) {
  const events = loadEvents(fixture);
  const script = parseMode(mode);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_test' });
  const n = Math.min(script.count, events.length);
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    if (script.stallAfter === i) await new Promise((r) => setTimeout(r, script.stallMs));
    await write(res, events[i]);
  }
  if (script.then === 'end') res.end();
  else if (script.then === 'destroy') res.socket.destroy();
  // 'hold': leave it open; the client's abort closes it.
}

/** Starts the server on 127.0.0.1:0; closes it (and open sockets) after the test `t`. */
export async function startScriptServer(t) {
  const sockets = new Set();
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const [fixture, mode] = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
      requests.push({ method: req.method, url: req.url, body: body ? JSON.parse(body) : undefined });
      play(req, res, fixture, mode).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address();
  return { port, requests, baseURL: (fixture, mode, suffix = '') => `http://127.0.0.1:${port}/${fixture}/${mode}${suffix}` };
}
