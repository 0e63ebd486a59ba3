import { anthropicRule } from './anthropic';
import { cohereRule, cohereV1Rule } from './cohere';
import { geminiRule } from './gemini';
import { ollamaRule } from './ollama';
import { openAIChatRule } from './openai-chat';
import { openAIResponsesRule } from './openai-responses';
import type { TerminalRule } from './types';

/** A known LLM host: its `gen_ai.provider.name` value and the rule of each streaming path. */
interface HostEntry {
  readonly provider: string;
  ruleForPath(path: string): TerminalRule | undefined;
}

const OLLAMA_PORT = '11434';

/** Chat Completions, legacy Completions and Responses paths of OpenAI-compatible servers. */
function openAIPaths(path: string): TerminalRule | undefined {
  if (path.endsWith('/completions')) return openAIChatRule;
  if (/\/responses(?:\/[^/]+)?$/.test(path)) return openAIResponsesRule;
  return undefined;
}

function entry(provider: string, ruleForPath: (path: string) => TerminalRule | undefined): HostEntry {
  return { provider, ruleForPath };
}

const OPENAI = entry('openai', openAIPaths);
const AZURE_OPENAI = entry('azure.ai.openai', openAIPaths);
const AZURE_INFERENCE = entry('azure.ai.inference', openAIPaths);
const ANTHROPIC = entry('anthropic', (path) => (path.endsWith('/v1/messages') ? anthropicRule : undefined));
const GEMINI = entry('gcp.gemini', (path) => (path.includes(':streamGenerateContent') ? geminiRule : undefined));
const VERTEX = entry('gcp.vertex_ai', (path) => {
  if (path.includes(':streamGenerateContent')) return geminiRule;
  if (path.includes(':streamRawPredict') && path.includes('/publishers/anthropic/')) return anthropicRule;
  return path.endsWith('/chat/completions') ? openAIChatRule : undefined;
});
const COHERE = entry('cohere', (path) => {
  if (path.endsWith('/v2/chat')) return cohereRule;
  if (path.endsWith('/v1/chat')) return cohereV1Rule;
  return undefined;
});
const OLLAMA = entry('ollama', (path) => {
  if (path.endsWith('/api/chat') || path.endsWith('/api/generate')) return ollamaRule;
  return openAIPaths(path);
});

const EXACT_HOSTS: ReadonlyMap<string, HostEntry> = new Map([
  ['api.openai.com', OPENAI],
  ['api.anthropic.com', ANTHROPIC],
  ['generativelanguage.googleapis.com', GEMINI],
  ['api.groq.com', entry('groq', openAIPaths)],
  ['api.mistral.ai', entry('mistral_ai', openAIPaths)],
  ['api.cohere.com', COHERE],
  ['api.cohere.ai', COHERE],
  ['api.deepseek.com', entry('deepseek', openAIPaths)],
  ['api.together.xyz', entry('together_ai', openAIPaths)],
  ['api.together.ai', entry('together_ai', openAIPaths)],
  ['openrouter.ai', entry('openrouter', openAIPaths)],
  ['api.x.ai', entry('x_ai', openAIPaths)],
  ['api.perplexity.ai', entry('perplexity', openAIPaths)],
  ['ollama.com', OLLAMA],
]);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function matchHost(hostname: string, port: string): HostEntry | undefined {
  const exact = EXACT_HOSTS.get(hostname);
  if (exact !== undefined) return exact;
  if (hostname.endsWith('.openai.azure.com') || hostname.endsWith('.cognitiveservices.azure.com')) return AZURE_OPENAI;
  if (hostname.endsWith('.services.ai.azure.com') || hostname.endsWith('.models.ai.azure.com')) return AZURE_INFERENCE;
  if (hostname.endsWith('aiplatform.googleapis.com')) return VERTEX;
  if (port === OLLAMA_PORT && LOOPBACK.has(hostname)) return OLLAMA;
  return undefined;
}

/** Splits `host[:port]` (IPv6 in brackets) into a lower-case hostname and a port ('' if none). */
function splitHost(host: string): [string, string] {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) {
    const close = lower.indexOf(']');
    if (close === -1) return [lower, ''];
    const rest = lower.slice(close + 1);
    return [lower.slice(0, close + 1), rest.startsWith(':') ? rest.slice(1) : ''];
  }
  const colon = lower.indexOf(':');
  if (colon === -1 || colon !== lower.lastIndexOf(':')) return [lower, ''];
  return [lower.slice(0, colon), lower.slice(colon + 1)];
}

/**
 * The GenAI `gen_ai.provider.name` value for a known LLM API host (`host` or `host:port`), e.g.
 * `openai`, `anthropic`, `gcp.gemini`, `azure.ai.openai`, `ollama` (loopback port 11434).
 */
export function providerForHost(host: string): string | undefined {
  const [hostname, port] = splitHost(host);
  return matchHost(hostname, port)?.provider;
}

/** Whether a response content type is the framing a rule reads. An unknown content type fits. */
function contentTypeFits(rule: TerminalRule, contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const type = contentType.toLowerCase();
  if (rule.protocol === 'sse') return type.includes('text/event-stream');
  return type.includes('ndjson') || type.includes('jsonl') || type.includes('stream+json');
}

/**
 * The terminal rule for a request to a known LLM API: by host and path, and, when the response
 * content type is given, only if it is the rule's framing (so a non-streaming JSON answer from the
 * same endpoint gets no rule).
 */
export function ruleForRequest(url: URL | string, contentType: string | undefined): TerminalRule | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  const host = matchHost(parsed.hostname.toLowerCase(), parsed.port);
  if (host === undefined) return undefined;
  let path = parsed.pathname;
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const rule = host.ruleForPath(path);
  return rule !== undefined && contentTypeFits(rule, contentType) ? rule : undefined;
}
