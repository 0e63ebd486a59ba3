import { readOpenAIAssistantItem } from '../../providers/openai-assistants';
import { readOpenAIChatItem } from '../../providers/openai-chat';
import { readOpenAIResponsesItem } from '../../providers/openai-responses';
import { GeneratedClientInstrumentation, type ClientRoute, type GeneratedClientSpec } from '../kit/generated-client';
import type { MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';

const CHAT: ClientRoute = { operation: 'chat', readItem: readOpenAIChatItem };
const COMPLETIONS: ClientRoute = { operation: 'text_completion', readItem: readOpenAIChatItem };
const RESPONSES: ClientRoute = { operation: 'chat', readItem: readOpenAIResponsesItem };
/** Assistants (beta) run streams: semantic conventions name running an agent `invoke_agent`. */
const ASSISTANT_RUN: ClientRoute = { operation: 'invoke_agent', readItem: readOpenAIAssistantItem };

/** `/responses` (create) and `/responses/{id}` (retrieve with `stream: true`). */
const RESPONSES_PATH = /\/responses(?:\/[^/]+)?$/;

/** `/threads/{id}/runs`, `/threads/runs` (createAndRun), `/threads/{id}/runs/{id}/submit_tool_outputs`. */
const ASSISTANT_RUN_PATH = /\/threads\/(?:[^/]+\/)?runs(?:\/[^/]+\/submit_tool_outputs)?$/;

export const OPENAI_SPEC: GeneratedClientSpec = {
  packageName: 'openai',
  // Tested: 5.0.0, 6.49, 7.0.0 and 7.59 (the v5+ layout: core/streaming.{js,mjs},
  // client.{js,mjs}; 7.x needs Node >= 22). 4.x has another layout (streaming.js, core.js) and is not patched.
  versions: ['>=5.0.0 <8'],
  providerName: 'openai',
  source: 'openai',
  clientExport: 'OpenAI',
  routeFor(path: string): ClientRoute | undefined {
    if (path.endsWith('/chat/completions')) return CHAT;
    if (path.endsWith('/completions')) return COMPLETIONS;
    if (RESPONSES_PATH.test(path)) return RESPONSES;
    if (ASSISTANT_RUN_PATH.test(path)) return ASSISTANT_RUN;
    return undefined;
  },
  helperStreams: [
    { files: ['lib/ChatCompletionStream.js', 'lib/ChatCompletionStream.mjs'], exportName: 'ChatCompletionStream' },
    { files: ['lib/responses/ResponseStream.js', 'lib/responses/ResponseStream.mjs'], exportName: 'ResponseStream' },
  ],
};

/**
 * Streams of the `openai` SDK: `chat.completions.create({stream: true})`, `completions`,
 * `responses` and every helper built on them (`chat.completions.stream()`, `runTools`,
 * `responses.stream()`) and the beta Assistants run streams (`beta.threads.runs.stream()`,
 * `invoke_agent` spans). One span per stream, `chat {model}`, with the GenAI attributes, the
 * outcome and the chunk timing; the SDK's objects are returned unchanged.
 *
 * @example
 * ```ts
 * import { OpenAIInstrumentation } from 'midstream-otel';
 * registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()] });
 * ```
 */
export class OpenAIInstrumentation extends GeneratedClientInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(OPENAI_SPEC.source, config);
  }

  protected get spec(): GeneratedClientSpec {
    return OPENAI_SPEC;
  }
}
