// LangChain chat model streams: item view only (AIMessageChunks; the wire underneath is read by the
// provider's own rule). The chunks are built as LangChain's provider packages emit them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readLangChainItem } from '../../../dist/providers/langchain.js';
import { SIGNAL_NONE, SIGNAL_TERMINAL, assertOddItemsHarmless, runItems } from './views.mjs';

const chatOpenAI = [
  { id: 'chatcmpl-L1', content: '', response_metadata: { model_name: 'gpt-4o-mini' } },
  { id: 'chatcmpl-L1', content: 'Hello', response_metadata: {} },
  { id: 'chatcmpl-L1', content: ' world', response_metadata: {} },
  { id: 'chatcmpl-L1', content: '', response_metadata: { finish_reason: 'stop', model_name: 'gpt-4o-mini' } },
  { id: 'chatcmpl-L1', content: '', response_metadata: {}, usage_metadata: { input_tokens: 9, output_tokens: 2 } },
];

describe('langchain: item view', () => {
  it('reads a ChatOpenAI stream as terminal at its finish_reason, with facts and text', () => {
    const got = runItems(readLangChainItem, chatOpenAI);
    assert.deepEqual(got.signals, [SIGNAL_NONE, SIGNAL_NONE, SIGNAL_NONE, SIGNAL_TERMINAL, SIGNAL_NONE]);
    assert.deepEqual(got.facts, {
      responseId: 'chatcmpl-L1',
      responseModel: 'gpt-4o-mini',
      finishReasons: ['stop'],
      inputTokens: 9,
      outputTokens: 2,
    });
    assert.equal(got.text, 'Hello world');
  });

  it('sees no terminal in the stream closed before its finishing chunk', () => {
    const got = runItems(readLangChainItem, chatOpenAI.slice(0, 3));
    assert.deepEqual([got.terminal, got.facts.finishReasons], [false, undefined]);
  });

  it('sums usage over chunks as Anthropic reports it and ignores LangChain run ids', () => {
    const got = runItems(readLangChainItem, [
      { id: 'run-1', content: [{ type: 'text', text: 'Hi' }], usage_metadata: { input_tokens: 12, output_tokens: 1 } },
      {
        id: 'run-1',
        content: [],
        response_metadata: { stop_reason: 'end_turn' },
        usage_metadata: { input_tokens: 0, output_tokens: 5 },
      },
    ]);
    assert.deepEqual(got.facts, { finishReasons: ['end_turn'], inputTokens: 12, outputTokens: 6 });
    assert.deepEqual([got.terminal, got.text], [true, 'Hi']);
  });

  it('reads the Responses API finish from the response fields in response_metadata', () => {
    const got = runItems(readLangChainItem, [
      {
        id: 'resp_1',
        content: '',
        response_metadata: { object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
      },
    ]);
    assert.deepEqual([got.terminal, got.facts.finishReasons], [true, ['max_output_tokens']]);
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readLangChainItem);
  });
});
