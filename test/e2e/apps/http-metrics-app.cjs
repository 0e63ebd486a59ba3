// CommonJS app for the HTTP-metrics e2e test, run as `node --require midstream-otel/register http-metrics-app.cjs`.
// Serves /events (an SSE stream that completes), /cut (an SSE stream whose socket is reset after two
// events) and /boom (HTTP 500) on 127.0.0.1, then calls each of them with fetch and with http.get,
// prints `done` and exits on its own (midstream flushes on beforeExit).
//   WITH_OTEL_HTTP=1   the app also runs @opentelemetry/instrumentation-http (registered after midstream)
//   PRINT_PORT=1       prints `port <n>` of its server
//   HOLD=1             stays alive after `done` until SIGTERM (to be scraped)
// The app's own telemetry set-up comes first, as instrumentation-http's docs ask.
if (process.env.WITH_OTEL_HTTP === '1') {
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
}
const http = require('node:http');

const event = (i) => `data: {"i":${i}}\n\n`;
const server = http.createServer((req, res) => {
  if (req.url === '/boom') {
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(event(0));
  res.write(event(1));
  if (req.url === '/cut') {
    setTimeout(() => res.socket.destroy(), 20);
    return;
  }
  res.end(event(2));
});

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.on('data', () => {});
      res.on('end', resolve);
      res.on('error', resolve);
    });
    req.on('error', resolve);
  });
}

async function read(url) {
  try {
    const res = await fetch(url);
    for await (const _ of res.body);
  } catch {
    // /cut: the app sees the reset; midstream records the truncation
  }
}

server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  if (process.env.PRINT_PORT === '1') console.log(`port ${server.address().port}`);
  for (const path of ['/events', '/cut', '/boom']) await read(base + path);
  for (const path of ['/events', '/boom']) await get(base + path);
  server.close();
  console.log('done');
  if (process.env.HOLD === '1') setInterval(() => {}, 60_000);
});
