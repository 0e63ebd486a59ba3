// Options are explicit: every instrumentation class (each one the package exports) resolves its
// options from its own config over MIDSTREAM_*, read once per process on first use. This file sets
// MIDSTREAM_* before anything of midstream reads them (node --test runs each file in its own process)
// and reads the options the kit resolved (the protected `options` getter) for every class.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';

Object.assign(process.env, {
  MIDSTREAM_STALL_THRESHOLD_MS: '1500',
  MIDSTREAM_IDLE_TIMEOUT_MS: '9000',
  MIDSTREAM_CAPTURE_CONTENT: 'true',
  MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES: '100',
  MIDSTREAM_HTTP_METRICS: 'off',
});
const midstream = await import('midstream-otel');
const { INSTRUMENTATION_NAMES } = await import('../../../../dist/instrumentation-names.js');

const classes = Object.entries(midstream).filter(
  ([name, value]) => name.endsWith('Instrumentation') && typeof value === 'function',
);
const TRANSPORTS = new Set(['FetchInstrumentation', 'HttpClientInstrumentation', 'HttpServerInstrumentation']);
const FROM_ENV = {
  stallThresholdMs: 1500,
  idleTimeoutMs: 9000,
  captureContent: true,
  captureContentMaxBytes: 100,
  httpMetrics: 'off',
};

/** The options a stream of `instrumentation` starts with. */
function optionsOf(instrumentation) {
  const { stallThresholdMs, idleTimeoutMs, captureContent, captureContentMaxBytes, httpMetrics } = instrumentation.options;
  return { stallThresholdMs, idleTimeoutMs, captureContent, captureContentMaxBytes, httpMetrics };
}

// `enabled: false`: nothing is patched; the options resolve all the same.
const build = (Class, config = {}) => new Class({ enabled: false, ...config });

it('covers every instrumentation class the package exports', () => {
  assert.equal(classes.length, INSTRUMENTATION_NAMES.length, classes.map(([name]) => name).join(', '));
});

for (const [name, Class] of classes) {
  it(`${name} built with no options takes MIDSTREAM_*`, () => {
    assert.deepEqual(optionsOf(build(Class)), FROM_ENV);
  });

  it(`${name} takes options given to its constructor over MIDSTREAM_*, field by field`, () => {
    const given = { stallThresholdMs: 250, captureContent: false, ...(TRANSPORTS.has(name) ? { httpMetrics: 'on' } : {}) };
    assert.deepEqual(optionsOf(build(Class, given)), { ...FROM_ENV, ...given });
  });

  it(`${name} takes options given to setConfig() from then on`, () => {
    const instrumentation = build(Class, { stallThresholdMs: 250 });
    instrumentation.setConfig({ enabled: false, idleTimeoutMs: 40 });
    assert.deepEqual(optionsOf(instrumentation), { ...FROM_ENV, idleTimeoutMs: 40 });
  });
}

it('reads MIDSTREAM_* once: a later change of the environment changes nothing, explicit options still apply', (t) => {
  const saved = process.env.MIDSTREAM_STALL_THRESHOLD_MS;
  process.env.MIDSTREAM_STALL_THRESHOLD_MS = '7';
  t.after(() => (process.env.MIDSTREAM_STALL_THRESHOLD_MS = saved));
  assert.equal(optionsOf(build(midstream.OpenAIInstrumentation)).stallThresholdMs, 1500);
  assert.equal(optionsOf(build(midstream.OpenAIInstrumentation, { stallThresholdMs: 30 })).stallThresholdMs, 30);
});

it('reports a bad constructor value once and uses MIDSTREAM_* for it', (t) => {
  const lines = [];
  diag.setLogger({ warn: (m) => lines.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  t.after(() => diag.disable());
  const instrumentation = build(midstream.AnthropicInstrumentation, { stallThresholdMs: 'soon', idleTimeoutMs: 20 });
  assert.equal(optionsOf(instrumentation).stallThresholdMs, 1500);
  assert.equal(optionsOf(instrumentation).idleTimeoutMs, 20);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /option stallThresholdMs=soon .*using the default 1500$/);
});
