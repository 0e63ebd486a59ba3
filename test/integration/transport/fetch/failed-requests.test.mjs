// A URL the user declared a stream (a fetch rule) whose request fails before its stream — an HTTP
// error status, a refused connection — is a failed request: one span, status ERROR, error.type the
// status code (else the cause's code), no midstream.outcome, not counted in midstream.stream.outcomes.
// The app gets the same Response or the same rejection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { tel } from './fetch-harness.mjs';

const CHAT = '/v1/chat/completions';

async function statusServer(t, status, contentType) {
  const server = http.createServer((req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(contentType === 'application/json' ? '{"error":{"type":"server_error"}}' : 'upstream failed');
  });
  t.after(() => server.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

for (const [status, contentType] of [
  [503, 'text/plain'],
  [500, 'application/json'],
  [429, 'text/event-stream'],
]) {
  test(`a declared stream answering ${status} (${contentType}) is a failed request, not a stream`, async (t) => {
    const port = await statusServer(t, status, contentType);
    const response = await fetch(`http://127.0.0.1:${port}${CHAT}`, { method: 'POST', body: '{}' });
    assert.equal(response.status, status);
    assert.equal(await response.text(), contentType === 'application/json' ? '{"error":{"type":"server_error"}}' : 'upstream failed');
    const span = tel.onlySpan((s) => s.attributes['server.port'] === port);
    assert.equal(span.status.code, 2);
    assert.equal(span.attributes['error.type'], String(status));
    assert.equal(span.attributes['http.response.status_code'], status);
    assert.equal(span.attributes['midstream.outcome'], undefined);
    assert.equal(await tel.sum('midstream.stream.outcomes', { 'server.address': '127.0.0.1', 'http.response.status_code': status }), 0);
  });
}

test('a refused connection to a declared stream is a failed request with the cause code', async () => {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  await assert.rejects(fetch(`http://127.0.0.1:${port}${CHAT}`), (e) => e instanceof TypeError && e.cause?.code === 'ECONNREFUSED');
  const span = tel.onlySpan((s) => s.attributes['server.port'] === port);
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
  assert.equal(span.attributes['midstream.outcome'], undefined);
});

test('a refused connection to an undeclared URL leaves no span', async () => {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  await assert.rejects(fetch(`http://127.0.0.1:${port}/not-declared`));
  assert.equal(tel.spansWhere((s) => s.attributes['server.port'] === port).length, 0);
});
