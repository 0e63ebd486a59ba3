// The configuration contract (src/env-contract.ts), one table: for every variable, values that are
// used as given (no line) and values that are not (exactly one diagnostic line naming the variable,
// the value and what is used instead). The child-process rows are in test/e2e/config.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ENV_CONTRACT, readEnv } from '../../dist/env-contract.js';
import { INSTRUMENTATION_NAMES } from '../../dist/instrumentation-names.js';
import { captureDiag } from '../support/diag.mjs';

const ALL = undefined; // MIDSTREAM_INSTRUMENTATIONS' default: every instrumentation
const VALID_INSTRUMENTATIONS = /\(valid: fetch, http-client, http-server, openai, .*, ai-sdk\)/;

// [variable, raw value, value read, line (RegExp) or null for none, other variables of the environment]
const ROWS = [
  ['OTEL_SDK_DISABLED', 'true', true, null],
  ['OTEL_SDK_DISABLED', 'FALSE', false, null],
  ['OTEL_SDK_DISABLED', 'maybe', false, /^midstream: OTEL_SDK_DISABLED=maybe is not true or false; using the default false$/],
  ['OTEL_SDK_DISABLED', '1', false, /OTEL_SDK_DISABLED=1 is not true or false; using the default false/],
  ['OTEL_LOG_LEVEL', 'DEBUG', 'debug', null],
  ['OTEL_LOG_LEVEL', 'none', 'none', null],
  ['OTEL_LOG_LEVEL', 'garbage', 'warn', /^midstream: OTEL_LOG_LEVEL=garbage is not one of none, error, warn, info, debug, verbose, all; using the default warn$/],
  ['OTEL_TRACES_EXPORTER', 'console,otlp', ['console', 'otlp'], null],
  ['OTEL_TRACES_EXPORTER', 'otlp,none', [], null],
  ['OTEL_TRACES_EXPORTER', 'zipkin', ['otlp'], /^midstream: OTEL_TRACES_EXPORTER=zipkin has an unknown exporter zipkin \(valid: otlp, console, none\); using the default otlp$/],
  ['OTEL_TRACES_EXPORTER', 'bogus', ['otlp'], /OTEL_TRACES_EXPORTER=bogus .*; using the default otlp$/],
  ['OTEL_TRACES_EXPORTER', 'console,zipkin', ['console'], /OTEL_TRACES_EXPORTER=console,zipkin has an unknown exporter zipkin .*; using console$/],
  ['OTEL_TRACES_EXPORTER', ',', ['otlp'], /OTEL_TRACES_EXPORTER=, names nothing .*; using the default otlp$/],
  ['OTEL_METRICS_EXPORTER', 'Prometheus', ['prometheus'], null],
  ['OTEL_METRICS_EXPORTER', 'statsd', ['otlp'], /^midstream: OTEL_METRICS_EXPORTER=statsd has an unknown exporter statsd \(valid: otlp, prometheus, console, none\); using the default otlp$/],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'https://collector:4318', 'https://collector:4318', null],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'localhost:4318', 'http://localhost:4318', /^midstream: OTEL_EXPORTER_OTLP_ENDPOINT=localhost:4318 is not an http\(s\) URL \(http:\/\/host:port\); using the default http:\/\/localhost:4318$/],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', '::bad', 'http://localhost:4318', /OTEL_EXPORTER_OTLP_ENDPOINT=::bad is not an http\(s\) URL/],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317', 'http://localhost:4318', /OTEL_EXPORTER_OTLP_ENDPOINT=grpc:\/\/collector:4317 is not an http\(s\) URL/],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'http://c:4318/custom', 'http://c:4318/custom', null],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'nope', 'http://c:4318/v1/traces', /^midstream: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=nope is not an http\(s\) URL \(http:\/\/host:port\); using the default http:\/\/c:4318\/v1\/traces$/, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }],
  ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'nope', 'http://localhost:4318/v1/metrics', /OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=nope .*; using the default http:\/\/localhost:4318\/v1\/metrics$/],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf', 'http/protobuf', null],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', 'http/json', /^midstream: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not available in midstream-otel\/register \(http\/json, http\/protobuf; sent as JSON\); using the default http\/json$/],
  ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'HTTP/JSON', 'http/json', null],
  ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'grpc', 'http/json', /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc .*; using the default http\/json$/],
  ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'thrift', 'http/protobuf', /OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=thrift .*; using the default http\/protobuf$/, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }],
  ['OTEL_EXPORTER_PROMETHEUS_HOST', '127.0.0.1', '127.0.0.1', null],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '9100', 9100, null],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '-1', 9464, /^midstream: OTEL_EXPORTER_PROMETHEUS_PORT=-1 is not a port \(1..65535\); using the default 9464$/],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '99999', 9464, /OTEL_EXPORTER_PROMETHEUS_PORT=99999 is not a port .*; using the default 9464$/],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', 'abc', 9464, /OTEL_EXPORTER_PROMETHEUS_PORT=abc is not a port .*; using the default 9464$/],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '0', 9464, /OTEL_EXPORTER_PROMETHEUS_PORT=0 is not a port/],
  ['OTEL_METRIC_EXPORT_INTERVAL', '15000', 15000, null],
  ['OTEL_METRIC_EXPORT_INTERVAL', '10', 100, /^midstream: OTEL_METRIC_EXPORT_INTERVAL=10 is below the minimum 100; using 100$/],
  ['OTEL_METRIC_EXPORT_INTERVAL', 'soon', 60000, /OTEL_METRIC_EXPORT_INTERVAL=soon is not an integer \(100..86400000\); using the default 60000$/],
  ['OTEL_METRIC_EXPORT_TIMEOUT', '99999999999999999999', 86400000, /OTEL_METRIC_EXPORT_TIMEOUT=99999999999999999999 is above the maximum 86400000; using 86400000$/],
  ['MIDSTREAM_STALL_THRESHOLD_MS', '250', 250, null],
  ['MIDSTREAM_STALL_THRESHOLD_MS', ' 0 ', 0, null],
  ['MIDSTREAM_STALL_THRESHOLD_MS', 'abc', 5000, /^midstream: MIDSTREAM_STALL_THRESHOLD_MS=abc is not an integer \(0..86400000\); using the default 5000$/],
  ['MIDSTREAM_STALL_THRESHOLD_MS', '2.5', 5000, /MIDSTREAM_STALL_THRESHOLD_MS=2.5 is not an integer/],
  ['MIDSTREAM_STALL_THRESHOLD_MS', '99999999999999999999', 86400000, /MIDSTREAM_STALL_THRESHOLD_MS=99999999999999999999 is above the maximum 86400000; using 86400000$/],
  ['MIDSTREAM_STALL_THRESHOLD_MS', '-5', 0, /MIDSTREAM_STALL_THRESHOLD_MS=-5 is below the minimum 0; using 0$/],
  ['MIDSTREAM_IDLE_TIMEOUT_MS', '30000', 30000, null],
  ['MIDSTREAM_IDLE_TIMEOUT_MS', '99999999999999999999', 86400000, /MIDSTREAM_IDLE_TIMEOUT_MS=99999999999999999999 is above the maximum 86400000; using 86400000$/],
  ['MIDSTREAM_IDLE_TIMEOUT_MS', 'nope', 0, /MIDSTREAM_IDLE_TIMEOUT_MS=nope is not an integer .*; using the default 0$/],
  ['MIDSTREAM_CAPTURE_CONTENT', 'True', true, null],
  ['MIDSTREAM_CAPTURE_CONTENT', 'yes', false, /^midstream: MIDSTREAM_CAPTURE_CONTENT=yes is not true or false; using the default false$/],
  ['MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES', '16', 16, null],
  ['MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES', '99999999999999999999', 1048576, /MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES=99999999999999999999 is above the maximum 1048576; using 1048576$/],
  ['MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES', '-1', 0, /MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES=-1 is below the minimum 0; using 0$/],
  ['MIDSTREAM_INSTRUMENTATIONS', 'fetch, OpenAI,fetch', ['fetch', 'openai'], null],
  ['MIDSTREAM_INSTRUMENTATIONS', 'bogus', ALL, /^midstream: MIDSTREAM_INSTRUMENTATIONS=bogus has an unknown instrumentation bogus \(valid: .*\); using the default \(all\)$/],
  ['MIDSTREAM_INSTRUMENTATIONS', ',,,', ALL, /^midstream: MIDSTREAM_INSTRUMENTATIONS=,,, names nothing \(valid: .*\); using the default \(all\)$/],
  ['MIDSTREAM_INSTRUMENTATIONS', '', ALL, null],
  ['MIDSTREAM_INSTRUMENTATIONS', '   ', ALL, null],
  ['MIDSTREAM_INSTRUMENTATIONS', 'fetch,fecth,opneai', ['fetch'], /MIDSTREAM_INSTRUMENTATIONS=fetch,fecth,opneai has unknown instrumentations fecth, opneai \(valid: .*\); using fetch$/],
  ['MIDSTREAM_DISABLED_INSTRUMENTATIONS', 'http-client', ['http-client'], null],
  ['MIDSTREAM_DISABLED_INSTRUMENTATIONS', 'bogus', [], /MIDSTREAM_DISABLED_INSTRUMENTATIONS=bogus has an unknown instrumentation bogus \(valid: .*\); using the default \(none\)$/],
  ['MIDSTREAM_HTTP_METRICS', 'OFF', 'off', null],
  ['MIDSTREAM_HTTP_METRICS', 'sometimes', 'auto', /^midstream: MIDSTREAM_HTTP_METRICS=sometimes is not one of auto, on, off; using the default auto$/],
  ['MIDSTREAM_EXIT_TIMEOUT_MS', '500', 500, null],
  ['MIDSTREAM_EXIT_TIMEOUT_MS', '99999999999999999999', 60000, /MIDSTREAM_EXIT_TIMEOUT_MS=99999999999999999999 is above the maximum 60000; using 60000$/],
  ['MIDSTREAM_EXIT_TIMEOUT_MS', 'x', 1000, /MIDSTREAM_EXIT_TIMEOUT_MS=x is not an integer \(0..60000\); using the default 1000$/],
  ['MIDSTREAM_JOURNAL', 'FALSE', false, null],
  ['MIDSTREAM_JOURNAL', 'off', true, /^midstream: MIDSTREAM_JOURNAL=off is not true or false; using the default true$/],
  ['MIDSTREAM_JOURNAL_DIR', '/var/midstream-journal', '/var/midstream-journal', null],
  ['MIDSTREAM_JOURNAL_INTERVAL_MS', '5', 100, /MIDSTREAM_JOURNAL_INTERVAL_MS=5 is below the minimum 100; using 100$/],
  ['MIDSTREAM_JOURNAL_INTERVAL_MS', 'often', 1000, /MIDSTREAM_JOURNAL_INTERVAL_MS=often is not an integer \(100..60000\); using the default 1000$/],
];


