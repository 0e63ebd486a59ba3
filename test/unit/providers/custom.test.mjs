// Custom SSE protocols: wire view only. For items of an unknown protocol the manual trackStream API
// takes the app's own isTerminal / isError predicates instead of an item reader.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { customSseRule } from '../../../dist/providers/index.js';

describe('customSseRule', () => {
  it('matches terminal data as exact text', () => {
    const rule = customSseRule({ terminalData: '[DONE]', errorEvent: 'error' });
    assert.deepEqual([rule.name, rule.protocol, rule.requiresTerminal], ['custom', 'sse', true]);
    assert.equal(rule.classify('', '[DONE]', {}), 1);
    assert.equal(rule.classify('', '[DONE] ', {}), 0);
  });

  it('requires both the event name and the data when both are given', () => {
    const rule = customSseRule({ terminalEvent: 'end', terminalData: /"ok":true/g });
    assert.equal(rule.classify('end', '{"ok":true}', {}), 1);
    assert.equal(rule.classify('end', '{"ok":true}', {}), 1);
    assert.equal(rule.classify('end', '{"ok":false}', {}), 0);
    assert.equal(rule.classify('delta', '{"ok":true}', {}), 0);
  });

  it('treats a throwing predicate as no match', () => {
    const rule = customSseRule({
      terminalData: () => {
        throw new Error('boom');
      },
    });
    assert.equal(rule.classify('', 'x', {}), 0);
  });

  it('reports the error event with a code from its data', () => {
    const facts = {};
    const rule = customSseRule({ terminalEvent: 'done', errorEvent: 'failure' });
    assert.equal(rule.classify('failure', '{"error":{"code":"quota"}}', facts), 2);
    assert.equal(facts.errorType, 'quota');
    assert.equal(rule.classify('done', 'anything', {}), 1);
  });

  it('has no terminal requirement without terminal options', () => {
    const rule = customSseRule({ errorEvent: 'error' });
    assert.equal(rule.requiresTerminal, false);
    assert.equal(rule.classify('done', '[DONE]', {}), 0);
  });
});
