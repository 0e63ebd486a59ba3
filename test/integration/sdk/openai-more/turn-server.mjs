// A provider stand-in for multi-request helpers (runTools makes one streaming request per model
// turn): request i replays turns[i] = [fixture, mode] with mode full | cut<N> | destroy<N> | hold<N>
// as in sse-script-server.mjs.
import http from 'node:http';
import { loadEvents } from '../sse-script-server.mjs';

function write(res, chunk) {
  return new Promise((resolve) => res.write(chunk, resolve));
}

async function play(res, fixture, mode) {
  const events = loadEvents(fixture);
  const cut = /^cut(\d+)$/.exec(mode);
  const destroy = /^destroy(\d+)$/.exec(mode);
  const hold = /^hold(\d+)$/.exec(mode);
  const n = Number((cut ?? destroy ?? hold)?.[1] ?? events.length);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_turn' });
  for (let i = 0; i < n && i < events.length; i++) {
    if (res.destroyed) return;
    await write(res, events[i]);
  }
  if (destroy) res.socket.destroy();
  else if (!hold) res.end();
  // hold: left open until the client goes.
}

/** Starts the server on 127.0.0.1:0; closes it after the test `t`. */
export async function startTurnServer(t, turns) {
  const sockets = new Set();
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const turn = turns[requests.length];
      requests.push({ url: req.url, body: body ? JSON.parse(body) : undefined });
      if (turn === undefined) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no more turns"}}');
        return;
      }
      play(res, turn[0], turn[1]).catch(() => res.destroy());
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
  return { requests, baseURL: `http://127.0.0.1:${server.address().port}/v1` };
}
