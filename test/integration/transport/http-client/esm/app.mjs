// An ESM app using node:http through named imports (import-in-the-middle namespace) and the default
// export; streams SSE from its own server; prints what midstream recorded.
import { createServer, get } from 'node:http';
import http from 'node:http';
import { once } from 'node:events';

const server = createServer((req, res) => {
  res.setHeader('content-type', 'text/event-stream');
  res.write('data: one\n\n');
  res.end('data: two\n\n');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${server.address().port}`;

const fetchWith = (fn, path) =>
  new Promise((resolve, reject) => {
    fn(`${base}${path}`, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
const texts = [await fetchWith(get, '/named'), await fetchWith(http.get, '/default')];
await new Promise((resolve) => setImmediate(resolve));
server.close();
const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
process.stdout.write(JSON.stringify({ texts, spans }));
