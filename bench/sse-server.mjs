// Benchmark server, run as a child process so its CPU is not counted in the client's
// process.cpuUsage(). Prints {url, eventBytes} as JSON on the first line of stdout.
//   GET /stream?events=N  N OpenAI chat chunks (N-3 content, finish, usage, [DONE]) as fast as the socket takes them
//   GET /stream?events=N&paced=1  the same, one event per event-loop turn (the client sees ~1 event per read,
//                         as with a real LLM stream) instead of bursts the socket coalesces
//   GET /hold?events=N    N content chunks, then the response is held open (a stalled stream)
// The SDK clients (sdk-client.mjs) use the same routes as base paths: POST /stream/v1/chat/completions
// and /hold/v1/chat/completions (openai), POST /stream/v1/messages and /hold/v1/messages (Anthropic
// Messages events: message_start, content_block_start, deltas, content_block_stop, message_delta,
// message_stop; N events in all).
import http from 'node:http';

const created = Math.floor(Date.now() / 1000);
const chunk = (delta, finishReason) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
const CONTENT = chunk({ content: ' token' }, null);
const FINISH = chunk({}, 'stop');
const USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: [], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } })}\n\n`;
const DONE = 'data: [DONE]\n\n';

const anthropicEvent = (data) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
const A_START =
  anthropicEvent({ type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', content: [], model: 'bench-model', stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }) +
  anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const A_CONTENT = anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' token' } });
const A_END =
  anthropicEvent({ type: 'content_block_stop', index: 0 }) +
  anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } }) +
  anthropicEvent({ type: 'message_stop' });
const WIRE = {
  openai: { start: '', content: CONTENT, end: FINISH + USAGE + DONE, framing: 3 },
  anthropic: { start: A_START, content: A_CONTENT, end: A_END, framing: 5 },
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const events = Number(url.searchParams.get('events') ?? '1000');
  const wire = url.pathname.endsWith('/messages') ? WIRE.anthropic : WIRE.openai;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (url.pathname.startsWith('/hold')) {
    if (wire.start) res.write(wire.start);
    for (let i = 0; i < events; i++) res.write(wire.content);
    return; // held open until the client goes away
  }
  if (wire.start) res.write(wire.start);
  const content = Math.max(0, events - wire.framing);
  let sent = 0;
  const paced = url.searchParams.get('paced') === '1';
  const pump = () => {
    // One write per event, as an LLM server does; backpressure respected.
    while (sent < content) {
      sent++;
      if (!res.write(wire.content)) return void res.once('drain', pump);
      if (paced) return void setImmediate(pump);
    }
    res.end(wire.end);
  };
  pump();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, eventBytes: Buffer.byteLength(CONTENT) })}\n`);
});
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
