// Child process for abandoned.test.mjs (needs --expose-gc): fetches a held SSE stream, drops the
// Response without reading it, collects garbage, and prints the stream span's attributes as JSON.
import { startSseServer, openAIChatEvents } from '../../../support/sse-server.mjs';
import { instrumentation, spansOf } from './fetch-harness.mjs';

const server = await startSseServer({ events: openAIChatEvents(['a', 'b']), fault: 'hold-after:1' });
const mode = process.argv[2];

async function dropUnread() {
  const res = await fetch(server.url('/v1/chat/completions'));
  if (mode === 'body-kept') return res.body; // the app keeps the stream, drops the Response
  return undefined;
}

let kept = await dropUnread();
const deadline = Date.now() + 5000;
while (spansOf(server).length === 0 && Date.now() < deadline) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  if (mode === 'body-kept' && Date.now() > deadline - 4500) {
    // Still live while the app holds the body; now read it to the end.
    const reader = kept.getReader();
    kept = undefined;
    reader.cancel().catch(() => undefined);
  }
}
const span = spansOf(server)[0];
process.stdout.write(JSON.stringify(span?.attributes ?? null));
instrumentation.disable();
await server.close();
