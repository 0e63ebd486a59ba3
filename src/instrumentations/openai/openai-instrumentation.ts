import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { StainlessInstrumentation } from '../stainless/stainless-instrumentation';
import type { StainlessProvider, StainlessRoute } from '../stainless/stainless-provider';
import { readOpenAIAssistantItem } from './openai-assistant-items';
import { readOpenAIChatItem, readOpenAIResponsesItem } from './openai-items';

const CHAT: StainlessRoute = { operation: 'chat', requiresTerminal: true, readItem: readOpenAIChatItem };
const COMPLETIONS: StainlessRoute = { operation: 'text_completion', requiresTerminal: true, readItem: readOpenAIChatItem };
const RESPONSES: StainlessRoute = { operation: 'chat', requiresTerminal: true, readItem: readOpenAIResponsesItem };
/** Assistants (beta) run streams: semantic conventions name running an agent `invoke_agent`. */
const ASSISTANT_RUN: StainlessRoute = { operation: 'invoke_agent', requiresTerminal: true, readItem: readOpenAIAssistantItem };

/** `/responses` (create) and `/responses/{id}` (retrieve with `stream: true`). */
const RESPONSES_PATH = /\/responses(?:\/[^/]+)?$/;

/** `/threads/{id}/runs`, `/threads/runs` (createAndRun), `/threads/{id}/runs/{id}/submit_tool_outputs`. */
const ASSISTANT_RUN_PATH = /\/threads\/(?:[^/]+\/)?runs(?:\/[^/]+\/submit_tool_outputs)?$/;

export const OPENAI_PROVIDER: StainlessProvider = {
  packageName: 'openai',
  // Tested: 5.0.0, 6.49, 7.0.0 and 7.59 (the Stainless v5+ layout: core/streaming.{js,mjs},
  // client.{js,mjs}; 7.x needs Node >= 22). 4.x has another layout (streaming.js, core.js) and is not patched.
  supportedVersions: ['>=5.0.0 <8'],
  providerName: 'openai',
  source: 'openai',
  clientExport: 'OpenAI',
  routeFor(path: string): StainlessRoute | undefined {
    if (path.endsWith('/chat/completions')) return CHAT;
    if (path.endsWith('/completions')) return COMPLETIONS;
    if (RESPONSES_PATH.test(path)) return RESPONSES;
    if (ASSISTANT_RUN_PATH.test(path)) return ASSISTANT_RUN;
    return undefined;
  },
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
export class OpenAIInstrumentation extends StainlessInstrumentation {
  constructor(config: InstrumentationConfig = {}) {
    super(OPENAI_PROVIDER, config);
  }

  protected get provider(): StainlessProvider {
    return OPENAI_PROVIDER;
  }
}
