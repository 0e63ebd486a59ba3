// The instrumented workload the Grafana e2e test scrapes: a local OpenAI-style SSE server with
// injected faults, called through the openai SDK and plain fetch, instrumented with midstream's
// public API (midstreamInstrumentations, StreamSpanProcessor) plus @opentelemetry/instrumentation-http
// for the HTTP 5xx view, metrics served by the OTel JS Prometheus exporter on 127.0.0.1.
// Produces every outcome the dashboards chart, on the client (source openai, fetch) and the server
// (source http.server) side; a simulated deploy interrupts live streams once. A relay endpoint whose
// clients leave early (with and without cancelling the upstream) and an app that retries a cut
// answer feed the "output nobody received" panels.
//   MIDSTREAM_WORKLOAD_SECONDS   run length (default 0: until killed)
// Prints `Prometheus metrics: http://127.0.0.1:<port>/metrics`, then `interrupted: <n>` after the deploy.
import { createRequire } from 'node:module';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const require = createRequire(import.meta.url);
const { midstreamInstrumentations, StreamSpanProcessor } = require('../../dist/index.js');

const seconds = Number(process.env.MIDSTREAM_WORKLOAD_SECONDS ?? 0);
const STALL_PAUSE_MS = 450;

// ---- telemetry, as an app sets it up -------------------------------------------------------
const resource = resourceFromAttributes({ 'service.name': 'midstream-grafana-e2e' });
const prometheus = new PrometheusExporter({ host: '127.0.0.1', preventServerStart: true });
const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
metrics.setGlobalMeterProvider(meterProvider);
const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
trace.setGlobalTracerProvider(tracerProvider);
// As NodeSDK and midstream's register entry do: the relay's upstreams and the retries' parent span
// are found through the active context.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const http = require('node:http');
const metricsServer = http.createServer((req, res) => prometheus.getMetricsRequestHandler(req, res));
await new Promise((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
const metricsPort = metricsServer.address().port;

const httpInstrumentation = new HttpInstrumentation({
  disableOutgoingRequestInstrumentation: true,
  ignoreIncomingRequestHook: (req) => req.socket.localPort === metricsPort,
});
const instrumentations = [httpInstrumentation, ...midstreamInstrumentations({ stallThresholdMs: 200 })];
for (const i of instrumentations) {
  i.setTracerProvider(tracerProvider);
  i.setMeterProvider(meterProvider);
  i.enable();
}
require('node:http'); // let instrumentation-http patch the already loaded module
const OpenAI = require('openai').default ?? require('openai');
// A deploy: what the app's StreamSpanProcessor does on SIGTERM, ending live streams as interrupted.
const deploy = new StreamSpanProcessor({ delegate: new SimpleSpanProcessor(new InMemorySpanExporter()), flushOnBeforeExit: false });

// ---- the LLM-like server: faults after the 200 ----------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hanging = new Set();
const server = http.createServer(async (req, res) => {
  let body = '';
  for await (const part of req) body += part;
  const scenario = req.headers['x-scenario'] ?? 'clean';
  if (req.url.startsWith('/events')) return events(res, scenario);
  if (scenario === 'http500') {
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom","type":"server_error"}}');
    return;
  }
  const model = JSON.parse(body || '{}').model ?? 'gpt-test';
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta, finish = null) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let gone = false;
  res.on('close', () => (gone = true));
  await sleep(30 + Math.random() * 70);
  const tokens = 8 + Math.floor(Math.random() * 8);
  for (let i = 0; i < tokens && !gone; i++) {
    res.write(chunk({ content: ` w${i}` }));
    if (i === 3) {
      if (scenario === 'close') return res.end();
      if (scenario === 'drop') return res.socket.destroy();
      if (scenario === 'error') return res.end(`data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })}\n\n`);
      if (scenario === 'hang') {
        hanging.add(res);
        return;
      }
      if (scenario === 'stall') await sleep(STALL_PAUSE_MS);
    }
    await sleep(5 + Math.random() * 10);
  }
  if (gone) return;
  res.write(chunk({}, 'stop'));
  res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 12, completion_tokens: tokens, total_tokens: 12 + tokens } })}\n\n`);
  res.end('data: [DONE]\n\n');
});

async function events(res, scenario) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < 6; i++) {
    res.write(`event: tick\ndata: {"i":${i}}\n\n`);
    await sleep(10);
  }
  res.end();
  void scenario;
}

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const openai = new OpenAI({ apiKey: 'test', baseURL: `${base}/v1`, maxRetries: 0, timeout: 10_000 });
console.log(`Prometheus metrics: http://127.0.0.1:${metricsPort}/metrics`);

