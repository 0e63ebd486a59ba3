// The app under observation: a few concurrent clients streaming chat completions with global
// fetch, reading each body to its end the way an app does. It does not classify anything: what
// happened to each stream is for midstream to tell.

const ABORT_EVERY = 7;
const ABORT_AFTER_EVENTS = 3;

/**
 * Runs `clients` concurrent loops against `baseUrl` until `seconds` have passed, then waits for the
 * streams in flight. Every ABORT_EVERY-th request is aborted by the client (AbortController) after
 * ABORT_AFTER_EVENTS events, as a user closing the tab would.
 */
export async function runWorkload({ baseUrl, seconds, clients = 4 }) {
  const deadline = Date.now() + seconds * 1000;
  let issued = 0;
  let aborted = 0;
  const loop = async () => {
    while (Date.now() < deadline) {
      const n = issued++;
      if (await oneChat(baseUrl, n % ABORT_EVERY === ABORT_EVERY - 1 ? ABORT_AFTER_EVENTS : Infinity)) aborted++;
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  return { requests: issued, aborted };
}

/** One streamed chat; true when this client aborted it. */
async function oneChat(baseUrl, abortAfterEvents) {
  const controller = new AbortController();
  try {
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer demo' },
      body: JSON.stringify({
        model: 'demo-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Why do streams fail after the 200?' }],
      }),
      signal: controller.signal,
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let events = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      events += decoder.decode(value, { stream: true }).split('\n\n').length - 1;
      if (events >= abortAfterEvents) controller.abort();
    }
  } catch {
    // An app would log or retry here; the failure is what midstream is meant to record.
  }
  return controller.signal.aborted;
}
