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
import { readFileSync } from 'node:fs';
import { parseMode, playRecords, serveScripts } from '../script-player.mjs';

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

async function play(res, fixture, mode) {
  const script = parseMode(mode);
  if (script.status !== undefined) {
    res.writeHead(script.status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(
      JSON.stringify({ error: { code: script.status, message: 'Resource has been exhausted.', status: 'RESOURCE_EXHAUSTED' } }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-gemini-service-tier': 'standard' });
  await playRecords(res, loadEvents(fixture), script);
}

/** Starts the server on 127.0.0.1:0; closes it (and open sockets) after the test `t`. */
export async function startGeminiServer(t) {
  const requests = [];
  const served = new Map();
  const port = await serveScripts(t, async (req, res, body) => {
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
    await play(res, pick(script.split('+')), pick(modes.split('+')));
  });
  return { port, requests, baseUrl: (script, mode) => `http://127.0.0.1:${port}/${script}/${mode}` };
}
