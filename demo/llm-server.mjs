// A local LLM-like server speaking two providers' streaming wire formats, with faults: OpenAI chat
// completions (POST /v1/chat/completions) and Anthropic messages (POST /v1/messages). Most faults
// happen after the 200, where an HTTP-status dashboard cannot see them; a few requests get an HTTP
// 500 before any byte of the stream (the part an HTTP dashboard does see).
import http from 'node:http';

/**
 * What the server does to a stream. The client cannot tell from the request which one it gets
 * (a demo client may force one with the `x-demo-scenario` header; the app uses it only for `hang`).
 * - clean:   tokens, the provider's terminal event (finish_reason + usage + [DONE]; message_stop).
 * - drop:    tokens, then the socket is destroyed mid-stream (a reset).
 * - close:   tokens, then a clean close without the terminal event (looks like success).
 * - stall:   tokens, a pause of `stallMs`, then the rest of the answer (the stream still completes).
 * - error:   tokens, then an in-stream error event and a close.
 * - http500: HTTP 500 with a JSON error body, no stream at all.
 * - hang:    tokens, then nothing more until the server closes (a stream that outlives a deploy).
 */
export const SCENARIOS = Object.freeze(['clean', 'drop', 'close', 'stall', 'error', 'http500', 'hang']);

/** The default rotation: every fault early (so a 3 s run sees each), then mostly clean traffic. */
export const DEFAULT_SCHEDULE = Object.freeze([
  'clean', 'stall', 'drop', 'http500', 'close', 'error', 'clean', 'clean',
  'clean', 'drop', 'clean', 'clean', 'close', 'clean', 'error', 'clean',
  'clean', 'stall', 'clean', 'clean', 'clean', 'clean', 'clean', 'clean',
  'clean', 'drop', 'clean', 'clean', 'close', 'clean', 'clean', 'clean',
]);

const WORDS = 'Streams can fail after the two hundred and nobody notices until a user sends a screenshot of half an answer'.split(' ');
/** Faults strike after this many content chunks (a client leaving after fewer always wins). */
const FAULT_AFTER_CHUNKS = 6;

/** The two wire formats: how a stream starts, carries a token, ends, and fails. */
const FORMATS = {
  openai: {
    path: '/v1/chat/completions',
    start: () => '',
    token: (s, text, first) => s.chunk(first ? { role: 'assistant', content: text } : { content: text }, null),
    end: (s, tokens) =>
      s.chunk({}, 'stop') +
      `data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.model, choices: [], usage: { prompt_tokens: 17, completion_tokens: tokens, total_tokens: 17 + tokens } })}\n\n` +
      'data: [DONE]\n\n',
    error: () => `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`,
    http500: () => ({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }),
  },
  anthropic: {
    path: '/v1/messages',
    start: (s) =>
      sse('message_start', { type: 'message_start', message: { id: s.id, type: 'message', role: 'assistant', model: s.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 17, output_tokens: 1 } } }) +
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    token: (s, text) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    end: (s, tokens) =>
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens } }) +
      sse('message_stop', { type: 'message_stop' }),
    error: () => sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    http500: () => ({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }),
  },
};

function sse(event, data) {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

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
  // Each model gets its own rotation of the schedule, so every caller meets every fault early.
  const rotation = new Map();

  const server = http.createServer((req, res) => {
    const format = Object.values(FORMATS).find((f) => req.url.startsWith(f.path));
    if (req.method !== 'POST' || format === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const n = requests++;
      let model = 'demo-model';
      try {
        model = JSON.parse(body).model ?? model;
      } catch {}
      const turn = rotation.get(model) ?? 0;
      rotation.set(model, turn + 1);
      const forced = req.headers['x-demo-scenario'];
      const scenario = SCENARIOS.includes(forced) ? forced : schedule[turn % schedule.length];
      served[scenario]++;
      if (scenario === 'http500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(format.http500()));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      stream(res, format, { scenario, model, id: `demo-${n}`, tokens: Math.round(between(minTokens, maxTokens)) });
    });
  });

  function stream(res, format, { scenario, model, id, tokens }) {
    const created = Math.floor(Date.now() / 1000);
    const s = {
      id,
      model,
      created,
      chunk: (delta, finishReason) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`,
    };
    let sent = 0;
    let timer;
    let gone = false;
    res.on('close', () => {
      gone = true;
      clearTimeout(timer);
    });
    const start = format.start(s);
    if (start !== '') res.write(start);
    const next = () => {
      if (gone) return;
      if (sent === FAULT_AFTER_CHUNKS) {
        if (scenario === 'drop') return void res.socket?.destroy();
        if (scenario === 'close') return void res.end();
        if (scenario === 'error') return void res.end(format.error(s));
        if (scenario === 'hang') return;
      }
      if (sent === tokens) return void res.end(format.end(s, tokens));
      const word = WORDS[sent % WORDS.length];
      res.write(format.token(s, sent === 0 ? word : ` ${word}`, sent === 0));
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
    /** Responses served per scenario so far. */
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
