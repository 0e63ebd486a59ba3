// The app's own streaming endpoint (node:http): `GET /chat?model=...` asks the LLM for an answer
// through the openai SDK and relays it to the client as Server-Sent Events, the way a chat backend
// sits between a browser and a model provider. Nothing here knows about telemetry.
// - `/chat` aborts the upstream call when its client leaves (cancellation propagated);
//   `/chat-legacy` is the same endpoint as many apps ship it: it keeps generating for nobody.
// - When the upstream answer breaks after it started (a reset, an error event, a close without
//   finish_reason), the relay starts it over once from scratch, in the same request: the retry that
//   pays for the whole answer twice.
const http = require('node:http');

/**
 * Creates (does not start) the relay server.
 * @param {{ openai: import('openai').OpenAI, abortUpstreamOnDisconnect?: boolean }} options
 *   abortUpstreamOnDisconnect (default true): when the client leaves, abort the upstream call
 *   (what a careful relay does; false keeps generating for nobody, an orphaned upstream stream).
 */
function createRelay({ openai, abortUpstreamOnDisconnect = true }) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://relay.invalid');
    if (url.pathname !== '/chat' && url.pathname !== '/chat-legacy') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    void relay(openai, url, req, res, abortUpstreamOnDisconnect && url.pathname === '/chat');
  });
}

/** One streaming chat call for the request's model and question (`options`: the SDK's request options). */
function ask(openai, url, options) {
  return openai.chat.completions.create(
    {
      model: url.searchParams.get('model') ?? 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: url.searchParams.get('q') ?? 'Why do streams fail after the 200?' }],
    },
    options,
  );
}

async function relay(openai, url, req, res, abortUpstreamOnDisconnect) {
  const upstream = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished && abortUpstreamOnDisconnect) upstream.abort();
  });
  // A demo hook: lets a client ask the LLM-like server for a given scenario (the demo uses `hang`).
  const scenario = url.searchParams.get('scenario');
  let stream;
  try {
    stream = await ask(openai, url, { signal: upstream.signal, headers: scenario ? { 'x-demo-scenario': scenario } : undefined });
  } catch {
    // The upstream failed before its first chunk: say so with a status code.
    if (!res.headersSent && !res.destroyed) res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"upstream failed"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (let attempt = 1; attempt <= 2; attempt++) {
    let finished = false;
    try {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (chunk.choices[0]?.finish_reason) finished = true;
        if (text) res.write(`data: ${JSON.stringify({ text })}\n\n`);
      }
    } catch {
      // The upstream broke mid-answer (reset, error event), or we aborted it for a client that left.
    }
    if (finished || res.destroyed || upstream.signal.aborted) break;
    // Half an answer: start over once, from scratch (the client gets the new answer after the old half).
    if (attempt === 2) break;
    try {
      stream = await ask(openai, url, { signal: upstream.signal });
    } catch {
      break;
    }
  }
  if (!res.destroyed) res.end('data: [DONE]\n\n');
}

module.exports = { createRelay };
