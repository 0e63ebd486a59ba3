// The same relay endpoint (POST /chat/:session, JSON body → the openai SDK upstream → SSE) in each
// framework, written the way each framework's docs stream. `propagate`: the app aborts the upstream
// when its client leaves. Each returns the relay's base URL; servers close after the test.
import { createRequire } from 'node:module';
import { listen, sseOfItem } from './relay-harness.mjs';

const require = createRequire(import.meta.url);

function create(openai, model, messages, signal) {
  return openai.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } }, { signal });
}

/** node:http, with a callback-style body read (the handler runs from an 'end' listener). */
export async function nodeHttpApp(t, { openai, model, propagate }) {
  const http = require('node:http');
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const ac = new AbortController();
      if (propagate) res.on('close', () => ac.abort());
      try {
        const stream = await create(openai, model, JSON.parse(body).messages, ac.signal);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for await (const item of stream) res.write(sseOfItem(item));
        res.end('data: [DONE]\n\n');
      } catch {
        res.destroy();
      }
    });
  });
  return { url: await listen(t, server), route: undefined };
}

/** Express 5: express.json() reads the body, the matched route is `/chat/:session`. */
export async function expressApp(t, { openai, model, propagate }) {
  const express = require('express');
  const http = require('node:http');
  const app = express();
  app.post('/chat/:session', express.json(), async (req, res) => {
    const ac = new AbortController();
    if (propagate) res.on('close', () => ac.abort());
    try {
      const stream = await create(openai, model, req.body.messages, ac.signal);
      res.set('content-type', 'text/event-stream');
      res.flushHeaders();
      for await (const item of stream) res.write(sseOfItem(item));
      res.end('data: [DONE]\n\n');
    } catch {
      res.destroy();
    }
  });
  return { url: await listen(t, http.createServer(app)), route: '/chat/:session' };
}

/** Fastify 5: raw reply streaming (`reply.hijack()`, `reply.raw`). */
export async function fastifyApp(t, { openai, model, propagate }) {
  const fastify = require('fastify')({ forceCloseConnections: true });
  fastify.post('/chat/:session', async (request, reply) => {
    const ac = new AbortController();
    if (propagate) reply.raw.on('close', () => ac.abort());
    reply.hijack();
    try {
      const stream = await create(openai, model, request.body.messages, ac.signal);
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      for await (const item of stream) reply.raw.write(sseOfItem(item));
      reply.raw.end('data: [DONE]\n\n');
    } catch {
      reply.raw.destroy();
    }
  });
  t.after(() => fastify.close());
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
  return { url, route: '/chat/:session' };
}

/** Fastify 5: `reply.send()` of a Node Readable (Fastify pipes it and destroys it when the client goes). */
export async function fastifySendApp(t, { openai, model, propagate }) {
  const { Readable } = require('node:stream');
  const fastify = require('fastify')({ forceCloseConnections: true });
  fastify.post('/chat/:session', async (request, reply) => {
    const ac = new AbortController();
    if (propagate) reply.raw.on('close', () => ac.abort());
    const upstream = await create(openai, model, request.body.messages, ac.signal);
    async function* events() {
      for await (const item of upstream) yield sseOfItem(item);
      yield 'data: [DONE]\n\n';
    }
    return reply.header('content-type', 'text/event-stream').send(Readable.from(events()));
  });
  t.after(() => fastify.close());
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
  return { url, route: '/chat/:session' };
}

/** Hono on @hono/node-server with its streamSSE helper. */
export async function honoStreamSseApp(t, { openai, model, propagate }) {
  const { Hono } = require('hono');
  const { streamSSE } = require('hono/streaming');
  const app = new Hono();
  app.use('*', async (_c, next) => next());
  app.post('/chat/:session', async (c) => {
    const { messages } = await c.req.json();
    const ac = new AbortController();
    return streamSSE(c, async (stream) => {
      if (propagate) stream.onAbort(() => ac.abort());
      const upstream = await create(openai, model, messages, ac.signal);
      for await (const item of upstream) await stream.write(sseOfItem(item));
      await stream.write('data: [DONE]\n\n');
    });
  });
  return { url: await serveHono(t, app), route: '/chat/:session' };
}

/** Hono on @hono/node-server returning a Web Response with a ReadableStream (the Next.js route handler style). */
export async function honoWebResponseApp(t, { openai, model, propagate }) {
  const { Hono } = require('hono');
  const app = new Hono();
  app.post('/chat/:session', async (c) => {
    const { messages } = await c.req.json();
    const ac = new AbortController();
    const upstream = await create(openai, model, messages, ac.signal);
    const encoder = new TextEncoder();
    // The common route-handler shape: push from the upstream in start(); enqueue throws once the
    // body was cancelled, which ends the loop (and the upstream) at the next item.
    const body = new ReadableStream({
      async start(controller) {
        try {
          for await (const item of upstream) controller.enqueue(encoder.encode(sseOfItem(item)));
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
        } catch {
          // cancelled by the client, or the upstream failed
        }
      },
      cancel() {
        if (propagate) ac.abort();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
  return { url: await serveHono(t, app), route: '/chat/:session' };
}

async function serveHono(t, app) {
  const { serve } = require('@hono/node-server');
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  t.after(() => {
    server.closeAllConnections?.();
    server.close();
  });
  return `http://127.0.0.1:${server.address().port}`;
}

export const FRAMEWORKS = {
  'node:http': nodeHttpApp,
  express: expressApp,
  fastify: fastifyApp,
  'fastify reply.send(stream)': fastifySendApp,
  'hono streamSSE': honoStreamSseApp,
  'hono Web Response': honoWebResponseApp,
};
