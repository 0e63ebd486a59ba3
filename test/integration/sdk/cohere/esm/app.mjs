// An ESM app importing the CommonJS-only cohere-ai (the top-level import goes through the ESM
// loader, the SDK's internal files through require); streams once; prints what midstream recorded.
import { CohereClientV2 } from 'cohere-ai';

const client = new CohereClientV2({ token: 'test', environment: `${process.env.SERVER}/cohere-chat/full`, maxRetries: 0 });
let items = 0;
for await (const _ of await client.chatStream({ model: 'esm-cohere', messages: [{ role: 'user', content: 'Say hello' }] }))
  items++;
const spans = globalThis.__midstreamTest.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
process.stdout.write(JSON.stringify({ items, spans }));
