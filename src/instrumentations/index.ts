import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { guarded } from '../core/guard';
import { processState } from '../core/process-state';
import {
  isInstrumentationEnabled,
  readOptionsFromEnv,
  resolveOptions,
  type InstrumentationName,
  type MidstreamOptions,
} from '../options';
import { AiSdkInstrumentation } from './ai-sdk';
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

/** {@link MidstreamOptions} plus the configuration of each instrumentation. */
export interface MidstreamInstrumentationsOptions extends MidstreamOptions {
  fetch?: FetchInstrumentationConfig;
  httpClient?: HttpClientInstrumentationConfig;
  httpServer?: HttpServerInstrumentationConfig;
  openai?: InstrumentationConfig;
  anthropic?: InstrumentationConfig;
  groq?: InstrumentationConfig;
  googleGenAI?: InstrumentationConfig;
  bedrock?: InstrumentationConfig;
  mistral?: InstrumentationConfig;
  langchain?: InstrumentationConfig;
  ollama?: InstrumentationConfig;
  cohere?: InstrumentationConfig;
  aiSdk?: InstrumentationConfig;
}

interface Entry {
  readonly name: InstrumentationName;
  create(options: MidstreamInstrumentationsOptions): Instrumentation;
}

// Constructing an InstrumentationBase enables it (patches), so only enabled entries are constructed.
const ENTRIES: readonly Entry[] = [
  { name: 'fetch', create: (o) => new FetchInstrumentation(o.fetch) },
  { name: 'http-client', create: (o) => new HttpClientInstrumentation(o.httpClient) },
  { name: 'http-server', create: (o) => new HttpServerInstrumentation(o.httpServer) },
  { name: 'openai', create: (o) => new OpenAIInstrumentation(o.openai) },
  { name: 'anthropic', create: (o) => new AnthropicInstrumentation(o.anthropic) },
  { name: 'groq', create: (o) => new GroqInstrumentation(o.groq) },
  { name: 'google-genai', create: (o) => new GoogleGenAIInstrumentation(o.googleGenAI) },
  { name: 'bedrock', create: (o) => new BedrockInstrumentation(o.bedrock) },
  { name: 'mistral', create: (o) => new MistralInstrumentation(o.mistral) },
  { name: 'langchain', create: (o) => new LangChainInstrumentation(o.langchain) },
  { name: 'ollama', create: (o) => new OllamaInstrumentation(o.ollama) },
  { name: 'cohere', create: (o) => new CohereInstrumentation(o.cohere) },
  { name: 'ai-sdk', create: (o) => new AiSdkInstrumentation(o.aiSdk) },
];

/**
 * midstream's instrumentations, ready for `registerInstrumentations` or a NodeSDK. Applies `options`
 * over the `MIDSTREAM_*` environment variables and stores the result as the process-wide options (stall
 * threshold, content capture, ...). Which instrumentations are built follows `options.instrumentations`,
 * else `MIDSTREAM_INSTRUMENTATIONS` (default: all), minus `MIDSTREAM_DISABLED_INSTRUMENTATIONS`.
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
  processState().options = resolved;
  const out: Instrumentation[] = [];
  for (const entry of ENTRIES) {
    if (!isInstrumentationEnabled(resolved, entry.name)) continue;
    const instrumentation = guarded(`instrumentations.create.${entry.name}`, () => entry.create(options));
    if (instrumentation !== undefined) out.push(instrumentation);
  }
  return out;
}
