import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { readOpenAIChatItem } from '../openai/openai-items';
import { StainlessInstrumentation } from '../stainless/stainless-instrumentation';
import type { StainlessProvider, StainlessRoute } from '../stainless/stainless-provider';

/** Groq speaks the Chat Completions chunk shape; usage comes in `x_groq.usage` on the last chunk. */
const CHAT: StainlessRoute = { operation: 'chat', requiresTerminal: true, readItem: readOpenAIChatItem };

export const GROQ_PROVIDER: StainlessProvider = {
  packageName: 'groq-sdk',
  // Tested: 1.1.1 (the first 1.x) and 1.6 (core/streaming.{js,mjs}, client.{js,mjs} with Groq.prototype.makeRequest).
  supportedVersions: ['>=1.1.1 <2'],
  providerName: 'groq',
  source: 'groq',
  clientExport: 'Groq',
  routeFor(path: string): StainlessRoute | undefined {
    return path.endsWith('/chat/completions') ? CHAT : undefined;
  },
};

/** Streams of `groq-sdk`: `chat.completions.create({stream: true})`. One `chat {model}` span per stream. */
export class GroqInstrumentation extends StainlessInstrumentation {
  constructor(config: InstrumentationConfig = {}) {
    super(GROQ_PROVIDER, config);
  }

  protected get provider(): StainlessProvider {
    return GROQ_PROVIDER;
  }
}
