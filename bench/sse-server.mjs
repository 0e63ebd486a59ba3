// Benchmark server, run as a child process so its CPU is not counted in the client's
// process.cpuUsage(). Prints {url, eventBytes} as JSON on the first line of stdout.
//   GET /stream?events=N  N OpenAI chat chunks (N-3 content, finish, usage, [DONE]) as fast as the socket takes them
//   GET /stream?events=N&paced=1  the same, one event per event-loop turn (the client sees ~1 event per read,
//                         as with a real LLM stream) instead of bursts the socket coalesces
//   GET /hold?events=N    N content chunks, then the response is held open (a stalled stream)
import http from 'node:http';

const created = Math.floor(Date.now() / 1000);
const chunk = (delta, finishReason) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
const CONTENT = chunk({ content: ' token' }, null);
const FINISH = chunk({}, 'stop');
const USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: [], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } })}\n\n`;
const DONE = 'data: [DONE]\n\n';

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const events = Number(url.searchParams.get('events') ?? '1000');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (url.pathname === '/hold') {
    for (let i = 0; i < events; i++) res.write(CONTENT);
    return; // held open until the client goes away
  }
  const content = Math.max(0, events - 3);
  let sent = 0;
  const paced = url.searchParams.get('paced') === '1';
  const pump = () => {
    // One write per event, as an LLM server does; backpressure respected.
    while (sent < content) {
      sent++;
      if (!res.write(CONTENT)) return void res.once('drain', pump);
      if (paced) return void setImmediate(pump);
    }
    res.write(FINISH);
    res.write(USAGE);
    res.end(DONE);
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
