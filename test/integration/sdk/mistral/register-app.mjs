// A plain ESM app (no midstream code): streams once from Mistral through chat.stream(); started
// with `node --import midstream-otel/register register-app.mjs` by register.test.mjs.
import { Mistral } from '@mistralai/mistralai';

const client = new Mistral({ apiKey: 'test', serverURL: `${process.env.SERVER}/mistral-chat/${process.env.MODE ?? 'full'}` });
let n = 0;
for await (const _ of await client.chat.stream({ model: 'reg-mistral', messages: [{ role: 'user', content: 'Say hello' }] })) n++;
process.stdout.write(`items ${n}\n`);
