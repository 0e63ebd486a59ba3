// ESM app for the e2e tests, run as `node --import midstream-otel/register sse-app.mjs`. Streams SSE_URL
// through a NAMED import of node:http's `get` (patchable only through the ESM loader hook) or fetch
// (CLIENT=fetch), printing `events N` (SSE events so far) per chunk read. OWN_SIGTERM=1: own handler, exit status 7.
import { get } from 'node:http';

if (process.env.OWN_SIGTERM === '1') {
  process.on('SIGTERM', () => {
    console.log('app-sigterm');
    setTimeout(() => process.exit(7), 300);
  });
}

/** SSE events in a chunk (the test server writes one event per write, never split). */
function countEvents(chunk) {
  return Buffer.from(chunk).toString('utf8').split('\n\n').length - 1;
}

const url = process.env.SSE_URL;
// Without SSE_URL (e.g. picked up by `node --test test/`'s directory scan) there is nothing to do.
if (url === undefined) {
  console.log('no SSE_URL');
} else if (process.env.CLIENT === 'fetch') {
  const res = await fetch(url);
  let n = 0;
  for await (const chunk of res.body) console.log(`events ${(n += countEvents(chunk))}`);
  console.log('done');
} else {
  get(url, (res) => {
    let n = 0;
    res.on('data', (chunk) => console.log(`events ${(n += countEvents(chunk))}`));
    res.on('end', () => console.log('done'));
  });
}
