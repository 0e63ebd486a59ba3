// A local provider stand-in: replays a wire fixture (test/fixtures/wire/sdk/<name>.sse) event by
// event, with a real fault chosen by the URL. The SDK's baseURL carries the script:
//   http://127.0.0.1:PORT/<fixture>/<mode>[/v1]
// mode: one of script-player.mjs (full | cut<N> | destroy<N> | hold<N> | stall<N>x<MS> | ...), per event.
import { readFileSync } from 'node:fs';
import { parseMode, playRecords, serveScripts } from './script-player.mjs';

const FIXTURES = new URL('../../fixtures/wire/sdk/', import.meta.url);

/** The events of a fixture, each with its trailing blank line. */
export function loadEvents(name) {
  const text = readFileSync(new URL(`${name}.sse`, FIXTURES), 'utf8');
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => `${block}\n\n`);
}

/** Starts the server on 127.0.0.1:0; closes it (and open sockets) after the test `t`. */
export async function startScriptServer(t) {
  const requests = [];
  const port = await serveScripts(t, async (req, res, body) => {
    const [fixture, mode] = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
    requests.push({ method: req.method, url: req.url, body: body ? JSON.parse(body) : undefined });
    const script = parseMode(mode);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_test' });
    await playRecords(res, loadEvents(fixture), script);
  });
  return { port, requests, baseURL: (fixture, mode, suffix = '') => `http://127.0.0.1:${port}/${fixture}/${mode}${suffix}` };
}
