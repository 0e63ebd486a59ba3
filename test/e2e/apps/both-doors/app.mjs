// An ESM app, started with `--import midstream-otel/register` or `--require midstream-otel/register`,
// that reaches every target through both module systems: node:http (server and client) through a
// CommonJS module it imports (relay.cjs) and through a named ESM import, fetch, and every SDK loaded
// with `require` (a .cjs file loaded through createRequire) and with `import()`.
import { createRequire } from 'node:module';
import { get } from 'node:http';
import { startRelay } from './relay.cjs';

const require = createRequire(import.meta.url);
const { streamAll, getThroughRequire } = require('./sdk-calls.cjs');

function getThroughImport(url) {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => resolve(n));
    }).on('error', reject);
  });
}

const relay = await startRelay(`${process.env.SERVER}/openai-chat/full`);
const base = `http://127.0.0.1:${relay.address().port}/relay`;
console.log(`http import ${await getThroughImport(`${base}/import`)}`);
console.log(`http require ${await getThroughRequire(`${base}/require`)}`);
console.log(`fetch ${(await (await fetch(`${base}/fetch`)).text()).length}`);
relay.close();

const sdks = process.env.SDKS.split(',');
// mistral is ESM only: `require` of it needs Node >= 22 (require(esm)).
await streamAll((name) => require(name), 'require', sdks.filter((s) => s !== 'mistral'));
await streamAll((name) => import(name), 'import', sdks);
console.log('done');
