// A local provider stand-in for NDJSON streams (ollama, cohere v1, ...): replays a wire fixture
// (test/fixtures/wire/sdk/<name>.ndjson) line by line, with a real fault chosen by the URL, like
// sse-script-server.mjs. The SDK's base URL carries the script:
//   http://127.0.0.1:PORT/<fixture>/<mode>[/any/api/path]
// mode: full | cut<N> (N lines, then a clean end) | destroy<N> (N lines, then socket.destroy())
//       | hold<N> (N lines, then keep the connection open until the client goes) | stall<N>x<MS>
//       (N lines, a held write of MS milliseconds, then the rest) | split (every line written in
//       two writes, cut inside the JSON and inside a multi-byte character when there is one).
import http from 'node:http';
import { readFileSync } from 'node:fs';

const FIXTURES = new URL('../../fixtures/wire/sdk/', import.meta.url);

/** The lines of a fixture, each with its trailing newline. */
export function loadLines(name) {
  const text = readFileSync(new URL(`${name}.ndjson`, FIXTURES), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `${line}\n`);
}

function parseMode(mode) {
  let m;
  if (mode === 'full') return { count: Infinity, then: 'end' };
  if (mode === 'split') return { count: Infinity, then: 'end', split: true };
  if ((m = /^cut(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'end' };
  if ((m = /^destroy(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'destroy' };
  if ((m = /^hold(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'hold' };
  if ((m = /^stall(\d+)x(\d+)$/.exec(mode)))
    return { count: Infinity, then: 'end', stallAfter: Number(m[1]), stallMs: Number(m[2]) };
  throw new Error(`unknown mode ${mode}`);
}

function write(res, chunk) {
  return new Promise((resolve) => res.write(chunk, resolve));
}

/** Two byte slices of `line`: cut inside the first multi-byte character, else in the middle. */
function halves(line) {
  const bytes = Buffer.from(line, 'utf8');
  let cut = bytes.findIndex((b) => b >= 0x80);
  cut = cut === -1 ? Math.floor(bytes.length / 2) : cut + 1;
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

async function play(res, fixture, mode, contentType) {
  const lines = loadLines(fixture);
  const script = parseMode(mode);
  res.writeHead(200, { 'content-type': contentType, 'x-request-id': 'req_test' });
  const n = Math.min(script.count, lines.length);
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    if (script.stallAfter === i) await new Promise((r) => setTimeout(r, script.stallMs));
    if (script.split) for (const part of halves(lines[i])) await write(res, part);
    else await write(res, lines[i]);
  }
  if (script.then === 'end') res.end();
  else if (script.then === 'destroy') res.socket.destroy();
  // 'hold': leave it open; the client's abort closes it.
}

/**
 * Starts the server on 127.0.0.1:0; closes it (and open sockets) after the test `t`.
 * `contentType` is the response media type (ollama: application/x-ndjson).
 */
export async function startNdjsonServer(t, { contentType = 'application/x-ndjson' } = {}) {
  const sockets = new Set();
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const [fixture, mode] = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
      requests.push({ method: req.method, url: req.url, body: body ? JSON.parse(body) : undefined });
      play(res, fixture, mode, contentType).catch(() => res.destroy());
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
