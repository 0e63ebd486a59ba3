// Child app (run with --import ../mistral/preload.mjs; MISTRAL_TEST_INSTRUMENT=off for the baseline):
// makes a Mistral streaming call and forgets to handle it. Prints whether Node reported a rejection
// as unhandled. argv[2]: stream-500 (chat.stream() against an HTTP 500: the SDK's unwrapping promise
// rejects) | func-key (the standalone chatStream() whose own APIPromise rejects: the API key
// function throws).
import http from 'node:http';
import { Mistral } from '@mistralai/mistralai';
import { chatStream } from '@mistralai/mistralai/funcs/chatStream.js';

const [scenario] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"message":"boom"}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const serverURL = `http://127.0.0.1:${server.address().port}`;
const messages = [{ role: 'user', content: 'x' }];
const seen = await new Promise((resolve) => {
  process.on('unhandledRejection', (error) => resolve(`unhandled ${error?.name} ${error?.message}`));
  if (scenario === 'stream-500') {
    void new Mistral({ apiKey: 'test', serverURL }).chat.stream({ model: 'm', messages });
  } else {
    const apiKey = async () => {
      throw new TypeError('no key today');
    };
    void chatStream(new Mistral({ apiKey, serverURL }), { model: 'm', messages });
  }
  // A bounded wait for the absence of the event, started once the call is made: the call settles
  // within milliseconds.
  setTimeout(() => resolve('none'), 10_000).unref();
});
server.close();
console.log(seen);
