// A scripted streaming server for tests and the demo: real sockets on 127.0.0.1, real faults.
//
//   import { startSseServer, openAIChatEvents, anthropicEvents } from '../../support/sse-server.mjs';
//   const server = await startSseServer({ events: openAIChatEvents(['Hel', 'lo']), fault: 'destroy-after:2' });
//   t.after(() => server.close());
//   const res = await fetch(server.url('/v1/chat/completions'));
//
// startSseServer(script) -> Promise<{ url(path = '/'), origin, port, requests, close() }>
//   script: Script, or (req, url) => Script to choose per request (url is a URL; e.g. by path or query).
//   requests: [{ method, path, headers, body }] of every request received (body as a string).
//   close(): closes the server and destroys open sockets; returns a Promise.
// Script fields (all optional):
//   events       Array<string | Buffer | { event?, data, id? }>: strings and Buffers are written as raw
//                wire bytes (one write each), objects are formatted as one SSE event. Default [].
//   fault        'none' (default): write every event, then end.
//                'destroy-after:N': write N events, then destroy the socket (client sees a reset).
//                'end-early-after:N': write N events, then a clean end (no terminal marker).
//                'stall:MS@N': write N events, hold the next write MS milliseconds, write the rest.
//                'error-event' | 'error-event-after:N': write N events (default all but the last),
//                then an Anthropic-style `event: error` and a clean end.
//                'hold-after:N': write N events, then keep the response open until the client goes.
//   contentType  default 'text/event-stream'. status: default 200. headers: extra response headers.
//   delayMs      pause between writes, default 2 (each write is its own TCP segment in practice).
import http from 'node:http';

/** Formats one SSE event: `event:` line if given, `data:` lines (split on \n), blank line. */
export function sse({ event, data, id }) {
  let out = '';
  if (event !== undefined) out += `event: ${event}\n`;
  if (id !== undefined) out += `id: ${id}\n`;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  for (const line of text.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** OpenAI Chat Completions stream events for `texts`, with finish_reason and `[DONE]` (last event). */
export function openAIChatEvents(texts, model = 'gpt-test') {
  const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model };
  const events = texts.map((t) => ({ data: { ...base, choices: [{ index: 0, delta: { content: t }, finish_reason: null }] } }));
  events.push({ data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } });
  events.push({ data: '[DONE]' });
  return events;
}

/** Anthropic Messages stream events for `texts`, ending with `message_stop` (last event). */
export function anthropicEvents(texts, model = 'claude-test') {
  const ev = (event, data) => ({ event, data: { type: event, ...data } });
  return [
    ev('message_start', { message: { id: 'msg_test', type: 'message', role: 'assistant', model, content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...texts.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: texts.length } }),
    ev('message_stop', {}),
  ];
}

const ERROR_EVENT = sse({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });

function parseFault(fault = 'none', count) {
  let m;
  if (fault === 'none') return { n: count, then: 'end' };
  if ((m = /^destroy-after:(\d+)$/.exec(fault))) return { n: Number(m[1]), then: 'destroy' };
  if ((m = /^end-early-after:(\d+)$/.exec(fault))) return { n: Number(m[1]), then: 'end' };
  if ((m = /^hold-after:(\d+)$/.exec(fault))) return { n: Number(m[1]), then: 'hold' };
  if ((m = /^stall:(\d+)@(\d+)$/.exec(fault))) return { n: count, then: 'end', stallMs: Number(m[1]), stallAt: Number(m[2]) };
  if (fault === 'error-event') return { n: Math.max(0, count - 1), then: 'error' };
  if ((m = /^error-event-after:(\d+)$/.exec(fault))) return { n: Number(m[1]), then: 'error' };
  throw new Error(`sse-server: unknown fault ${fault}`);
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const write = (res, chunk) => new Promise((resolve) => res.write(chunk, () => resolve()));

async function play(res, script) {
  const events = (script.events ?? []).map((e) => (typeof e === 'string' || Buffer.isBuffer(e) ? e : sse(e)));
  const plan = parseFault(script.fault, events.length);
  const delayMs = script.delayMs ?? 2;
  res.writeHead(script.status ?? 200, { 'content-type': script.contentType ?? 'text/event-stream', 'cache-control': 'no-cache', ...script.headers });
  res.flushHeaders();
  const n = Math.min(plan.n, events.length);
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    if (plan.stallAt === i) await pause(plan.stallMs);
    else if (i > 0 && delayMs > 0) await pause(delayMs);
    if (res.destroyed) return;
    await write(res, events[i]);
  }
  if (delayMs > 0) await pause(delayMs);
  if (res.destroyed) return;
  if (plan.then === 'destroy') res.socket?.destroy();
  else if (plan.then === 'error') res.end(ERROR_EVENT);
  else if (plan.then === 'end') res.end();
  // 'hold': stays open; the client's abort/cancel or close() ends it.
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startSseServer(script = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      requests.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const chosen = typeof script === 'function' ? script(req, url) : script;
      play(res, chosen).catch(() => res.destroy());
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    requests,
    url: (path = '/') => `${origin}${path}`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
