// A local provider stand-in for NDJSON streams (ollama, cohere v1, ...): replays a wire fixture
// (test/fixtures/wire/sdk/<name>.ndjson) line by line, with a real fault chosen by the URL, like
// sse-script-server.mjs. The SDK's base URL carries the script:
//   http://127.0.0.1:PORT/<fixture>/<mode>[/any/api/path]
// mode: full | cut<N> (N lines, then a clean end) | destroy<N> (N lines, then socket.destroy())
//       | hold<N> (N lines, then keep the connection open until the client goes) | stall<N>x<MS>
//       (N lines, a held write of MS milliseconds, then the rest) | split (every line written in
//       two writes, cut inside the JSON and inside a multi-byte character when there is one).
import { readFileSync } from 'node:fs';
import { parseMode, playRecords, serveScripts } from './script-player.mjs';

const FIXTURES = new URL('../../fixtures/wire/sdk/', import.meta.url);

/** The lines of a fixture, each with its trailing newline. */
export function loadLines(name) {
  const text = readFileSync(new URL(`${name}.ndjson`, FIXTURES), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `${line}\n`);
}

/**
 * Starts the server on 127.0.0.1:0; closes it (and open sockets) after the test `t`.
 * `contentType` is the response media type (ollama: application/x-ndjson).
 */
export async function startNdjsonServer(t, { contentType = 'application/x-ndjson' } = {}) {
  const requests = [];
  const port = await serveScripts(t, async (req, res, body) => {
    const [fixture, mode] = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
    requests.push({ method: req.method, url: req.url, body: body ? JSON.parse(body) : undefined });
    const script = parseMode(mode);
    res.writeHead(200, { 'content-type': contentType, 'x-request-id': 'req_test' });
    await playRecords(res, loadLines(fixture), script);
  });
  return { port, requests, baseURL: (fixture, mode, suffix = '') => `http://127.0.0.1:${port}/${fixture}/${mode}${suffix}` };
}
