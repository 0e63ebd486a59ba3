// A CommonJS module imported by the ESM app (as a CommonJS dependency such as Fastify is): its
// `require('node:http')` builds a relay server that streams an upstream SSE response to its client.
const http = require('node:http');

/** Starts the relay on 127.0.0.1:0; `GET /relay/<via>` relays `upstream` (an SSE URL). */
function startRelay(upstream) {
  const server = http.createServer((req, res) => {
    http.get(upstream, (up) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      up.pipe(res);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

module.exports = { startRelay };
