// node:http requests to a URL the user declared a stream (an http-client rule) that fail before
// their stream — an HTTP error status, a refused connection — are failed requests: one span, status
// ERROR, error.type the status code (else the error's code), no outcome, no stream counted. The app
// sees the same response and the same 'error'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { HttpClientInstrumentation, terminalRuleFor } from '../../../../dist/index.js';
import { instrument, startServer } from '../http-harness.mjs';

const instrumentation = new HttpClientInstrumentation({
  rules: [{ match: '/v9/chat/completions', rule: terminalRuleFor('openai.chat') }],
});
const otel = instrument(instrumentation);
const http = createRequire(import.meta.url)('node:http');
const PATH = '/v9/chat/completions';

function spansTo(port) {
  return otel.spans().filter((s) => s.attributes['url.full'] === `http://127.0.0.1:${port}${PATH}`);
}

test('a declared stream answering 502 is a failed request with error.type 502', async (t) => {
  const { url, port } = await startServer(t, (req, res) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('bad gateway');
  });
  const body = await new Promise((resolve, reject) => {
    http
      .get(url(PATH), (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      })
      .on('error', reject);
  });
  assert.deepEqual(body, { status: 502, text: 'bad gateway' });
  const spans = spansTo(port);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].status.code, 2);
  assert.equal(spans[0].attributes['error.type'], '502');
  assert.equal(spans[0].attributes['midstream.outcome'], undefined);
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(outcomes.filter((p) => p.attributes['server.address'] === '127.0.0.1' && p.attributes['http.response.status_code'] === 502).length, 0);
});

test('a refused connection to a declared stream is a failed request with the error code', async () => {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  const req = http.get(`http://127.0.0.1:${port}${PATH}`);
  const [error] = await once(req, 'error');
  assert.equal(error.code, 'ECONNREFUSED');
  const spans = spansTo(port);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].status.code, 2);
  assert.equal(spans[0].attributes['error.type'], 'ECONNREFUSED');
});
