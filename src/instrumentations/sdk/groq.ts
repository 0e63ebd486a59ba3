import { readOpenAIChatItem } from '../../providers/openai-chat';
import { GeneratedClientInstrumentation, type ClientRoute, type GeneratedClientSpec } from '../kit/generated-client';
import type { MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';

/** Groq speaks the Chat Completions chunk shape; usage comes in `x_groq.usage` on the last chunk. */
const CHAT: ClientRoute = { operation: 'chat', readItem: readOpenAIChatItem };

export const GROQ_SPEC: GeneratedClientSpec = {
  packageName: 'groq-sdk',
  // Tested: 1.1.1 (the first 1.x) and 1.6 (core/streaming.{js,mjs}, client.{js,mjs} with Groq.prototype.makeRequest).
  versions: ['>=1.1.1 <2'],
  providerName: 'groq',
  source: 'groq',
  clientExport: 'Groq',
  routeFor: (path) => (path.endsWith('/chat/completions') ? CHAT : undefined),
};

/** Streams of `groq-sdk`: `chat.completions.create({stream: true})`. One `chat {model}` span per stream. */
export class GroqInstrumentation extends GeneratedClientInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(GROQ_SPEC.source, config);
  }

  protected get spec(): GeneratedClientSpec {
    return GROQ_SPEC;
  }
}
