// The demo app, run by demo/run.mjs exactly as a user runs theirs:
//   node --require midstream-otel/register demo/app.cjs
// It knows nothing about telemetry. Against the LLM-like server at MIDSTREAM_DEMO_LLM_URL it runs, for
// MIDSTREAM_DEMO_SECONDS:
//   - its own streaming endpoint (relay.cjs, node:http) that relays answers from the openai SDK, and
//     browser-like fetch clients of it, some of which leave early;
//   - direct openai SDK clients (some break out early, some abort) and an Anthropic SDK client;
//   - a plain fetch client of the chat completions endpoint.
// Then it starts a few answers that never finish and prints `workload done {json}`. On SIGTERM (a deploy)
// it stops accepting requests and prints `draining`; the demo then kills it (SIGKILL, the end of a grace
// period) and starts its successor: the same app with MIDSTREAM_DEMO_ROLE=successor, which only serves
// (prints `ready`) and exits once its stdin closes.
const { createRelay } = require('./relay.cjs');
const OpenAI = require('openai').default;
const Anthropic = require('@anthropic-ai/sdk').default;

const llm = process.env.MIDSTREAM_DEMO_LLM_URL;
const seconds = Number(process.env.MIDSTREAM_DEMO_SECONDS ?? 10);
const RELAY_LEAVE_EVERY = 4; // every 4th relay client closes the tab after 3 events
const SDK_BREAK_EVERY = 7; // every 7th direct SDK stream: `break` after 3 chunks
const SDK_ABORT_EVERY = 9; // every 9th: AbortController after 3 chunks
const HANGING = 2; // answers live at the deploy: relayed ones, plus one direct SDK stream

const openai = new OpenAI({ apiKey: 'demo', baseURL: `${llm}/v1`, maxRetries: 1, timeout: 30_000 });
// The relay fails fast (its clients can retry): an upstream 500 becomes its own 502.
const relayOpenai = new OpenAI({ apiKey: 'demo', baseURL: `${llm}/v1`, maxRetries: 0, timeout: 30_000 });
const anthropic = new Anthropic({ apiKey: 'demo', baseURL: llm, maxRetries: 1, timeout: 30_000 });

const counts = { relayLeft: 0, relayLeftUncancelled: 0, sdkBreaks: 0, sdkAborts: 0, hanging: 0 };

async function relayClient(base, n, { scenario, onFirstEvent } = {}) {
  const leave = scenario === undefined && n % RELAY_LEAVE_EVERY === RELAY_LEAVE_EVERY - 1;
  const query = scenario ? `&scenario=${scenario}` : '';
  // Two in three clients that leave early talk to the endpoint that does not cancel its upstream.
  const path = leave && n % (3 * RELAY_LEAVE_EVERY) !== RELAY_LEAVE_EVERY - 1 ? '/chat-legacy' : '/chat';
  const res = await fetch(`${base}${path}?model=${n % 2 ? 'gpt-4o' : 'o4-mini'}${query}`, { headers: { accept: 'text/event-stream' } });
  if (!res.ok) return void (await res.text());
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let events = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    events += decoder.decode(value, { stream: true }).split('\n\n').length - 1;
    if (events > 0) onFirstEvent?.();
    if (leave && events >= 3) {
      counts.relayLeft++;
      if (path === '/chat-legacy') counts.relayLeftUncancelled++;
      return void (await reader.cancel());
    }
  }
}

async function openaiClient(n, { scenario, onFirstChunk } = {}) {
  const controller = new AbortController();
  const stream = await openai.chat.completions.create(
    {
      model: n % 2 ? 'gpt-4o-mini' : 'gpt-4.1',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Why do streams fail after the 200?' }],
    },
    { signal: controller.signal, headers: scenario ? { 'x-demo-scenario': scenario } : undefined },
  );
  let chunks = 0;
  for await (const _ of stream) {
    onFirstChunk?.();
    if (scenario !== undefined || ++chunks < 3) continue;
    if (n % SDK_BREAK_EVERY === SDK_BREAK_EVERY - 1) {
      counts.sdkBreaks++;
      break;
    }
    if (n % SDK_ABORT_EVERY === SDK_ABORT_EVERY - 1 && !controller.signal.aborted) {
      counts.sdkAborts++;
      controller.abort();
    }
  }
}

async function anthropicClient() {
  const stream = await anthropic.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    stream: true,
    messages: [{ role: 'user', content: 'Why do streams fail after the 200?' }],
  });
  for await (const _ of stream);
}

async function fetchClient() {
  const res = await fetch(`${llm}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer demo' },
    body: JSON.stringify({ model: 'gpt-4.1-nano', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  for await (const _ of res.body);
}

/** Runs `one(n)` back to back until the deadline; an app would log failures, this one ignores them. */
async function loop(deadline, one) {
  for (let n = 0; Date.now() < deadline; n++) {
    try {
      await one(n);
    } catch {
      // truncated, errored, aborted, HTTP 500: what midstream is here to record
    }
  }
}

async function main() {
  const relay = createRelay({ openai: relayOpenai });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${relay.address().port}`;
  console.log(`relay ${base}/chat`);
  if (process.env.MIDSTREAM_DEMO_ROLE === 'successor') {
    console.log('ready');
    process.stdin
      .once('end', () => {
        relay.close();
        // A scraper's keep-alive connection to the metrics endpoint would hold the process: do not wait for it.
        setTimeout(() => process.exit(0), 500).unref();
      })
      .resume();
    return;
  }

  const deadline = Date.now() + seconds * 1000;
  await Promise.all([
    loop(deadline, (n) => relayClient(base, n)),
    loop(deadline, (n) => relayClient(base, n + 1)),
    loop(deadline, (n) => relayClient(base, n + 2)),
    loop(deadline, (n) => openaiClient(n)),
    loop(deadline, (n) => openaiClient(n + 3)),
    loop(deadline, () => anthropicClient()),
    loop(deadline, () => fetchClient()),
  ]);

  // Answers still streaming when the deploy comes: wait until each has its first chunk.
  const started = [];
  const hang = (run) =>
    started.push(
      new Promise((resolve) => {
        run(resolve).catch(() => {});
      }),
    );
  for (let i = 0; i < HANGING; i++) hang((resolve) => relayClient(base, i, { scenario: 'hang', onFirstEvent: resolve }));
  hang((resolve) => openaiClient(0, { scenario: 'hang', onFirstChunk: resolve }));
  await Promise.all(started);
  counts.hanging = started.length;
  console.log(`workload done ${JSON.stringify(counts)}`);

  process.on('SIGTERM', () => {
    // A graceful deploy: no new requests; the answers in flight run on until the grace period ends.
    relay.close();
    relay.closeIdleConnections?.();
    console.log('draining');
  });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
