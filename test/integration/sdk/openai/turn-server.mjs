// A provider stand-in for multi-request helpers (runTools makes one streaming request per model
// turn): request i replays turns[i] = [fixture, mode] with mode full | cut<N> | destroy<N> | hold<N>
// as in sse-script-server.mjs.
import { loadEvents } from '../sse-script-server.mjs';
import { parseMode, playRecords, serveScripts } from '../script-player.mjs';

/** Starts the server on 127.0.0.1:0; closes it after the test `t`. */
export async function startTurnServer(t, turns) {
  const requests = [];
  const port = await serveScripts(t, async (req, res, body) => {
    const turn = turns[requests.length];
    requests.push({ url: req.url, body: body ? JSON.parse(body) : undefined });
    if (turn === undefined) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no more turns"}}');
      return;
    }
    const script = parseMode(turn[1]);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_turn' });
    await playRecords(res, loadEvents(turn[0]), script);
  });
  return { requests, baseURL: `http://127.0.0.1:${port}/v1` };
}