for (const [name, raw, expected, line, others = {}] of ROWS) {
  const says = line === null ? 'is used as given, silently' : 'gives one line and the value used instead';
  test(`${name}=${JSON.stringify(raw)} ${says}`, (t) => {
    const lines = captureDiag(t);
    const env = { ...others, [name]: raw };
    assert.deepEqual(readEnv(name, env), expected);
    if (line === null) assert.deepEqual(lines, []);
    else {
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], line);
    }
    readEnv(name, env);
    assert.equal(lines.length, line === null ? 0 : 1, 'read again: no second line');
  });
}

test('every variable of the contract has a row with an unusable value in the table', () => {
  const withProblem = new Set(ROWS.filter((r) => r[3] !== null).map((r) => r[0]));
  const anyString = ['OTEL_EXPORTER_PROMETHEUS_HOST', 'MIDSTREAM_JOURNAL_DIR'];
  const without = Object.keys(ENV_CONTRACT).filter((n) => !withProblem.has(n) && !anyString.includes(n));
  assert.deepEqual(without, [], 'a host or a directory takes any string (a bad one is reported when it is used)');
});

test('every variable unset or empty reads as its default, silently', (t) => {
  const lines = captureDiag(t);
  for (const name of Object.keys(ENV_CONTRACT)) {
    const spec = ENV_CONTRACT[name];
    assert.deepEqual(readEnv(name, {}), spec.fallback({}), name);
    assert.deepEqual(readEnv(name, { [name]: '' }), spec.fallback({}), name);
  }
  assert.deepEqual(lines, []);
});

