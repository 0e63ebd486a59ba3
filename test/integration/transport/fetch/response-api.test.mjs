// The Response the app gets is its own object and behaves natively: body methods, clone(), tee(),
// url, bodyUsed, instanceof; and those readers are observed too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSseServer, openAIChatEvents } from '../../../support/sse-server.mjs';
import { consume, instrumentation, sameWithAndWithout, spanOf } from './fetch-harness.mjs';

const CHAT = '/v1/chat/completions';

async function chatServer(t, script = {}) {
  const server = await startSseServer({ events: openAIChatEvents(['Hel', 'lo']), ...script });
  t.after(() => server.close());
  return server;
}

test('text() returns the native text and the stream is observed to completion', async (t) => {
  const server = await chatServer(t);
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT), 'text'));
  assert.match(seen.data, /data: \[DONE\]/);
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.chunk.count'], 4);
});

test('json() on an NDJSON-typed single object parses natively, and bad JSON fails with the native error', async (t) => {
  const good = await startSseServer({ events: ['{"a":1}'], contentType: 'application/x-ndjson' });
  t.after(() => good.close());
  const ok = await sameWithAndWithout(() => consume(good.url('/nd'), 'json'));
  assert.equal(ok.data, '{"a":1}');
  assert.equal(spanOf(good).attributes['midstream.protocol'], 'ndjson');
  const bad = await startSseServer({ events: ['{"a":1}\n{"b":2}\n'], contentType: 'application/x-ndjson' });
  t.after(() => bad.close());
  const failed = await sameWithAndWithout(() => consume(bad.url('/nd'), 'json'));
  assert.equal(failed.error.ctor, 'SyntaxError');
  assert.equal(spanOf(bad).attributes['midstream.chunk.count'], 2);
});

test('arrayBuffer() and blob() return the native results', async (t) => {
  const server = await chatServer(t);
  const ab = await sameWithAndWithout(() => consume(server.url(CHAT), 'arrayBuffer'));
  const blob = await sameWithAndWithout(() => consume(server.url(CHAT), 'blob'));
  assert.ok(blob.data.startsWith('text/event-stream:'));
  assert.equal(blob.data.slice('text/event-stream:'.length), ab.data);
});

test('text() on a socket destroyed mid-body rejects with the native error and is truncated', async (t) => {
  const server = await chatServer(t, { fault: 'destroy-after:2' });
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT), 'text'));
  assert.equal(seen.error.ctor, 'TypeError');
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'truncated');
});

test('keeps the Response object: instanceof, url, type, redirected, status, headers, bodyUsed', async (t) => {
  const server = await chatServer(t);
  const res = await fetch(server.url(`${CHAT}?key=secret`));
  assert.ok(res instanceof Response);
  assert.equal(res.url, server.url(`${CHAT}?key=secret`));
  assert.equal(res.type, 'basic');
  assert.equal(res.redirected, false);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  assert.deepEqual(Object.keys(res), [], 'no enumerable own properties added');
  assert.equal(res.bodyUsed, false);
  const body = res.body;
  assert.equal(res.body, body, 'body is one stream');
  assert.ok(body instanceof ReadableStream);
  assert.equal(res.bodyUsed, false, 'accessing body does not use it');
  await res.text();
  assert.equal(res.bodyUsed, true);
  const error = await res.text().catch((e) => e);
  assert.equal(error.constructor.name, 'TypeError', 'a second read fails like the native one');
  const span = spanOf(server);
  assert.equal(span.attributes['url.full'], server.url(CHAT), 'no query string in url.full');
});

test('a second read fails with the same error with and without midstream', async (t) => {
  const server = await chatServer(t);
  const twice = async () => {
    const res = await fetch(server.url(CHAT));
    await res.arrayBuffer();
    try {
      await res.json();
      return { data: 'read twice', error: undefined };
    } catch (e) {
      return { data: String(res.bodyUsed), error: { ctor: e.constructor.name, message: e.message } };
    }
  };
  const seen = await sameWithAndWithout(twice);
  assert.equal(seen.error.ctor, 'TypeError');
});

test('clone() before reading gives a native clone, and both copies read the same bytes', async (t) => {
  const server = await chatServer(t);
  const both = async () => {
    const res = await fetch(server.url(CHAT));
    const copy = res.clone();
    const [a, b] = await Promise.all([res.text(), copy.text()]);
    assert.equal(a, b);
    return { data: `${a}|${copy.url}|${copy instanceof Response}`, error: undefined };
  };
  await sameWithAndWithout(both);
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'completed');
});

test('clone() after body was accessed still works and keeps url', async (t) => {
  const server = await chatServer(t);
  const both = async () => {
    const res = await fetch(server.url(CHAT));
    void res.body;
    const copy = res.clone();
    const [a, b] = await Promise.all([res.text(), copy.text()]);
    assert.equal(a, b);
    return { data: `${a}|${copy.url}|${copy.status}|${copy.headers.get('content-type')}`, error: undefined };
  };
  await sameWithAndWithout(both);
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'completed');
});

test('tee() of res.body gives two identical branches and the stream is observed', async (t) => {
  const server = await chatServer(t);
  const tee = async () => {
    const res = await fetch(server.url(CHAT));
    const [a, b] = res.body.tee();
    const [x, y] = await Promise.all([new Response(a).text(), new Response(b).text()]);
    assert.equal(x, y);
    return { data: x, error: undefined };
  };
  await sameWithAndWithout(tee);
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'completed');
});

test('a Request object input and init are passed through untouched', async (t) => {
  const server = await chatServer(t);
  const run = async () => {
    const res = await fetch(new Request(server.url(CHAT), { method: 'POST', body: '{"model":"m"}', headers: { 'x-test': '1' } }));
    return { data: await res.text(), error: undefined };
  };
  await sameWithAndWithout(run);
  for (const r of server.requests) {
    assert.equal(r.method, 'POST');
    assert.equal(r.body, '{"model":"m"}');
    assert.equal(r.headers['x-test'], '1');
  }
  assert.equal(spanOf(server).attributes['http.request.method'], 'POST');
});

test('a streaming request body with duplex half is passed through', async (t) => {
  const server = await chatServer(t);
  const run = async () => {
    const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"x":1}')); c.close(); } });
    const res = await fetch(server.url(CHAT), { method: 'POST', body, duplex: 'half' });
    return { data: await res.text(), error: undefined };
  };
  await sameWithAndWithout(run);
  assert.deepEqual(server.requests.map((r) => r.body), ['{"x":1}', '{"x":1}']);
});

test('the wrapper keeps fetch name and length, and disable() restores the original', () => {
  const wrapped = globalThis.fetch;
  assert.equal(wrapped.name, 'fetch');
  assert.equal(wrapped.length, 1);
  instrumentation.disable();
  const original = globalThis.fetch;
  assert.notEqual(original, wrapped);
  instrumentation.enable();
  assert.notEqual(globalThis.fetch, original);
});

test('a second enable() and a second instrumentation do not wrap fetch twice', async (t) => {
  const { FetchInstrumentation } = await import('../../../../dist/instrumentations/transport/fetch/index.js');
  const before = globalThis.fetch;
  instrumentation.enable();
  assert.equal(globalThis.fetch, before);
  const other = new FetchInstrumentation({ enabled: false });
  other.enable();
  t.after(() => other.disable());
  assert.equal(globalThis.fetch, before, 'the brand stops a second wrapper');
});
