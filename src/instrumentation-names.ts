/**
 * The names of midstream's instrumentations, in the order they are built: what
 * `MIDSTREAM_INSTRUMENTATIONS`, `MIDSTREAM_DISABLED_INSTRUMENTATIONS` and the `instrumentations` option
 * accept. `src/instrumentations/index.ts` builds one instrumentation per name (a unit test holds the two
 * lists equal).
 */
export const INSTRUMENTATION_NAMES = [
  'fetch',
  'http-client',
  'http-server',
  'openai',
  'anthropic',
  'groq',
  'google-genai',
  'bedrock',
  'mistral',
  'langchain',
  'ollama',
  'cohere',
  'ai-sdk',
] as const;
