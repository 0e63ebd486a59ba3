// A local Bedrock runtime stand-in over HTTP/2 cleartext (h2c, node:http2), which the SDK's own
// NodeHttp2Handler connects to for an http:// endpoint. It replays a fixture
// (test/fixtures/wire/sdk/bedrock/<name>.json) as AWS event-stream binary messages, with a real
// fault chosen by the endpoint path: http://127.0.0.1:PORT/<fixture>/<mode> (the SDK appends
// /model/<modelId>/converse-stream or /invoke-with-response-stream).
// mode: full | cut<N> (N messages, then a clean end) | partial<N> (N messages, then half of the next,
//       then a clean end) | destroy<N> (N messages, then the TCP socket is destroyed)
//       | rst<N> (N messages, then RST_STREAM INTERNAL_ERROR) | hold<N> (N messages, then nothing
//       until the client goes) | stall<N>x<MS> (N messages, a held write of MS ms, then the rest).
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { encodeEvent, encodeException } from '../../../support/aws-event-stream.mjs';

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

function write(stream, chunk) {
  return new Promise((resolve) => stream.write(chunk, resolve));
}

async function play(stream, fixture, mode) {
  const frames = loadFrames(fixture);
  const script = parseMode(mode);
  stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-bedrock-1' });
  const n = Math.min(script.count, frames.length);
  for (let i = 0; i < n; i++) {
    if (stream.destroyed) return;
    if (script.stallAfter === i) await new Promise((r) => setTimeout(r, script.stallMs));
    await write(stream, frames[i]);
  }
  if (script.then === 'end' || script.then === 'cut') stream.end();
  else if (script.then === 'partial') stream.end(frames[n].subarray(0, frames[n].length >> 1));
  else if (script.then === 'destroy') stream.session.socket.destroy();
  else if (script.then === 'rst') stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  // 'hold': leave it open; the client's abort or cancel closes it.
}

/** Starts the h2c server on 127.0.0.1:0; closes it (and its sessions) after the test `t`. */
export async function startEventStreamServer(t) {
  const sessions = new Set();
  const requests = [];
  const server = http2.createServer();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c) => (body += c));
    stream.on('end', () => {
      const path = headers[':path'];
      const [fixture, mode] = path.split('/').filter(Boolean);
      requests.push({ path, body, authorization: headers.authorization });
      play(stream, fixture, mode).catch(() => stream.destroy());
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sessions) s.destroy();
    server.close();
  });
  const { port } = server.address();
  return { port, requests, endpoint: (fixture, mode) => `http://127.0.0.1:${port}/${fixture}/${mode}` };
}
