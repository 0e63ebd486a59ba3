// An ESM app using @mistralai/mistralai against the script server (SERVER env): runs every
// scenario of the fault matrix, one model name each, and prints one JSON line with what the app
// saw (items, errors) and, when instrumented, the finished spans and the outcome counter points.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// MIDSTREAM_SDK_DIR points at another installed SDK version (see sdk-harness.mjs).
const dir = process.env.MIDSTREAM_SDK_DIR;
const entry = dir ? pathToFileURL(createRequire(join(dir, 'index.js')).resolve('@mistralai/mistralai')).href : '@mistralai/mistralai';
const { Mistral } = await import(entry);
// The standalone function and the SDK's promise class (errors as values: `Result`).
const { chatStream } = await import(new URL('funcs/chatStream.js', new URL('./', import.meta.resolve(entry))).href);
const { APIPromise } = await import(new URL('types/async.js', new URL('./', import.meta.resolve(entry))).href);

const base = process.env.SERVER;
const messages = [{ role: 'user', content: 'Say hello' }];
const client = (fixture, mode) => new Mistral({ apiKey: 'test', serverURL: `${base}/${fixture}/${mode}` });
const failing = (mode) => new Mistral({ apiKey: 'test', serverURL: `${process.env.FAIL}/${mode}` });
const plain = (value) => JSON.parse(JSON.stringify(value));

async function capture(fn) {
  const items = [];
  try {
    await fn(items);
    return { items, error: undefined };
  } catch (e) {
    return { items, error: { ctor: e?.constructor?.name, name: e?.name, message: e?.message } };
  }
}

async function drain(stream, items) {
  for await (const event of stream) items.push(plain(event));
}

