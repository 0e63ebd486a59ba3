// Shared set-up for the fetch tests: one FetchInstrumentation on in-memory telemetry, user rules
// for the OpenAI and Anthropic wire formats on local paths, and a client that reads a response the
// way apps do, returning what it saw (bytes and error) so runs with and without midstream compare.
import assert from 'node:assert/strict';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { terminalRuleFor } from '../../../../dist/providers/index.js';
import { createTelemetry } from '../../../support/telemetry.mjs';

export const instrumentation = new FetchInstrumentation({
  rules: [
    { match: '/v1/chat/completions', rule: terminalRuleFor('openai.chat') },
    { match: /\/v1\/messages$/, rule: terminalRuleFor('anthropic') },
  ],
  streamUrls: ['/raw-bytes'],
});
export const tel = createTelemetry(instrumentation);

/** The one stream span of requests to `server` (by port). */
export function spanOf(server) {
  return tel.onlySpan((s) => s.attributes['server.port'] === server.port);
}

export function spansOf(server) {
  return tel.spansWhere((s) => s.attributes['server.port'] === server.port);
}

/** SSE events (blank-line terminated) in the bytes received so far. */
function eventsIn(chunks) {
  return Buffer.concat(chunks).toString('utf8').split('\n\n').length - 1;
}

function describeError(e) {
  return { ctor: e?.constructor?.name, name: e?.name, message: e?.message, cause: e?.cause?.code };
}

/**
 * Fetches `url` and reads it by `how`: 'read' (reader to the end), 'iterate' (for await to the end),
 * 'abort' (abort once `after` SSE events arrived, then keep reading), 'break' (for await, break once
 * `after` events arrived), 'cancel' (reader.cancel() once `after` events arrived), 'text', 'json',
 * 'arrayBuffer', 'blob'. Counting events, not reads, keeps a run independent of how the socket
 * happened to chunk the body: with a server that holds after `after` events, the app reads exactly
 * those bytes in both runs of sameWithAndWithout().
 * Returns { data: string (hex for bytes), error, response }.
 */
export async function consume(url, how = 'read', { after = 1, init = {} } = {}) {
  const controller = new AbortController();
  let response;
  const chunks = [];
  try {
    response = await fetch(url, { signal: controller.signal, ...init });
    if (how === 'text' || how === 'json' || how === 'arrayBuffer' || how === 'blob') {
      const v = await response[how]();
      const data = how === 'json' ? JSON.stringify(v) : how === 'text' ? v : how === 'blob' ? `${v.type}:${Buffer.from(await v.arrayBuffer()).toString('hex')}` : Buffer.from(v).toString('hex');
      return { data, error: undefined, response };
    }
    if (how === 'iterate' || how === 'break') {
      for await (const c of response.body) {
        chunks.push(Buffer.from(c));
        if (how === 'break' && eventsIn(chunks) >= after) break;
      }
    } else {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(Buffer.from(value));
        if (how === 'abort' && !controller.signal.aborted && eventsIn(chunks) >= after) controller.abort();
        if (how === 'cancel' && eventsIn(chunks) >= after) {
          await reader.cancel();
          break;
        }
      }
    }
    return { data: Buffer.concat(chunks).toString('hex'), error: undefined, response };
  } catch (e) {
    return { data: Buffer.concat(chunks).toString('hex'), error: describeError(e), response };
  }
}

/** Runs `client` with midstream off, then on; asserts the app saw the same data and error; returns the instrumented run. */
export async function sameWithAndWithout(client) {
  instrumentation.disable();
  let plain;
  try {
    plain = await client();
  } finally {
    instrumentation.enable();
  }
  const observed = await client();
  assert.equal(observed.data, plain.data, 'the app reads identical bytes');
  assert.deepEqual(observed.error, plain.error, 'the app sees the same error');
  return observed;
}
