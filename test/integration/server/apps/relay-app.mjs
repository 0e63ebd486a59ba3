// ESM relay app for the register test, run as `node --import midstream-otel/register relay-app.mjs`:
// Hono on @hono/node-server (streamSSE), the openai SDK upstream, all loaded through their ESM
// entries. Env UPSTREAM (the SDK's baseURL), MODEL. Prints `relay <url>`; once its upstream stream
// ended, closes the server so the process ends (and exports) on its own.
import OpenAI from 'openai';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { serve } from '@hono/node-server';

const openai = new OpenAI({ baseURL: process.env.UPSTREAM, apiKey: 'test', maxRetries: 0 });
const app = new Hono();
let server;
app.post('/chat/:session', async (c) => {
  const { messages } = await c.req.json();
  return streamSSE(c, async (stream) => {
    try {
      const upstream = await openai.chat.completions.create({ model: process.env.MODEL, messages, stream: true, stream_options: { include_usage: true } });
      for await (const item of upstream) await stream.writeSSE({ data: JSON.stringify(item.choices[0]?.delta?.content ?? '') });
    } finally {
      console.log('upstream done');
      server.closeAllConnections();
      server.close();
    }
  });
});
server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`relay http://127.0.0.1:${info.port}`));
