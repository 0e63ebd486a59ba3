import type { Instrumentation } from '@opentelemetry/instrumentation';
import { guarded } from '../core/guard';
import {
  isInstrumentationEnabled,
  readOptionsFromEnv,
  resolveOptions,
  type InstrumentationName,
  type MidstreamOptions,
  type ResolvedOptions,
} from '../options';
import { AiSdkInstrumentation } from './ai-sdk';
import type { MidstreamInstrumentationConfig } from './kit/midstream-instrumentation';
import { AnthropicInstrumentation } from './sdk/anthropic';
import { BedrockInstrumentation } from './sdk/bedrock';
import { CohereInstrumentation } from './sdk/cohere';
import { FetchInstrumentation, type FetchInstrumentationConfig } from './transport/fetch';
import { GoogleGenAIInstrumentation } from './genai';
import { GroqInstrumentation } from './sdk/groq';
import { HttpClientInstrumentation, type HttpClientInstrumentationConfig } from './transport/http-client';
import { HttpServerInstrumentation, type HttpServerInstrumentationConfig } from './transport/http-server';
import { OllamaInstrumentation } from './sdk/ollama';
import { LangChainInstrumentation } from './sdk/langchain';
import { MistralInstrumentation } from './mistral';
import { OpenAIInstrumentation } from './sdk/openai';

/**
 * {@link MidstreamOptions} plus the configuration of each instrumentation; an instrumentation's own
 * stream options (`openai: { captureContent: true }`) take precedence over the shared ones.
 */
export interface MidstreamInstrumentationsOptions extends MidstreamOptions {
  fetch?: FetchInstrumentationConfig;
  httpClient?: HttpClientInstrumentationConfig;
  httpServer?: HttpServerInstrumentationConfig;
  openai?: MidstreamInstrumentationConfig;
  anthropic?: MidstreamInstrumentationConfig;
  groq?: MidstreamInstrumentationConfig;
  googleGenAI?: MidstreamInstrumentationConfig;
  bedrock?: MidstreamInstrumentationConfig;
  mistral?: MidstreamInstrumentationConfig;
  langchain?: MidstreamInstrumentationConfig;
  ollama?: MidstreamInstrumentationConfig;
  cohere?: MidstreamInstrumentationConfig;
  aiSdk?: MidstreamInstrumentationConfig;
}

interface Entry {
  readonly name: InstrumentationName;
  create(options: MidstreamInstrumentationsOptions, shared: ResolvedOptions): Instrumentation;
}

/** The options every instrumentation takes; the transports also take `httpMetrics`. */
const STREAM_FIELDS = ['stallThresholdMs', 'idleTimeoutMs', 'captureContent', 'captureContentMaxBytes'] as const;
const TRANSPORT_FIELDS = [...STREAM_FIELDS, 'httpMetrics'] as const;

/**
 * An instrumentation's config: its own fields, and for each of `fields` the value resolved from its
 * own field over the shared options (a bad value is reported once, here, and the shared value used).
 */
function configOf<C extends MidstreamInstrumentationConfig>(
  own: C | undefined,
  shared: ResolvedOptions,
  fields: readonly (keyof ResolvedOptions)[] = STREAM_FIELDS,
): C {
  const resolved = resolveOptions(own, shared);
  const config: Record<string, unknown> = { ...own };
  for (const field of fields) config[field] = resolved[field];
  return config as C;
}

// Constructing an InstrumentationBase enables it (patches), so only enabled entries are constructed.
const ENTRIES: readonly Entry[] = [
  { name: 'fetch', create: (o, s) => new FetchInstrumentation(configOf(o.fetch, s, TRANSPORT_FIELDS)) },
  { name: 'http-client', create: (o, s) => new HttpClientInstrumentation(configOf(o.httpClient, s, TRANSPORT_FIELDS)) },
  { name: 'http-server', create: (o, s) => new HttpServerInstrumentation(configOf(o.httpServer, s, TRANSPORT_FIELDS)) },
  { name: 'openai', create: (o, s) => new OpenAIInstrumentation(configOf(o.openai, s)) },
  { name: 'anthropic', create: (o, s) => new AnthropicInstrumentation(configOf(o.anthropic, s)) },
  { name: 'groq', create: (o, s) => new GroqInstrumentation(configOf(o.groq, s)) },
  { name: 'google-genai', create: (o, s) => new GoogleGenAIInstrumentation(configOf(o.googleGenAI, s)) },
  { name: 'bedrock', create: (o, s) => new BedrockInstrumentation(configOf(o.bedrock, s)) },
  { name: 'mistral', create: (o, s) => new MistralInstrumentation(configOf(o.mistral, s)) },
  { name: 'langchain', create: (o, s) => new LangChainInstrumentation(configOf(o.langchain, s)) },
  { name: 'ollama', create: (o, s) => new OllamaInstrumentation(configOf(o.ollama, s)) },
  { name: 'cohere', create: (o, s) => new CohereInstrumentation(configOf(o.cohere, s)) },
  { name: 'ai-sdk', create: (o, s) => new AiSdkInstrumentation(configOf(o.aiSdk, s)) },
];

/**
 * midstream's instrumentations, ready for `registerInstrumentations` or a NodeSDK. Applies `options`
 * over the `MIDSTREAM_*` environment variables and gives the result (stall threshold, idle timeout,
 * content capture, `httpMetrics` for the transports) to each instrumentation it builds, in its
 * constructor, under that instrumentation's own config (`options.openai`, `options.fetch`, ...).
 * Nothing is stored process-wide: an instrumentation built elsewhere, and `trackStream`, take their
 * own options. Which instrumentations are built follows `options.instrumentations`, else
 * `MIDSTREAM_INSTRUMENTATIONS` (default: all), minus `MIDSTREAM_DISABLED_INSTRUMENTATIONS`.
 *
 * @example
 * ```ts
 * new NodeSDK({
 *   instrumentations: [...midstreamInstrumentations({ stallThresholdMs: 2000, fetch: { streamUrls: ['/events'] } })],
 *   spanProcessors: [new StreamSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter()))],
 * }).start();
 * ```
 */
export function midstreamInstrumentations(options: MidstreamInstrumentationsOptions = {}): Instrumentation[] {
  const resolved = resolveOptions(options, readOptionsFromEnv());
  const out: Instrumentation[] = [];
  for (const entry of ENTRIES) {
    if (!isInstrumentationEnabled(resolved, entry.name)) continue;
    const instrumentation = guarded(`instrumentations.create.${entry.name}`, () => entry.create(options, resolved));
    if (instrumentation !== undefined) out.push(instrumentation);
  }
  return out;
}
