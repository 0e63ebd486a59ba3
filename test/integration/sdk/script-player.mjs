// What the local provider stand-ins share (sse-script-server, ndjson-script-server, the Gemini and
// runTools servers): the fault-mode grammar, replaying wire records with a real fault, and an HTTP
// server on 127.0.0.1:0 that is closed with its sockets after the test.
//
// mode: full | cut<N> (N records, then a clean end) | destroy<N> (N records, then socket.destroy())
//       | hold<N> (N records, then keep the connection open until the client goes)
//       | stall<N>x<MS> (N records, a held write of MS milliseconds, then the rest)
//       | partial<N> (N records, half of the next, then a clean end)
//       | split (every record in two writes, cut inside the first multi-byte character, else in the middle)
//       | drip<N> (all records in N-byte writes, splitting line ends and UTF-8 sequences)
//       | status<CODE> (no stream: the server answers that HTTP status; the caller writes the body)
import http from 'node:http';

export function parseMode(mode) {
  let m;
  if (mode === 'full') return { count: Infinity, then: 'end' };
  if (mode === 'split') return { count: Infinity, then: 'end', split: true };
  if ((m = /^cut(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'end' };
  if ((m = /^partial(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'partial' };
  if ((m = /^destroy(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'destroy' };
  if ((m = /^hold(\d+)$/.exec(mode))) return { count: Number(m[1]), then: 'hold' };
  if ((m = /^stall(\d+)x(\d+)$/.exec(mode))) return { count: Infinity, then: 'end', stallAfter: Number(m[1]), stallMs: Number(m[2]) };
  if ((m = /^drip(\d+)$/.exec(mode))) return { count: Infinity, then: 'end', drip: Number(m[1]) };
  if ((m = /^status(\d+)$/.exec(mode))) return { status: Number(m[1]) };
  throw new Error(`unknown mode ${mode}`);
}

function write(res, chunk) {
  return new Promise((resolve) => res.write(chunk, resolve));
}

/** Two byte slices of `record`: cut inside the first multi-byte character, else in the middle. */
function halves(record) {
  const bytes = Buffer.from(record, 'utf8');
  let cut = bytes.findIndex((b) => b >= 0x80);
  cut = cut === -1 ? Math.floor(bytes.length / 2) : cut + 1;
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

/** Writes `records` (after the caller's writeHead) as `script` (from parseMode) says. */
export async function playRecords(res, records, script) {
  if (script.drip !== undefined) {
    const bytes = Buffer.from(records.join(''), 'utf8');
    for (let i = 0; i < bytes.length && !res.destroyed; i += script.drip) await write(res, bytes.subarray(i, i + script.drip));
    res.end();
    return;
  }
  const n = Math.min(script.count, records.length);
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    if (script.stallAfter === i) await new Promise((r) => setTimeout(r, script.stallMs));
    if (script.split) for (const part of halves(records[i])) await write(res, part);
    else await write(res, records[i]);
  }
  if (script.then === 'partial' && records[n] !== undefined) await write(res, records[n].slice(0, records[n].length >> 1));
  if (script.then === 'end' || script.then === 'partial') res.end();
  else if (script.then === 'destroy') res.socket.destroy();
  // 'hold': leave it open; the client's abort (or the test's cleanup) closes it.
}

/**
 * Starts an HTTP server on 127.0.0.1:0 that calls `onRequest(req, res, body)` once the request body
 * (utf8) is read; closes it and its open sockets after the test `t`. Returns its port.
 */
export async function serveScripts(t, onRequest) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      Promise.resolve()
        .then(() => onRequest(req, res, body))
        .catch(() => res.destroy());
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
  return server.address().port;
}
