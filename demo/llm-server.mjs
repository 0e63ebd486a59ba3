// A local LLM-like server speaking the OpenAI chat completions streaming wire format, with faults.
// Every response is HTTP 200 text/event-stream: the faults happen after the 200, where an
// HTTP-status dashboard cannot see them.
import http from 'node:http';

/**
 * What the server does to a stream. The client cannot tell from the request which one it gets.
 * - clean: tokens, a `finish_reason: "stop"` chunk, a usage chunk, `data: [DONE]`.
 * - drop:  tokens, then the socket is destroyed mid-stream (a reset).
 * - close: tokens, then a clean close without finish_reason or [DONE] (looks like success).
 * - stall: tokens, a pause of `stallMs`, then the rest of the answer (the stream still completes).
 * - error: tokens, then an in-stream `data: {"error":{...}}` event and a close.
 */
export const SCENARIOS = Object.freeze(['clean', 'drop', 'close', 'stall', 'error']);

/** The default rotation: every fault early (so a 3 s run sees each), then mostly clean traffic. */
export const DEFAULT_SCHEDULE = Object.freeze([
  'clean', 'drop', 'stall', 'close', 'error', 'clean', 'clean', 'clean',
  'clean', 'drop', 'clean', 'clean', 'close', 'clean', 'error', 'clean',
  'clean', 'stall', 'clean', 'clean',
]);

const WORDS = 'Streams can fail after the two hundred and nobody notices until a user sends a screenshot of half an answer'.split(' ');
/** Faults strike after this many content chunks (a client aborting after fewer always wins). */
const FAULT_AFTER_CHUNKS = 6;

/**
 * Starts the server on 127.0.0.1 (port 0 = ephemeral).
 * @param {{ port?: number, schedule?: readonly string[], stallMs?: number, tokenDelayMs?: [number, number],
 *           firstTokenDelayMs?: [number, number], tokens?: [number, number], seed?: number }} [options]
 */
export async function startLlmServer(options = {}) {
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  const stallMs = options.stallMs ?? 1500;
  const [tokMin, tokMax] = options.tokenDelayMs ?? [8, 30];
  const [ttftMin, ttftMax] = options.firstTokenDelayMs ?? [40, 350];
  const [minTokens, maxTokens] = options.tokens ?? [12, 30];
  const random = mulberry32(options.seed ?? 42);
  const between = (lo, hi) => lo + random() * (hi - lo);
  const served = Object.fromEntries(SCENARIOS.map((s) => [s, 0]));
  let requests = 0;

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const n = requests++;
      const scenario = schedule[n % schedule.length];
      served[scenario]++;
      let model = 'demo-model';
      try {
        model = JSON.parse(body).model ?? model;
      } catch {}
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      stream(req, res, { scenario, model, id: `chatcmpl-demo-${n}`, tokens: Math.round(between(minTokens, maxTokens)) });
    });
  });

  function stream(req, res, { scenario, model, id, tokens }) {
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta, finishReason) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
    let sent = 0;
    let timer;
    let gone = false;
    res.on('close', () => {
      gone = true;
      clearTimeout(timer);
    });
    const next = () => {
      if (gone) return;
      if (sent === 0) res.write(chunk({ role: 'assistant', content: '' }, null));
      if (sent === FAULT_AFTER_CHUNKS && scenario !== 'clean' && scenario !== 'stall') {
        if (scenario === 'drop') res.socket?.destroy();
        else if (scenario === 'close') res.end();
        else if (scenario === 'error') {
          res.end(`data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`);
        }
        return;
      }
      if (sent === tokens) {
        res.write(chunk({}, 'stop'));
        const usage = { prompt_tokens: 17, completion_tokens: tokens, total_tokens: 17 + tokens };
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      const word = WORDS[sent % WORDS.length];
      res.write(chunk({ content: sent === 0 ? word : ` ${word}` }, null));
      sent++;
      const pause = scenario === 'stall' && sent === FAULT_AFTER_CHUNKS ? stallMs : between(tokMin, tokMax);
      timer = setTimeout(next, pause);
    };
    timer = setTimeout(next, between(ttftMin, ttftMax));
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    /** Streams served per scenario so far. */
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Small seeded PRNG, so two runs of the demo serve the same timings. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
