// An ESM app: @langchain/core's ESM build (chat_models.js) with a fake model and ChatOpenAI (whose
// openai SDK is the ESM build too); prints the spans and outcome points as one JSON line.
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { ChatOpenAI } from '@langchain/openai';

const drain = async (stream) => {
  let text = '';
  for await (const chunk of stream) text += chunk.content;
  return text;
};
const fake = new FakeListChatModel({ responses: ['Hi'], sleep: 1, generationInfo: { finish_reason: 'stop' } });
const openai = new ChatOpenAI({ model: 'esm-lc', apiKey: 'test', maxRetries: 0, configuration: { baseURL: `${process.env.SERVER}/openai-chat/full/v1` } });
const texts = { fake: await drain(await fake.stream('x')), openai: await drain(await openai.stream('x')) };
let broke = 0;
for await (const _ of await fake.stream('x')) {
  broke++;
  break;
}
const otel = globalThis.__midstreamTest;
await otel.tracerProvider.forceFlush();
const spans = otel.spans().map((s) => ({
  name: s.name,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId,
  attributes: s.attributes,
}));
const outcomes = await otel.metric('midstream.stream.outcomes');
process.stdout.write(JSON.stringify({ texts, broke, spans, outcomes }) + '\n');
