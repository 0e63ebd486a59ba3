// A local Bedrock runtime stand-in over HTTP/2 cleartext (h2c, node:http2), which the SDK's own
// NodeHttp2Handler connects to for an http:// endpoint. It replays a fixture
// (test/fixtures/wire/sdk/bedrock/<name>.json) as AWS event-stream binary messages, with a real
// fault chosen by the endpoint path: http://127.0.0.1:PORT/<fixture>/<mode> (the SDK appends
// /model/<modelId>/converse-stream or /invoke-with-response-stream).
// mode: full | cut<N> (N messages, then a clean end) | partial<N> (N messages, then half of the next,
//       then a clean end) | destroy<N> (N messages, then the TCP socket is destroyed;
//       HTTP/2: session.destroy())
//       | rst<N> (N messages, then RST_STREAM INTERNAL_ERROR) | hold<N> (N messages, then nothing
//       until the client goes) | stall<N>x<MS> (N messages, a held write of MS ms, then the rest).
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { encodeEvent, encodeException } from '../../../support/aws-event-stream.mjs';

const PREFACE = Buffer.from('PRI * HTTP/2.0');
const FIXTURES = new URL('../../../fixtures/wire/sdk/bedrock/', import.meta.url);

/**
 * The messages of a fixture as encoded frames. Fixture entries: {event, body} (a union member),
 * {chunk: <model JSON>} (InvokeModelWithResponseStream: the JSON goes base64 in `bytes`), or
 * {exception, body}.
 */
export function loadFrames(name) {
  const entries = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
  return entries.map((e) => {
    if (e.exception !== undefined) return encodeException(e.exception, e.body);
    if (e.chunk !== undefined) return encodeEvent('chunk', { bytes: Buffer.from(JSON.stringify(e.chunk)).toString('base64') });
    return encodeEvent(e.event, e.body);
  });
}

function parseMode(mode) {
  let m;
  if (mode === 'full') return { count: Infinity, then: 'end' };
  if ((m = /^(cut|partial|destroy|rst|hold)(\d+)$/.exec(mode))) return { count: Number(m[2]), then: m[1] };
  if ((m = /^stall(\d+)x(\d+)$/.exec(mode)))
    return { count: Infinity, then: 'end', stallAfter: Number(m[1]), stallMs: Number(m[2]) };
  throw new Error(`unknown mode ${mode}`);
}

/** One response, over HTTP/2 (a ServerHttp2Stream) or HTTP/1.1 (a ServerResponse), for `play`. */
function h2Response(stream) {
  return {
    get destroyed() {
      return stream.destroyed;
    },
    respond: (headers) => stream.respond({ ':status': 200, ...headers }),
    write: (chunk) => new Promise((resolve) => stream.write(chunk, resolve)),
    end: (chunk) => stream.end(chunk),
    // Terminates the session and its TCP socket at once (the session's socket is a guarded proxy).
    destroy: () => stream.session.destroy(),
    reset: () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR),
  };
}

function h1Response(res) {
  return {
    get destroyed() {
      return res.destroyed;
    },
    respond: (headers) => res.writeHead(200, headers),
    write: (chunk) => new Promise((resolve) => res.write(chunk, resolve)),
    end: (chunk) => res.end(chunk),
    destroy: () => res.socket.destroy(),
    reset: () => res.socket.destroy(),
  };
}

async function play(res, fixture, mode) {
  const frames = loadFrames(fixture);
  const script = parseMode(mode);
  res.respond({ 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-bedrock-1' });
  const n = Math.min(script.count, frames.length);
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    if (script.stallAfter === i) await new Promise((r) => setTimeout(r, script.stallMs));
    await res.write(frames[i]);
  }
  if (script.then === 'end' || script.then === 'cut') res.end();
  else if (script.then === 'partial') res.end(frames[n].subarray(0, frames[n].length >> 1));
  else if (script.then === 'destroy') res.destroy();
  else if (script.then === 'rst') res.reset();
  // 'hold': leave it open; the client's abort or cancel closes it.
}

function readBody(req, onEnd) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => onEnd(body));
}

/**
 * Starts the server on 127.0.0.1:0; closes it (and its connections) after the test `t`. One port
 * serves h2c with prior knowledge (what the SDK's NodeHttp2Handler speaks to an http:// endpoint)
 * and HTTP/1.1 (the default handler of older SDK versions), told apart by the HTTP/2 preface.
 */
export async function startEventStreamServer(t) {
  const sockets = new Set();
  const requests = [];
  const handle = (protocol, path, authorization, res) => (body) => {
    const [fixture, mode] = path.split('/').filter(Boolean);
    requests.push({ protocol, path, body, authorization });
    play(res, fixture, mode).catch(() => res.reset());
  };
  const h2 = http2.createServer();
  h2.on('session', (s) => s.on('error', () => undefined));
  h2.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    readBody(stream, handle('h2', headers[':path'], headers.authorization, h2Response(stream)));
  });
  const h1 = http.createServer((req, res) => {
    readBody(req, handle('http/1.1', req.url, req.headers.authorization, h1Response(res)));
  });
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('readable', () => {
      const head = socket.read();
      if (head === null) return;
      socket.unshift(head);
      (head.subarray(0, PREFACE.length).equals(PREFACE) ? h2 : h1).emit('connection', socket);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address();
  return { port, requests, endpoint: (fixture, mode) => `http://127.0.0.1:${port}/${fixture}/${mode}` };
}