test('MIDSTREAM_INSTRUMENTATIONS lists every instrumentation as valid', (t) => {
  const lines = captureDiag(t);
  readEnv('MIDSTREAM_INSTRUMENTATIONS', { MIDSTREAM_INSTRUMENTATIONS: 'x' });
  assert.match(lines[0], VALID_INSTRUMENTATIONS);
  for (const n of INSTRUMENTATION_NAMES) assert.ok(lines[0].includes(n), n);
});

// README's configuration table: | `NAME` | default | meaning |
function readmeRows() {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = new Map();
  for (const m of readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \| (.+) \|$/gm)) rows.set(m[1], { byDefault: m[2], meaning: m[3] });
  return rows;
}

// Defaults README describes in words: derived from another variable, or "unset".
const DESCRIBED_DEFAULTS = new Set([
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
  'OTEL_EXPORTER_PROMETHEUS_HOST',
  'MIDSTREAM_INSTRUMENTATIONS',
  'MIDSTREAM_DISABLED_INSTRUMENTATIONS',
  'MIDSTREAM_JOURNAL_DIR',
]);

test("README's configuration table documents every variable of the contract with its default", () => {
  const rows = readmeRows();
  for (const name of Object.keys(ENV_CONTRACT)) {
    const row = rows.get(name);
    assert.ok(row !== undefined, `${name} is in README's table`);
    if (DESCRIBED_DEFAULTS.has(name)) continue;
    const spec = ENV_CONTRACT[name];
    assert.ok(row.byDefault.includes(`\`${spec.show(spec.fallback({}))}\``), `${name}: README says ${row.byDefault}`);
  }
});
