import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonReader, SseReader } from '../../../dist/protocols/index.js';
import { terminalRuleFor } from '../../../dist/providers/index.js';
import { oneByteSlices, readWire } from '../protocols/wire-slices.mjs';

/** Reads a fixture with the rule's framing and classifies every event, as the wire reader does. */
function run(fixture, ruleName, slices = false) {
  const rule = terminalRuleFor(ruleName);
  assert.ok(rule, `no rule ${ruleName}`);
  const facts = {};
  const signals = [];
  const classify = (event, data) => signals.push(rule.classify(event, data, facts));
  const reader =
    rule.protocol === 'sse'
      ? new SseReader({ onEvent: (event, data) => classify(event, data) })
      : new NdjsonReader({ onLine: (line) => classify('', line) });
  const bytes = readWire(fixture);
  for (const part of slices ? oneByteSlices(bytes) : [bytes]) reader.push(part);
  reader.end();
  return { rule, facts, signals, terminal: signals.includes(1), error: signals.includes(2) };
}

const CASES = [
  [
    'openai-chat.sse',
    'openai.chat',
    {
      terminal: true,
      error: false,
      facts: { responseId: 'chatcmpl-AXa1', responseModel: 'gpt-4o-mini-2024-07-18', finishReasons: ['stop'] },
    },
  ],
  [
    'openai-chat-usage.sse',
    'openai.chat',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: 'chatcmpl-AXa2',
        responseModel: 'gpt-4o-2024-08-06',
        finishReasons: ['length'],
        inputTokens: 19,
        outputTokens: 3,
      },
    },
  ],
  [
    'openai-chat-error.sse',
    'openai.chat',
    {
      terminal: false,
      error: true,
      facts: { responseId: 'chatcmpl-AXa3', responseModel: 'gpt-4o-mini-2024-07-18', errorType: 'server_error' },
    },
  ],
  [
    'groq-chat.sse',
    'groq',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: 'chatcmpl-7c1b',
        responseModel: 'llama-3.3-70b-versatile',
        finishReasons: ['stop'],
        inputTokens: 12,
        outputTokens: 2,
      },
    },
  ],
  [
    'openai-responses.sse',
    'openai.responses',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: 'resp_67c9fdcecf488190bdd9a0409de3a1ec',
        responseModel: 'gpt-4.1-2025-04-14',
        finishReasons: ['stop'],
        inputTokens: 37,
        outputTokens: 11,
      },
    },
  ],
  [
    'openai-responses-incomplete.sse',
    'openai.responses',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: 'resp_inc1',
        responseModel: 'gpt-4.1-2025-04-14',
        finishReasons: ['max_output_tokens'],
        inputTokens: 10,
        outputTokens: 16,
      },
    },
  ],
  [
    'openai-responses-failed.sse',
    'openai.responses',
    {
      terminal: false,
      error: true,
      facts: { responseId: 'resp_fail1', responseModel: 'gpt-4.1-2025-04-14', errorType: 'server_error' },
    },
  ],
  [
    'openai-responses-error.sse',
    'openai.responses',
    {
      terminal: false,
      error: true,
      facts: { responseId: 'resp_err1', responseModel: 'gpt-4.1-2025-04-14', errorType: 'rate_limit_exceeded' },
    },
  ],
  [
    'anthropic-messages.sse',
    'anthropic',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        responseModel: 'claude-sonnet-4-5-20250929',
        finishReasons: ['end_turn'],
        inputTokens: 125,
        outputTokens: 15,
      },
    },
  ],
  [
    'anthropic-error.sse',
    'anthropic',
    {
      terminal: false,
      error: true,
      facts: {
        responseId: 'msg_01Err',
        responseModel: 'claude-sonnet-4-5-20250929',
        inputTokens: 12,
        outputTokens: 1,
        errorType: 'overloaded_error',
      },
    },
  ],
  [
    'gemini.sse',
    'gemini',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: '7Ug_aJ2lLqCqz7IP3LCZ2Q4',
        responseModel: 'gemini-2.0-flash',
        finishReasons: ['STOP'],
        inputTokens: 8,
        outputTokens: 6,
      },
    },
  ],
  [
    'gemini-error.sse',
    'gemini',
    { terminal: false, error: true, facts: { responseId: 'err1', responseModel: 'gemini-2.0-flash', errorType: 'UNAVAILABLE' } },
  ],
  [
    'ollama-chat.ndjson',
    'ollama',
    {
      terminal: true,
      error: false,
      facts: { responseModel: 'llama3.2', finishReasons: ['stop'], inputTokens: 26, outputTokens: 282 },
    },
  ],
  ['ollama-error.ndjson', 'ollama', { terminal: false, error: true, facts: { responseModel: 'llama3.2', errorType: '_OTHER' } }],
  [
    'cohere-v2.sse',
    'cohere',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: '29f14a5a-11de-4cae-9800-25e4747408ea',
        finishReasons: ['COMPLETE'],
        inputTokens: 69,
        outputTokens: 5,
      },
    },
  ],
  [
    'cohere-v1.ndjson',
    'cohere.v1',
    {
      terminal: true,
      error: false,
      facts: {
        responseId: 'a9e4c1f2-2f3d-4a43-9b0e-3a1d6b0c5e11',
        finishReasons: ['COMPLETE'],
        inputTokens: 68,
        outputTokens: 1,
      },
    },
  ],
];

