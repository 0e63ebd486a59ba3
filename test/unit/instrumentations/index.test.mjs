// midstreamInstrumentations(): which instrumentations are built, from options and MIDSTREAM_* variables.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { midstreamInstrumentations } from 'midstream-otel';
import { INSTRUMENTATION_NAMES } from '../../../dist/instrumentation-names.js';

const names = (list) => list.map((i) => i.instrumentationName.replace('midstream-otel/', ''));

function withEnv(t, vars) {
  const saved = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

function disableAll(list) {
  for (const i of list) i.disable();
}

it('builds every instrumentation by default', () => {
  const list = midstreamInstrumentations();
  disableAll(list);
  assert.deepEqual(names(list), [
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
  ]);
  assert.deepEqual(names(list), [...INSTRUMENTATION_NAMES], 'the names the configuration accepts');
});

it('builds only the instrumentations named in options, ahead of MIDSTREAM_INSTRUMENTATIONS', (t) => {
  withEnv(t, { MIDSTREAM_INSTRUMENTATIONS: 'openai' });
  const list = midstreamInstrumentations({ instrumentations: ['fetch', 'http-server'] });
  disableAll(list);
  assert.deepEqual(names(list), ['fetch', 'http-server']);
});

it('reads MIDSTREAM_INSTRUMENTATIONS and MIDSTREAM_DISABLED_INSTRUMENTATIONS', (t) => {
  withEnv(t, { MIDSTREAM_INSTRUMENTATIONS: 'fetch, http-client,openai', MIDSTREAM_DISABLED_INSTRUMENTATIONS: 'http-client' });
  const list = midstreamInstrumentations();
  disableAll(list);
  assert.deepEqual(names(list), ['fetch', 'openai']);
});

it('reports an unknown instrumentation name once and builds the known ones', (t) => {
  const messages = [];
  diag.setLogger({ warn: (m) => messages.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  t.after(() => diag.disable());
  const list = midstreamInstrumentations({ instrumentations: ['fetch', 'fecth'] });
  disableAll(list);
  assert.deepEqual(names(list), ['fetch']);
  assert.equal(messages.filter((m) => m.includes('"fecth"')).length, 1);
});

function captureWarnings(t) {
  const messages = [];
  diag.setLogger({ warn: (m) => messages.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  t.after(() => diag.disable());
  return messages;
}

it('builds every instrumentation when MIDSTREAM_INSTRUMENTATIONS names none it knows, with one line', (t) => {
  const messages = captureWarnings(t);
  withEnv(t, { MIDSTREAM_INSTRUMENTATIONS: 'bogus' });
  const list = midstreamInstrumentations();
  disableAll(list);
  assert.deepEqual(names(list), [...INSTRUMENTATION_NAMES]);
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0], /MIDSTREAM_INSTRUMENTATIONS=bogus .*\(valid: fetch, .*\); using the default \(all\)/);
});

it('builds every instrumentation when the list in code names none it knows, and none for an empty list', (t) => {
  const messages = captureWarnings(t);
  const all = midstreamInstrumentations({ instrumentations: ['bogus'] });
  disableAll(all);
  assert.equal(all.length, INSTRUMENTATION_NAMES.length);
  assert.equal(messages.length, 1, messages.join('\n'));
  const none = midstreamInstrumentations({ instrumentations: [] });
  assert.deepEqual(none, []);
  assert.equal(messages.length, 1, 'an empty list is a choice, not a mistake');
});

it('gives its shared options to every instrumentation it builds, in its config, under its own entry', () => {
  const list = midstreamInstrumentations({
    stallThresholdMs: 777,
    captureContent: true,
    httpMetrics: 'off',
    openai: { stallThresholdMs: 50, captureContent: false },
    fetch: { streamUrls: ['/events'], idleTimeoutMs: 3000 },
  });
  disableAll(list);
  const byName = Object.fromEntries(list.map((i) => [i.instrumentationName.replace('midstream-otel/', ''), i.getConfig()]));
  for (const [name, config] of Object.entries(byName)) {
    const transport = ['fetch', 'http-client', 'http-server'].includes(name);
    const expected = {
      stallThresholdMs: name === 'openai' ? 50 : 777,
      idleTimeoutMs: name === 'fetch' ? 3000 : 0,
      captureContent: name !== 'openai',
      captureContentMaxBytes: 4096,
      httpMetrics: transport ? 'off' : undefined,
    };
    const { stallThresholdMs, idleTimeoutMs, captureContent, captureContentMaxBytes, httpMetrics } = config;
    assert.deepEqual({ stallThresholdMs, idleTimeoutMs, captureContent, captureContentMaxBytes, httpMetrics }, expected, name);
  }
  assert.deepEqual(byName.fetch.streamUrls, ['/events'], "the instrumentation's own fields are kept");
});

it('reports a bad value in an instrumentation entry once and gives it the shared value', (t) => {
  const messages = captureWarnings(t);
  const list = midstreamInstrumentations({
    instrumentations: ['openai', 'fetch'],
    stallThresholdMs: 777,
    openai: { stallThresholdMs: 'soon' },
  });
  disableAll(list);
  assert.deepEqual(
    list.map((i) => i.getConfig().stallThresholdMs),
    [777, 777],
  );
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0], /option stallThresholdMs=soon .*using the default 777$/);
});
