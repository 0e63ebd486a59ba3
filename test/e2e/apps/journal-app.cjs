// CommonJS app for the crash-journal e2e tests, run as `node --require midstream-otel/register journal-app.cjs`.
// Inside an active `app-request` span, opens STREAMS (default 2) fetch streams of SSE_URL with a secret
// in the query and an Authorization header, and prints:
//   `parent <traceId> <spanId> <epoch ms before the first request>` once,
//   `events <stream index> <N>` per chunk read (SSE events received so far on that stream).
// Without SSE_URL it does nothing (a plain second start, which only recovers journals).
const { trace } = require('@opentelemetry/api');

async function read(i, url) {
  const res = await fetch(`${url}?key=sk-query-secret&i=${i}`, { headers: { authorization: 'Bearer sk-header-secret' } });
  let n = 0;
  for await (const chunk of res.body) {
    n += Buffer.from(chunk).toString('utf8').split('\n\n').length - 1;
    console.log(`events ${i} ${n}`);
  }
  console.log(`done ${i}`);
}

const url = process.env.SSE_URL;
if (url !== undefined) {
  const tracer = trace.getTracer('journal-app');
  tracer.startActiveSpan('app-request', (span) => {
    const { traceId, spanId } = span.spanContext();
    console.log(`parent ${traceId} ${spanId} ${Date.now()}`);
    const n = Number(process.env.STREAMS ?? 2);
    for (let i = 0; i < n; i++) void read(i, url);
  });
}