describe('terminal rules on the wire fixtures', () => {
  for (const [fixture, ruleName, expected] of CASES) {
    it(`${ruleName} reads ${fixture}: terminal=${expected.terminal}, error=${expected.error}, and its facts`, () => {
      const got = run(fixture, ruleName);
      assert.deepEqual({ terminal: got.terminal, error: got.error, facts: got.facts }, expected);
    });

    it(`${ruleName} reads ${fixture} the same from 1-byte slices`, () => {
      const whole = run(fixture, ruleName);
      const sliced = run(fixture, ruleName, true);
      assert.deepEqual([sliced.signals, sliced.facts], [whole.signals, whole.facts]);
    });
  }

  for (const [fixture, ruleName] of [
    ['openai-chat-truncated.sse', 'openai.chat'],
    ['anthropic-truncated.sse', 'anthropic'],
    ['gemini-truncated.sse', 'gemini'],
    ['ollama-truncated.ndjson', 'ollama'],
  ]) {
    it(`never reports terminal for ${fixture}, a clean close before the marker`, () => {
      const got = run(fixture, ruleName);
      assert.equal(got.rule.requiresTerminal, true);
      assert.ok(got.signals.length >= 2);
      assert.deepEqual([got.terminal, got.error], [false, false]);
    });
  }

  it('does not take "finish_reason" inside generated text for the real field', () => {
    const got = run('openai-chat.sse', 'openai.chat');
    assert.deepEqual(got.signals, [0, 0, 0, 0, 1, 1]);
  });

  it('reads keys written with spaces around the colon, as Python servers send them', () => {
    const facts = {};
    const data = '{"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason" : "length"}]}';
    assert.equal(terminalRuleFor('openai.chat').classify('', data, facts), 1);
    assert.deepEqual(facts, { responseId: 'c1', responseModel: 'm', finishReasons: ['length'] });
  });

  it('ignores an escaped key inside generated text', () => {
    const data =
      '{"id":"c1","model":"m","choices":[{"delta":{"content":"\\"finish_reason\\":\\"stop\\""},"finish_reason":null}]}';
    assert.equal(JSON.parse(data).choices[0].finish_reason, null);
    assert.equal(terminalRuleFor('openai.chat').classify('', data, {}), 0);
  });

  it('marks an Anthropic stream terminal only at message_stop', () => {
    const got = run('anthropic-messages.sse', 'anthropic');
    assert.deepEqual(got.signals, [0, 0, 0, 0, 0, 0, 0, 1]);
  });
});

describe('terminal rules stay off the hot path', () => {
  for (const [fixture, ruleName, maxParses] of [
    ['openai-chat.sse', 'openai.chat', 2],
    ['anthropic-messages.sse', 'anthropic', 2],
    ['gemini.sse', 'gemini', 2],
    ['ollama-chat.ndjson', 'ollama', 2],
    ['cohere-v2.sse', 'cohere', 2],
  ]) {
    it(`parses at most ${maxParses} events of ${fixture} as JSON`, (t) => {
      const parse = JSON.parse;
      let parses = 0;
      JSON.parse = (...args) => {
        parses++;
        return parse(...args);
      };
      t.after(() => {
        JSON.parse = parse;
      });
      run(fixture, ruleName);
      JSON.parse = parse;
      assert.ok(parses <= maxParses, `${parses} parses`);
      assert.ok(parses >= 1);
    });
  }
});

describe('terminal rules on malformed data', () => {
  const NAMES = ['openai.chat', 'openai.responses', 'anthropic', 'gemini', 'ollama', 'cohere', 'cohere.v1'];
  const BAD = [
    '{"finish_reason":"stop"',
    '{"error":',
    '{"done": true',
    '{"choices":"x","finish_reason":"stop","usage":7}',
    '{"candidates":[null,1],"finishReason":"STOP","usageMetadata":[]}',
    'null',
    '',
    '[DONE',
    '{"type":"message_start","message":5}',
    '{"type":"response.completed","response":"x"}',
  ];
  for (const name of NAMES) {
    it(`${name} returns a signal and never throws on truncated or odd JSON`, () => {
      const rule = terminalRuleFor(name);
      for (const event of ['', 'error', 'message_start', 'response.completed', 'message-end']) {
        for (const data of BAD) {
          const facts = {};
          let signal;
          assert.doesNotThrow(() => {
            signal = rule.classify(event, data, facts);
          }, `${event} ${data}`);
          assert.ok(signal === 0 || signal === 1 || signal === 2);
        }
      }
    });
  }

  it('gives no signal for a truncated chunk that only looks like a finish', () => {
    assert.equal(terminalRuleFor('openai.chat').classify('', '{"choices":[{"finish_reason":"stop"', {}), 0);
  });
});

describe('terminalRuleFor', () => {
  it('resolves the documented names and aliases', () => {
    const expected = {
      'openai.chat': 'openai.chat',
      'openai.completions': 'openai.chat',
      groq: 'openai.chat',
      mistral: 'openai.chat',
      'openai.responses': 'openai.responses',
      anthropic: 'anthropic',
      gemini: 'gemini',
      ollama: 'ollama',
      cohere: 'cohere',
      'cohere.v1': 'cohere.v1',
    };
    for (const [alias, name] of Object.entries(expected)) assert.equal(terminalRuleFor(alias)?.name, name, alias);
    assert.equal(terminalRuleFor('ollama').protocol, 'ndjson');
    assert.equal(terminalRuleFor('nope'), undefined);
  });
});
