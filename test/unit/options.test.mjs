import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { readOptionsFromEnv, resolveOptions, isInstrumentationEnabled, DEFAULT_OPTIONS } from '../../dist/options.js';

function captureDiag(t) {
  const lines = [];
  const log = (...args) => lines.push(args.map(String).join(' '));
  diag.setLogger({ error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  t.after(() => diag.disable());
  return lines;
}

test('malformed environment values give one clear diagnostic each and fall back to defaults', (t) => {
  const lines = captureDiag(t);
  const o = readOptionsFromEnv({ MIDSTREAM_STALL_THRESHOLD_MS: 'abc', MIDSTREAM_CAPTURE_CONTENT: 'maybe', MIDSTREAM_IDLE_TIMEOUT_MS: '-5' });
  assert.equal(o.stallThresholdMs, DEFAULT_OPTIONS.stallThresholdMs);
  assert.equal(o.captureContent, false);
  assert.equal(o.idleTimeoutMs, 0);
  assert.equal(lines.length, 3);
  assert.match(lines[0], /MIDSTREAM_STALL_THRESHOLD_MS=abc/);
});

test('valid environment values are read', () => {
  const o = readOptionsFromEnv({ MIDSTREAM_STALL_THRESHOLD_MS: '250', MIDSTREAM_CAPTURE_CONTENT: 'true', MIDSTREAM_INSTRUMENTATIONS: 'fetch, http-server' });
  assert.equal(o.stallThresholdMs, 250);
  assert.equal(o.captureContent, true);
  assert.ok(isInstrumentationEnabled(o, 'fetch'));
  assert.ok(!isInstrumentationEnabled(o, 'http-client'));
});

test('disabled instrumentations are removed from the default set', () => {
  const o = readOptionsFromEnv({ MIDSTREAM_DISABLED_INSTRUMENTATIONS: 'http-client' });
  assert.ok(isInstrumentationEnabled(o, 'fetch'));
  assert.ok(!isInstrumentationEnabled(o, 'http-client'));
});

test('a wrong option type in code is reported and replaced by the default', (t) => {
  const lines = captureDiag(t);
  const o = resolveOptions({ stallThresholdMs: 'soon' }, DEFAULT_OPTIONS);
  assert.equal(o.stallThresholdMs, DEFAULT_OPTIONS.stallThresholdMs);
  assert.equal(lines.length, 1);
});

test('options in code are checked against the same ranges as the environment, and clamped', (t) => {
  const lines = captureDiag(t);
  const o = resolveOptions({ stallThresholdMs: 1e20, captureContentMaxBytes: -3, idleTimeoutMs: 2000 }, DEFAULT_OPTIONS);
  assert.equal(o.stallThresholdMs, 86_400_000);
  assert.equal(o.captureContentMaxBytes, 0);
  assert.equal(o.idleTimeoutMs, 2000);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^midstream: option stallThresholdMs=100000000000000000000 is above the maximum 86400000; using 86400000$/);
});

test('a code option falls back to the environment value, not the built-in default', (t) => {
  const lines = captureDiag(t);
  const base = readOptionsFromEnv({ MIDSTREAM_STALL_THRESHOLD_MS: '250' });
  const o = resolveOptions({ stallThresholdMs: 'soon' }, base);
  assert.equal(o.stallThresholdMs, 250);
  assert.match(lines[0], /option stallThresholdMs=soon is not an integer .*; using the default 250$/);
});
