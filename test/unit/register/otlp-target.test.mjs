// The OTLP target register resolves for its synchronous exit path (the exporter's own rules), and the
// failure reporting of its exporters: one line per cause and endpoint per outage, for a real
// OTLPTraceExporter against a real local collector that fails, recovers and fails again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { otlpTargetFromEnv, reportExportFailures } from '../../../dist/register/otlp-target.js';

describe('otlpTargetFromEnv', () => {
  it('uses the per-signal endpoint as given', () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:1/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:2' };
    assert.equal(otlpTargetFromEnv(env, 'traces').url, 'http://c:1/custom');
  });

  it('appends v1/<signal> to the generic endpoint, with or without a trailing slash', () => {
    assert.equal(otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:2' }, 'traces').url, 'http://g:2/v1/traces');
    assert.equal(otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:2/base/' }, 'metrics').url, 'http://g:2/base/v1/metrics');
  });

  it('falls back to localhost:4318 for an unparsable endpoint, like the exporter', () => {
    assert.equal(otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'traces').url, 'http://localhost:4318/v1/traces');
  });

  it('merges the generic and per-signal headers, the per-signal ones winning', () => {
    const env = { OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3,c=x%20y' };
    assert.deepEqual(otlpTargetFromEnv(env, 'traces').headers, { a: '1', b: '3', c: 'x y' });
  });
});

describe('reportExportFailures', () => {
  it('reports a failing collector once per outage in one line and tells the processor the batch is done', async (t) => {
    let status = 500;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status).end());
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const lines = [];
    const log = (...args) => lines.push(args.join(' '));
    diag.setLogger({ error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    t.after(() => diag.disable());

    const url = `http://127.0.0.1:${server.address().port}/v1/traces`;
    const exporter = reportExportFailures(new OTLPTraceExporter({ url }), { url, headers: {} });
    t.after(() => exporter.shutdown());
    const span = new BasicTracerProvider().getTracer('t').startSpan('s');
    span.end();
    const exportOnce = () => new Promise((resolve) => exporter.export([span], resolve));

    const results = [await exportOnce(), await exportOnce()];
    status = 200;
    results.push(await exportOnce());
    status = 500;
    results.push(await exportOnce());

    assert.deepEqual(results.map((r) => r.code), Array(4).fill(ExportResultCode.SUCCESS));
    const ours = lines.filter((l) => l.startsWith('midstream:'));
    assert.equal(ours.length, 2, `one line per outage: ${JSON.stringify(lines)}`);
    assert.match(ours[0], /^midstream: OTLP export to http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 500\)/);
    assert.ok(ours.every((l) => !l.includes('\n')));
    assert.equal(lines.length, 2, 'nothing else logged');
  });
});
