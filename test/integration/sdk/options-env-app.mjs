// Child app of instrumentation-options.test.mjs: one OpenAIInstrumentation registered as a class
// with no options, one stream with a 200 ms stall; prints what the span recorded.
import { OpenAIInstrumentation } from '../../../dist/index.js';
import { startScriptServer } from './sse-script-server.mjs';
import { instrument, sdkRequire } from './sdk-harness.mjs';

const otel = instrument(new OpenAIInstrumentation());
const { default: OpenAI } = sdkRequire(import.meta.url)('openai');
const cleanups = [];
const server = await startScriptServer({ after: (fn) => cleanups.push(fn) });
const client = new OpenAI({ baseURL: server.baseURL('openai-chat', 'stall2x200', '/v1'), apiKey: 'test', maxRetries: 0 });
for await (const _ of await client.chat.completions.create({ model: 'o-env', messages: [], stream: true })) void _;
const span = otel.spans().find((s) => s.attributes['gen_ai.request.model'] === 'o-env');
process.stdout.write(JSON.stringify({ content: span.attributes['midstream.content.output'], stalls: span.attributes['midstream.stall.count'] }));
for (const fn of cleanups) fn();
