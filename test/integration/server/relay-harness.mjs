// Shared set-up for the relay tests: a server (node:http, Express, Fastify, Hono) that relays an
// upstream LLM stream (the openai SDK against a local provider stand-in) to its own client, and a
// client that leaves mid-stream. Real sockets on 127.0.0.1, real framework packages.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { loadEvents } from '../sdk/sse-script-server.mjs';
import { parseMode, playRecords, serveScripts } from '../sdk/script-player.mjs';

export const MESSAGES = [{ role: 'user', content: 'Tell me a long story' }];
export const FIXTURE = 'openai-chat-long';
/** Content chunks of the fixture (its first item has empty content; 40 words of 7 characters follow). */
export const WORDS = 40;
export const WORD_CHARS = 7;

/**
 * The provider stand-in: `/<fixture>/<mode>/v1/chat/completions`, mode `pace<MS>` (every event, MS ms
 * apart; stops when the client goes) or any script-player mode. `requests` counts what it served.
 */
export async function startUpstream(t) {
  const served = { count: 0, closedEarly: 0, byMode: {} };
  const port = await serveScripts(t, async (req, res) => {
    served.count++;
    const [fixture, mode] = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
    const status = /^status(\d+)$/.exec(mode);
    const flaky = /^flaky(\d+)x(\d+)$/.exec(mode);
    if (flaky !== null && (served.byMode[mode] = (served.byMode[mode] ?? 0) + 1) <= Number(flaky[2])) {
      res.writeHead(Number(flaky[1]), { 'content-type': 'application/json', 'retry-after-ms': '1' });
      res.end(JSON.stringify({ error: { message: 'try again', type: 'rate_limit_error' } }));
      return;
    }
    if (status !== null) {
      res.writeHead(Number(status[1]), { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'try again', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const records = loadEvents(fixture);
    const pace = /^pace(\d+)$/.exec(mode);
    if (pace === null) return playRecords(res, records, parseMode(flaky !== null ? 'full' : mode));
    res.on('close', () => {
      if (!res.writableFinished) served.closedEarly++;
    });
    for (const record of records) {
      if (res.destroyed) return;
      await new Promise((resolve) => res.write(record, resolve));
      await new Promise((resolve) => setTimeout(resolve, Number(pace[1])));
    }
    res.end();
  });
  return { port, served, baseURL: (mode, fixture = FIXTURE) => `http://127.0.0.1:${port}/${fixture}/${mode}/v1` };
}

/** The openai SDK (required after the instrumentation is enabled). */
export function openaiClient(baseURL, maxRetries = 0) {
  const { default: OpenAI } = createRequire(import.meta.url)('openai');
  return new OpenAI({ baseURL, apiKey: 'test', maxRetries });
}

/** The relay body every framework shares: upstream items → the client's SSE events. */
export function sseOfItem(item) {
  return `data: ${JSON.stringify(item.choices[0]?.delta?.content ?? '')}\n\n`;
}

/**
 * POSTs to `url` and reads the SSE response; with `leaveAfter`, destroys the socket after that many
 * events. Resolves with the text received and the time the client left (performance.now()).
 */
export async function relayClient(url, { leaveAfter, body = { messages: MESSAGES } } = {}) {
  const http = createRequire(import.meta.url)('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      let events = 0;
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
        events += c.split('\n\n').length - 1;
        if (leaveAfter !== undefined && events >= leaveAfter && !req.destroyed) {
          req.destroy();
          resolve({ status: res.statusCode, text, leftAt: performance.now() });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', () => {});
    });
    req.on('error', (e) => (leaveAfter !== undefined ? undefined : reject(e)));
    req.end(JSON.stringify(body));
  });
}

/** Starts `server` (a node:http Server) on 127.0.0.1:0, closed with its sockets after the test. */
export async function listen(t, server) {
  t.after(() => {
    server.closeAllConnections?.();
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${server.address().port}`;
}

/** Waits, turn by turn, until `predicate()` holds (no fixed sleeps). */
export async function until(predicate, what, limitMs = 5000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > limitMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The one finished span of `source` matching `where` (attribute equality). */
export function onlySpan(otel, where) {
  const spans = otel.spans().filter((s) => Object.entries(where).every(([k, v]) => s.attributes[k] === v));
  assert.equal(spans.length, 1, `one span where ${JSON.stringify(where)}, got ${spans.length}`);
  return spans[0];
}

/** The relay's server span (not the provider stand-in's, which is an http server of this process too). */
export function serverSpanOf(otel, pathPrefix) {
  const spans = otel
    .spans()
    .filter((s) => s.attributes['midstream.source'] === 'http.server' && String(s.attributes['url.path']).startsWith(pathPrefix));
  assert.equal(spans.length, 1, `one server stream span under ${pathPrefix}, got ${spans.length}`);
  return spans[0];
}
