import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { providerForHost, ruleForRequest } from '../../../dist/providers/index.js';

const SSE = 'text/event-stream; charset=utf-8';

describe('ruleForRequest', () => {
  const CASES = [
    ['https://api.openai.com/v1/chat/completions', SSE, 'openai.chat'],
    ['https://api.openai.com/v1/completions', SSE, 'openai.chat'],
    ['https://api.openai.com/v1/responses', SSE, 'openai.responses'],
    ['https://api.openai.com/v1/responses/resp_123?stream=true', SSE, 'openai.responses'],
    ['https://myres.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21', SSE, 'openai.chat'],
    ['https://api.anthropic.com/v1/messages', SSE, 'anthropic'],
    ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', SSE, 'gemini'],
    [
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      SSE,
      'gemini',
    ],
    ['https://api.groq.com/openai/v1/chat/completions', SSE, 'openai.chat'],
    ['https://api.mistral.ai/v1/chat/completions', SSE, 'openai.chat'],
    ['https://api.cohere.com/v2/chat', SSE, 'cohere'],
    ['https://api.cohere.ai/v1/chat', 'application/stream+json', 'cohere.v1'],
    ['http://localhost:11434/api/chat', 'application/x-ndjson', 'ollama'],
    ['http://127.0.0.1:11434/api/generate', undefined, 'ollama'],
    ['http://127.0.0.1:11434/v1/chat/completions', SSE, 'openai.chat'],
    ['https://api.deepseek.com/chat/completions', SSE, 'openai.chat'],
    ['https://api.together.xyz/v1/chat/completions', SSE, 'openai.chat'],
    ['https://openrouter.ai/api/v1/chat/completions/', SSE, 'openai.chat'],
  ];
  for (const [url, contentType, name] of CASES) {
    it(`picks ${name} for ${url}`, () => {
      assert.equal(ruleForRequest(url, contentType)?.name, name);
      assert.equal(ruleForRequest(new URL(url), contentType)?.name, name);
    });
  }

  it('gives no rule for a non-streaming JSON answer from a streaming endpoint', () => {
    assert.equal(ruleForRequest('https://api.openai.com/v1/chat/completions', 'application/json'), undefined);
    assert.equal(ruleForRequest('http://localhost:11434/api/chat', 'application/json'), undefined);
  });

  it('gives no rule for unknown hosts, other paths, or other ports', () => {
    assert.equal(ruleForRequest('https://example.com/v1/chat/completions', SSE), undefined);
    assert.equal(ruleForRequest('https://api.openai.com/v1/embeddings', SSE), undefined);
    assert.equal(ruleForRequest('http://localhost:8080/api/chat', undefined), undefined);
    assert.equal(ruleForRequest('not a url', SSE), undefined);
  });
});

describe('providerForHost', () => {
  it('names the GenAI provider of known hosts', () => {
    const expected = {
      'api.openai.com': 'openai',
      'API.Anthropic.com': 'anthropic',
      'generativelanguage.googleapis.com': 'gcp.gemini',
      'europe-west4-aiplatform.googleapis.com': 'gcp.vertex_ai',
      'api.groq.com': 'groq',
      'api.mistral.ai': 'mistral_ai',
      'api.cohere.com': 'cohere',
      'localhost:11434': 'ollama',
      '[::1]:11434': 'ollama',
      'api.deepseek.com': 'deepseek',
      'myres.openai.azure.com': 'azure.ai.openai',
      'api.openai.com:443': 'openai',
    };
    for (const [host, provider] of Object.entries(expected)) assert.equal(providerForHost(host), provider, host);
  });

  it('does not guess for unknown hosts or a bare localhost', () => {
    assert.equal(providerForHost('example.com'), undefined);
    assert.equal(providerForHost('localhost'), undefined);
    assert.equal(providerForHost('localhost:3000'), undefined);
  });
});