const scenarios = {
  'm-complete': (items) => client('mistral-chat', 'full').chat.stream({ model: 'm-complete', messages }).then((s) => drain(s, items)),
  'm-cut': (items) => client('mistral-chat', 'cut3').chat.stream({ model: 'm-cut', messages }).then((s) => drain(s, items)),
  'm-cut-after-finish': (items) =>
    client('mistral-chat', 'cut4').chat.stream({ model: 'm-cut-after-finish', messages }).then((s) => drain(s, items)),
  'm-destroy': (items) => client('mistral-chat', 'destroy2').chat.stream({ model: 'm-destroy', messages }).then((s) => drain(s, items)),
  'm-error': (items) => client('mistral-chat-error', 'full').chat.stream({ model: 'm-error', messages }).then((s) => drain(s, items)),
  'm-abort': async (items) => {
    const ac = new AbortController();
    const stream = await client('mistral-chat', 'hold2').chat.stream({ model: 'm-abort', messages }, { fetchOptions: { signal: ac.signal } });
    for await (const event of stream) {
      items.push(plain(event));
      if (items.length === 2) ac.abort();
    }
  },
  'm-break': async (items) => {
    const stream = await client('mistral-chat', 'hold2').chat.stream({ model: 'm-break', messages });
    for await (const event of stream) {
      items.push(plain(event));
      break;
    }
  },
  'm-stall': (items) => client('mistral-chat', 'stall2x200').chat.stream({ model: 'm-stall', messages }).then((s) => drain(s, items)),
  'm-reader': async (items) => {
    const reader = (await client('mistral-chat', 'full').chat.stream({ model: 'm-reader', messages })).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) items.push(plain(r.value));
  },
  'm-reader-cancel': async (items) => {
    const reader = (await client('mistral-chat', 'hold2').chat.stream({ model: 'm-reader-cancel', messages })).getReader();
    items.push(plain((await reader.read()).value));
    await reader.cancel('enough');
  },
  'm-tee': async (items) => {
    const [left, right] = (await client('mistral-chat', 'full').chat.stream({ model: 'm-tee', messages })).tee();
    const a = [];
    const b = [];
    await Promise.all([drain(left, a), drain(right, b)]);
    items.push(a.length, b.length);
  },
  'm-pipe': async (items) => {
    const stream = await client('mistral-chat', 'full').chat.stream({ model: 'm-pipe', messages });
    await stream.pipeTo(new WritableStream({ write: (event) => void items.push(plain(event)) }));
  },
  // Failures before the first chunk (FAIL: test/integration/sdk/failing-server.mjs; the SDK's
  // default for chat.stream() is no retries).
  'm-fail-500': () => failing('status500').chat.stream({ model: 'm-fail-500', messages }),
  'm-fail-429': () => failing('status429').chat.stream({ model: 'm-fail-429', messages }),
  // The SDK's own retries (backoff, short): one call, one failed span, however many attempts.
  'm-fail-retried': () =>
    failing('status500/retried').chat.stream(
      { model: 'm-fail-retried', messages },
      { retries: { strategy: 'backoff', backoff: { initialInterval: 5, maxInterval: 10, exponent: 1, maxElapsedTime: 60 }, retryConnectionErrors: false } },
    ),
  'm-refused': () => new Mistral({ apiKey: 'test', serverURL: `http://127.0.0.1:${process.env.CLOSED_PORT}` }).chat.stream({ model: 'm-refused', messages }),
  'm-abort-early': () => {
    const ac = new AbortController();
    // The server never answers: the abort lands before the headers, whenever it fires.
    setTimeout(() => ac.abort(), 50);
    return failing('hang').chat.stream({ model: 'm-abort-early', messages }, { fetchOptions: { signal: ac.signal } });
  },
  'm-timeout-early': () => failing('hang').chat.stream({ model: 'm-timeout-early', messages }, { timeoutMs: 100 }),
  'm-func-500': async (items) => {
    const promise = chatStream(failing('status500'), { model: 'm-func-500', messages });
    items.push(promise instanceof APIPromise, Object.prototype.toString.call(promise));
    const result = await promise;
    items.push(result.ok, result.error?.name, result.error?.statusCode);
  },
  // The API key function throws: the SDK's own promise rejects (not a Result). Handled with the
  // APIPromise's own catch(): Mistral 2.0.0's APIPromise builds an unwrapped promise in its constructor,
  // which only catch() handles (awaiting it alone leaves that one unhandled, with or without midstream).
  'm-func-key': () =>
    chatStream(new Mistral({ apiKey: async () => Promise.reject(new RangeError('no key')), serverURL: `${process.env.FAIL}/status500` }), {
      model: 'm-func-key',
      messages,
    }).catch((error) => {
      throw error;
    }),
  // Under an app span when instrumented (the baseline has no tracer: the same call, no parent).
  'm-parent': async (items) => {
    const call = () => client('mistral-chat', 'full').chat.stream({ model: 'm-parent', messages }).then((s) => drain(s, items));
    const tracer = globalThis.__midstreamTest?.tracerProvider.getTracer('app');
    if (tracer === undefined) return call();
    return tracer.startActiveSpan('app-parent', async (span) => {
      try {
        return await call();
      } finally {
        span.end();
      }
    });
  },
  'm-fim': (items) =>
    client('mistral-fim', 'full').fim.stream({ model: 'm-fim', prompt: 'def add(a, b):' }).then((s) => drain(s, items)),
};

const only = process.env.SCENARIOS?.split(',');
const results = {};
for (const [name, run] of Object.entries(scenarios)) {
  if (only !== undefined && !only.includes(name)) continue;
  results[name] = await capture(run);
}

const otel = globalThis.__midstreamTest;
let spans;
let outcomes;
let durations;
if (otel !== undefined) {
  await otel.tracerProvider.forceFlush();
  spans = otel.spans().map((s) => ({
    name: s.name,
    kind: s.kind,
    scope: s.instrumentationScope.name,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    status: s.status,
    startMs: s.startTime[0] * 1000 + s.startTime[1] / 1e6,
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
  }));
  outcomes = await otel.metric('midstream.stream.outcomes');
  durations = (await otel.metric('gen_ai.client.operation.duration')).map((p) => ({ attributes: p.attributes, count: p.value.count }));
}
process.stdout.write(JSON.stringify({ results, spans, outcomes, durations }) + '\n');
