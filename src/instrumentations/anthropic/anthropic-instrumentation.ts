import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { StainlessInstrumentation } from '../stainless/stainless-instrumentation';
import type { StainlessProvider, StainlessRoute } from '../stainless/stainless-provider';
import { readAnthropicItem } from './anthropic-items';

const MESSAGES: StainlessRoute = { operation: 'chat', requiresTerminal: true, readItem: readAnthropicItem };

export const ANTHROPIC_PROVIDER: StainlessProvider = {
  packageName: '@anthropic-ai/sdk',
  // Tested: 1.0.0 and 1.12 (core/streaming.{js,mjs}, client.{js,mjs} with BaseAnthropic.prototype.makeRequest).
  supportedVersions: ['>=1.0.0 <2'],
  providerName: 'anthropic',
  source: 'anthropic',
  clientExport: 'BaseAnthropic',
  routeFor(path: string): StainlessRoute | undefined {
    // `/v1/messages` (and `beta.messages`, whose `?beta=true` query is stripped).
    return path.endsWith('/messages') ? MESSAGES : undefined;
  },
};

/**
 * Streams of `@anthropic-ai/sdk`: `messages.create({stream: true})`, `messages.stream()`
 * (`MessageStream`), `beta.messages` and the tool runners built on them.
 *
 * The SDK traces itself when a tracer provider is registered (`ANTHROPIC_OPEN_TELEMETRY`, client
 * option `openTelemetry`). midstream then does not start a second span: it writes its stream
 * attributes, events and outcome onto the SDK's own call span (`anthropic.messages.create`), whose
 * name and end the SDK keeps; metrics are recorded as usual. Without SDK tracing, midstream starts
 * its own `chat {model}` span.
 */
export class AnthropicInstrumentation extends StainlessInstrumentation {
  constructor(config: InstrumentationConfig = {}) {
    super(ANTHROPIC_PROVIDER, config);
  }

  protected get provider(): StainlessProvider {
    return ANTHROPIC_PROVIDER;
  }
}
