import { readAnthropicItem } from '../../providers/anthropic';
import { GeneratedClientInstrumentation, type ClientRoute, type GeneratedClientSpec } from '../kit/generated-client';
import type { MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';

const MESSAGES: ClientRoute = { operation: 'chat', readItem: readAnthropicItem };

export const ANTHROPIC_SPEC: GeneratedClientSpec = {
  packageName: '@anthropic-ai/sdk',
  // Tested: 1.0.0 and 1.12 (core/streaming.{js,mjs}, client.{js,mjs} with BaseAnthropic.prototype.makeRequest).
  versions: ['>=1.0.0 <2'],
  providerName: 'anthropic',
  source: 'anthropic',
  clientExport: 'BaseAnthropic',
  // `/v1/messages` (and `beta.messages`, whose `?beta=true` query is stripped).
  routeFor: (path) => (path.endsWith('/messages') ? MESSAGES : undefined),
  // Their iterator's return() (a consumer `break`) calls abort() on the request.
  helperStreams: [
    { files: ['lib/MessageStream.js', 'lib/MessageStream.mjs'], exportName: 'MessageStream' },
    { files: ['lib/BetaMessageStream.js', 'lib/BetaMessageStream.mjs'], exportName: 'BetaMessageStream' },
  ],
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
export class AnthropicInstrumentation extends GeneratedClientInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(ANTHROPIC_SPEC.source, config);
  }

  protected get spec(): GeneratedClientSpec {
    return ANTHROPIC_SPEC;
  }
}
