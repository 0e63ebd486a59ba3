// Who records the HTTP request-duration metrics of a request: the detection of
// @opentelemetry/instrumentation-http (wrapped inside ours, or active around ours), the three modes,
// and the attributes midstream records.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { context, diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { wrapInChain } from '../../../dist/instrumentations/kit/chain-wrap.js';
import { DEFAULT_OPTIONS, readOptionsFromEnv, resolveOptions } from '../../../dist/options.js';
import {
  HttpRequestDuration,
  otelHttpObserves,
  requestErrorType,
  shouldRecordHttpMetric,
  wrapsOtelHttp,
} from '../../../dist/metrics/http-request-duration.js';

/** A module object shaped like node:http, patched by a real (disabled-by-default) instrumentation-http. */
function moduleWithOtelHttp() {
  const mod = { request() {}, get() {}, Server: class Server { emit() {} } };
  const http = new HttpInstrumentation({ enabled: false });
  http.getModuleDefinitions().find((d) => d.name === 'http').patch(mod);
  return mod;
}

describe('wrapsOtelHttp', () => {
  it('finds instrumentation-http wrapped under a midstream wrapper', () => {
    const mod = moduleWithOtelHttp();
    for (const [target, name] of [[mod.Server.prototype, 'emit'], [mod, 'request'], [mod, 'get']]) {
      assert.equal(wrapsOtelHttp(target[name]), true, name);
      wrapInChain(target, name, (original) => function ours(...args) { return original.apply(this, args); });
      assert.equal(wrapsOtelHttp(target[name]), true, `${name} under midstream`);
    }
  });

  it('does not take native or other wrappers for instrumentation-http', () => {
    const mod = { request() {} };
    wrapInChain(mod, 'request', (original) => function ours(...args) { return original.apply(this, args); });
    assert.equal(wrapsOtelHttp(mod.request), false);
    const shimmerLike = Object.assign(function incomingRequest() {}, { __wrapped: false });
    assert.equal(wrapsOtelHttp(shimmerLike), false);
    assert.equal(wrapsOtelHttp(undefined), false);
  });
});

describe('otelHttpObserves and shouldRecordHttpMetric', () => {
  const tracer = new BasicTracerProvider().getTracer('@opentelemetry/instrumentation-http');
  const otherTracer = new BasicTracerProvider().getTracer('app');

  it('sees instrumentation-http around us: its RPC metadata (server), its CLIENT span (client)', () => {
    const server = setRPCMetadata(ROOT_CONTEXT, { type: RPCType.HTTP, span: tracer.startSpan('GET') });
    assert.equal(otelHttpObserves(server, SpanKind.SERVER), true);
    const client = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('GET', { kind: SpanKind.CLIENT }));
    assert.equal(otelHttpObserves(client, SpanKind.CLIENT), true);
  });

  it('does not mistake an app span or instrumentation-http\'s SERVER span for a client request it records', () => {
    const appSpan = trace.setSpan(ROOT_CONTEXT, otherTracer.startSpan('work', { kind: SpanKind.CLIENT }));
    assert.equal(otelHttpObserves(appSpan, SpanKind.CLIENT), false);
    const insideHandler = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('GET', { kind: SpanKind.SERVER }));
    assert.equal(otelHttpObserves(insideHandler, SpanKind.CLIENT), false);
    assert.equal(otelHttpObserves(ROOT_CONTEXT, SpanKind.SERVER), false);
  });

  it('records per mode: auto unless instrumentation-http does, on always (but never an exporter\'s own request), off never', () => {
    const observed = setRPCMetadata(ROOT_CONTEXT, { type: RPCType.HTTP, span: tracer.startSpan('GET') });
    const exporter = suppressTracing(context.active());
    assert.equal(shouldRecordHttpMetric('auto', ROOT_CONTEXT, SpanKind.SERVER, false), true);
    assert.equal(shouldRecordHttpMetric('auto', observed, SpanKind.SERVER, false), false);
    assert.equal(shouldRecordHttpMetric('auto', ROOT_CONTEXT, SpanKind.SERVER, true), false);
    assert.equal(shouldRecordHttpMetric('on', observed, SpanKind.SERVER, true), true);
    assert.equal(shouldRecordHttpMetric('on', exporter, SpanKind.CLIENT, false), false);
    assert.equal(shouldRecordHttpMetric('off', ROOT_CONTEXT, SpanKind.SERVER, false), false);
  });
});

describe('HttpRequestDuration', () => {
  it('records the stable HTTP histograms with semconv attributes and error.type for failures', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const d = new HttpRequestDuration(provider.getMeter('t'));
    d.recordServer(1, 1.25, { method: 'POST', scheme: 'http', statusCode: 502, protocolVersion: '1.1' });
    d.recordClient(2, 2.5, { method: 'GET', scheme: 'https', statusCode: 404, serverAddress: 'api.example.com', serverPort: 443 });
    d.recordClient(3, 3.1, { method: 'GET', scheme: 'http', errorType: 'ECONNREFUSED', serverAddress: '127.0.0.1', serverPort: 9 });
    const { resourceMetrics } = await reader.collect();
    const byName = Object.fromEntries(resourceMetrics.scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m]));
    const server = byName['http.server.request.duration'];
    assert.equal(server.descriptor.unit, 's');
    assert.deepEqual(server.dataPoints[0].attributes, {
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'http.response.status_code': 502,
      'error.type': '502',
      'network.protocol.version': '1.1',
    });
    assert.equal(server.dataPoints[0].value.sum, 0.25);
    const client = byName['http.client.request.duration'].dataPoints.map((p) => p.attributes);
    assert.equal(client[0]['error.type'], '404', 'a client 4xx is a failure too (HTTP semconv)');
    assert.equal(client[1]['error.type'], 'ECONNREFUSED');
    assert.equal(client[1]['http.response.status_code'], undefined);
  });

  it('names a failed request by its code, its cause\'s code, else its class', () => {
    assert.equal(requestErrorType(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })), 'ECONNREFUSED');
    assert.equal(requestErrorType(Object.assign(new Error('x'), { code: 'ECONNRESET' })), 'ECONNRESET');
    assert.equal(requestErrorType(new DOMException('aborted', 'AbortError')), 'AbortError');
    assert.equal(requestErrorType(undefined), '_OTHER');
  });
});

describe('MIDSTREAM_HTTP_METRICS', () => {
  it('reads auto, on and off in any case, defaults to auto, and reports a bad value once', (t) => {
    const warnings = [];
    diag.setLogger({ error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    t.after(() => diag.disable());
    assert.equal(readOptionsFromEnv({}).httpMetrics, 'auto');
    assert.equal(readOptionsFromEnv({ MIDSTREAM_HTTP_METRICS: ' ON ' }).httpMetrics, 'on');
    assert.equal(readOptionsFromEnv({ MIDSTREAM_HTTP_METRICS: 'off' }).httpMetrics, 'off');
    assert.equal(warnings.length, 0);
    assert.equal(readOptionsFromEnv({ MIDSTREAM_HTTP_METRICS: 'sometimes' }).httpMetrics, 'auto');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /MIDSTREAM_HTTP_METRICS=sometimes .*auto, on, off/);
    assert.equal(resolveOptions({ httpMetrics: 'off' }, DEFAULT_OPTIONS).httpMetrics, 'off');
    assert.equal(resolveOptions({}, readOptionsFromEnv({ MIDSTREAM_HTTP_METRICS: 'on' })).httpMetrics, 'on', 'code options over env');
  });
});
