// A local Gemini API stand-in: `POST /<script>/<mode>/v1beta/models/{model}:streamGenerateContent?alt=sse`
// replays wire fixtures (test/fixtures/wire/sdk/<name>.sse, events `data: {json}\r\n\r\n`, no [DONE])
// with a real fault. The SDK's `httpOptions.baseUrl` carries the script. Requests of one script
// are numbered: `a+b` serves fixture a to the 1st request and b to the next ones (continuation hops,
// function-calling turns); a mode list `full+cut2` works the same way.
// mode: full | cut<N> (N events, then a clean end) | destroy<N> (N events, then socket.destroy())
//       | hold<N> (N events, then keep the connection open) | stall<N>x<MS> (N events, a held write
//       of MS milliseconds, then the rest) | partial<N> (N events, half of the next, then a clean end)
//       | status<CODE> (an HTTP error with Google's JSON error body) | drip<N> (the whole fixture in
//       N-byte writes, splitting CRLFs and UTF-8 sequences).
import http from 'node:http';
import { readFileSync } from 'node:fs';

const FIXTURES = new URL('../../../fixtures/wire/sdk/', import.meta.url);
// Gemini Developer API: /v1beta/models/{model} (/v1/ from @google/genai 3.x); Vertex AI (API-key "express" mode): /v1beta1/publishers/google/models/{model}.
const PATH = /^\/([^/]+)\/([^/]+)\/(?:v1(?:beta)?\/|v1beta1\/publishers\/google\/)models\/([^/:]+):streamGenerateContent$/;

/** The events of a fixture, each with its trailing CRLF CRLF. */
export function loadEvents(name) {
  const text = readFileSync(new URL(`${name}.sse`, FIXTURES), 'utf8');
  return text
    .split('\r\n\r\n')
    .filter((block) => block.trim() !== '')
    .map((block) => `${block}\r\n\r\n`);
}

function parseMode(mode) {
  let m;
  if (mode === 'full') return { count: Infinity, then: 'end' };
  if ((m = /^cut(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'end' };
  if ((m = /^partial(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'partial' };
  if ((m = /^destroy(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'destroy' };
  if ((m = /^hold(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'hold' };
  if ((m = /^stall(\d+)x(\d+)$/.exec(mode)))
    return { count: Infinity, then: 'end', stallAfter: Number(m[1]), stallMs: Number(m[2]) };
  if ((m = /^status(\d+)$/.exec(mode))) return { status: Number(m[1]) };
  if ((m = /^drip(\d+)$/.exec(mode))) return { drip: Number(m[1]) };
  throw new Error(`unknown mode ${mode}`);
}

function write(res, chunk) {
  return new Promise((resolve) => res.write(chunk, resolve));
}

async function play(res, fixture, mode) {
  const script = parseMode(mode);
  if (script.status !== undefined) {
    res.writeHead(script.status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(
      JSON.stringify({ error: { code: script.status, message: 'Resource has been exhausted.', status: 'RESOURCE_EXHAUSTED' } }),
    );
    return;
  }
  const events = loadEvents(fixture);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-gemini-service-tier': 'standard' });
  if (script.drip !== undefined) {
    const bytes = Buffer.from(events.join(''), 'utf8');
    for (let i = 0; i < bytes.length && !res.destroyed; i += script.drip) await write(res, bytes.subarray(i, i + script.drip));
    res.end();
    return;
  }
  const n = Math.min(script.count, events.length);
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    if (script.stallAfter === i) await new Promise((r) => setTimeout(r, script.stallMs));
    await write(res, events[i]);
  }
  if (script.then === 'partial' && events[n] !== undefined) await write(res, events[n].slice(0, events[n].length >> 1));
  if (script.then === 'end' || script.then === 'partial') res.end();
  else if (script.then === 'destroy') res.socket.destroy();
  // 'hold': leave it open; the client's abort (or the test's cleanup) closes it.
}

/** Starts the server on 127.0.0.1:0; closes it (and open sockets) after the test `t`. */
export async function startGeminiServer(t) {
  const sockets = new Set();
  const requests = [];
  const served = new Map();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const m = PATH.exec(url.pathname);
      if (req.method !== 'POST' || m === null || url.searchParams.get('alt') !== 'sse') {
        res.writeHead(404).end();
        return;
      }
      const [, script, modes, model] = m;
      const index = served.get(`${script}/${modes}`) ?? 0;
      served.set(`${script}/${modes}`, index + 1);
      const pick = (list) => list[Math.min(index, list.length - 1)];
      requests.push({ model, key: req.headers['x-goog-api-key'], body: body ? JSON.parse(body) : undefined });
      play(res, pick(script.split('+')), pick(modes.split('+'))).catch(() => res.destroy());
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
  return { port, requests, baseUrl: (script, mode) => `http://127.0.0.1:${port}/${script}/${mode}` };
}
