// CommonJS app for the e2e tests, run as `node --require midstream-otel/register sse-app.cjs`.
// Streams SSE_URL with fetch (CLIENT=fetch, default) or node:http (CLIENT=http) and prints one line per
// chunk read (`events N`: SSE events received so far), so the test knows when the stream is live. Env switches:
//   OWN_SIGTERM=1   the app has its own SIGTERM handler: prints `app-sigterm`, exits with status 7
//   OWN_SIGTERM=ignore  the app's SIGTERM handler prints `app-sigterm` and carries on
//   EXIT_AFTER=N:C  after N events, process.exit(C) (the stream is still live)
//   THROW_AFTER=N   after N events, an uncaught exception (`Error: app boom`) from a callback
//   REJECT_AFTER=N  after N events, an unhandled rejection (`Error: app rejected`)
//   START_AGAIN=1   the app also calls startMidstream() itself (must be refused)
const http = require('node:http');

if (process.env.START_AGAIN === '1') require('midstream-otel').startMidstream();
if (process.env.OWN_SIGTERM === 'ignore') process.on('SIGTERM', () => console.log('app-sigterm'));
if (process.env.OWN_SIGTERM === '1') {
  process.on('SIGTERM', () => {
    console.log('app-sigterm');
    setTimeout(() => process.exit(7), 300);
  });
}

/** The app's own way out after `n` events, if it asked for one. */
function afterEvents(n) {
  const [exitAt, code] = (process.env.EXIT_AFTER ?? '').split(':').map(Number);
  if (n === exitAt) process.exit(code);
  if (n === Number(process.env.THROW_AFTER)) {
    setImmediate(() => {
      throw new Error('app boom');
    });
  }
  if (n === Number(process.env.REJECT_AFTER)) void Promise.reject(new Error('app rejected'));
}

async function viaFetch(url) {
  const res = await fetch(url);
  let n = 0;
  for await (const chunk of res.body) {
    console.log(`events ${(n += countEvents(chunk))}`);
    afterEvents(n);
  }
  console.log('done');
}

function viaHttp(url) {
  http.get(url, (res) => {
    let n = 0;
    res.on('data', (chunk) => console.log(`events ${(n += countEvents(chunk))}`));
    res.on('end', () => console.log('done'));
  });
}

/** SSE events in a chunk (the test server writes one event per write, never split). */
function countEvents(chunk) {
  return Buffer.from(chunk).toString('utf8').split('\n\n').length - 1;
}

const url = process.env.SSE_URL;
// Without SSE_URL (e.g. picked up by `node --test test/`'s directory scan) there is nothing to do.
if (url === undefined) console.log('no SSE_URL');
else if (process.env.CLIENT === 'http') viaHttp(url);
else void viaFetch(url);