// ---- a relay: our own endpoint streaming the LLM answer to a client that leaves early ----------
// `/relay/cancel` aborts the upstream when its client leaves; `/relay/keep` reads it to the end.
const relay = http.createServer(async (req, res) => {
  for await (const _ of req);
  const ac = new AbortController();
  if (req.url.startsWith('/relay/cancel')) res.on('close', () => ac.abort());
  try {
    const stream = await openai.chat.completions.create(
      { model: 'gpt-test-relay', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-scenario': 'clean' }, signal: ac.signal },
    );
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for await (const item of stream) res.write(`data: ${JSON.stringify(item.choices[0]?.delta?.content ?? '')}\n\n`);
    res.end('data: [DONE]\n\n');
  } catch {
    res.destroy();
  }
});
await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));

/** A client of the relay that leaves after two events. */
function leaveRelayEarly(path) {
  return new Promise((resolve) => {
    const req = http.request(`http://127.0.0.1:${relay.address().port}${path}`, { method: 'POST' }, (res) => {
      let events = 0;
      res.on('data', (c) => {
        events += String(c).split('\n\n').length - 1;
        if (events >= 2) req.destroy();
      });
      res.on('close', resolve);
    });
    req.on('error', resolve);
    req.end();
  });
}

/** An app that retries a cut answer once, under one parent span (attempt 2, retried output). */
async function retryOnce() {
  const tracer = trace.getTracer('workload');
  await tracer.startActiveSpan('answer', async (span) => {
    try {
      for (const scenario of ['close', 'clean']) {
        let finished = false;
        const stream = await openai.chat.completions.create(
          { model: 'gpt-test-retry', stream: true, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'x-scenario': scenario } },
        );
        for await (const item of stream) if (item.choices[0]?.finish_reason) finished = true;
        if (finished) break;
      }
    } finally {
      span.end();
    }
  });
}

// ---- the client side -------------------------------------------------------------------------
const CYCLE = ['clean', 'close', 'clean', 'error', 'stall', 'clean', 'drop', 'abort', 'clean', 'cancel', 'clean', 'events', 'relay-keep', 'relay-cancel', 'retry'];
let n = 0;

async function chat(scenario) {
  const controller = new AbortController();
  const stream = await openai.chat.completions.create(
    {
      model: n % 2 ? 'gpt-test-a' : 'gpt-test-b',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    },
    { headers: { 'x-scenario': scenario === 'abort' || scenario === 'cancel' ? 'clean' : scenario }, signal: controller.signal },
  );
  let chunks = 0;
  for await (const _ of stream) {
    chunks++;
    if (scenario === 'abort' && chunks === 2) controller.abort();
    if (scenario === 'cancel' && chunks === 2) break;
  }
}

async function plainFetch() {
  const res = await fetch(`${base}/events`, { headers: { accept: 'text/event-stream' } });
  for await (const _ of res.body);
}

async function one() {
  const scenario = CYCLE[n++ % CYCLE.length];
  try {
    if (scenario === 'events') await plainFetch();
    else if (scenario === 'relay-keep') await leaveRelayEarly('/relay/keep');
    else if (scenario === 'relay-cancel') await leaveRelayEarly('/relay/cancel');
    else if (scenario === 'retry') await retryOnce();
    else await chat(scenario);
  } catch {
    // the app would log and maybe retry; midstream records what happened
  }
}

const deadline = seconds > 0 ? Date.now() + seconds * 1000 : Infinity;
let stopping = false;
const loops = Array.from({ length: 4 }, async () => {
  while (!stopping && Date.now() < deadline) await one();
});

// One simulated deploy, 1.5 s in: three streams hang mid-answer, the process "shuts down".
setTimeout(async () => {
  const hung = [0, 1, 2].map(() => chat('hang').catch(() => {}));
  await sleep(400);
  await deploy.shutdown();
  console.log(`interrupted: ${hanging.size}`);
  for (const res of hanging) res.destroy();
  await Promise.all(hung);
}, 1500);

// A few 5xx responses, well under the 1% the silent-failure alert tolerates.
setInterval(() => chat('http500').catch(() => {}), 30_000).unref();

const stop = async () => {
  stopping = true;
  await Promise.race([Promise.all(loops), sleep(2000)]);
  server.closeAllConnections();
  server.close();
  relay.closeAllConnections();
  relay.close();
  metricsServer.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await Promise.all(loops);
if (seconds > 0) await stop();
