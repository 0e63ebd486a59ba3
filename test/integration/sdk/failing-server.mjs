// A provider stand-in that fails before any stream: /status<CODE>/... answers that HTTP status with
// a JSON error body (and `retry-after-ms: 1`, so an SDK's default retries back off briefly);
// /hang/... never answers (for an abort before the headers). closedPort() is a port nobody listens on.
import http from 'node:http';
import { serveScripts } from './script-player.mjs';

export async function startFailingServer(t) {
  const requests = [];
  const port = await serveScripts(t, async (req, res) => {
    const [mode] = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
    requests.push(req.url);
    const m = /^status(\d+)$/.exec(mode);
    if (m === null) return; // hang: keep the request open until the client goes
    const body = JSON.stringify({ error: { message: 'failed on purpose', type: 'server_error', code: null } });
    res.writeHead(Number(m[1]), { 'content-type': 'application/json', 'retry-after-ms': '1', 'x-should-retry': 'true' });
    res.end(body);
  });
  return { port, requests, baseURL: (mode, suffix = '') => `http://127.0.0.1:${port}/${mode}${suffix}` };
}

/** A port that was free a moment ago and has no listener now: connecting is refused. */
export async function closedPort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The parent span id of a finished span (sdk-trace 2.x and 1.x shapes). */
export function parentIdOf(span) {
  return span.parentSpanContext?.spanId ?? span.parentSpanId;
}
