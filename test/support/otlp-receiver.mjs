// A real OTLP/HTTP receiver for child-process tests: 127.0.0.1, port 0, `/v1/traces` and `/v1/metrics`.
//
//   import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
//   const receiver = await startOtlpReceiver();
//   t.after(() => receiver.close());
//   spawn(node, [...], { env: { ...process.env, ...receiver.env } });   // OTEL_EXPORTER_OTLP_ENDPOINT etc.
//   const span = await receiver.waitForSpan((s) => s.attributes['midstream.outcome'] === 'interrupted');
//
// Bodies are OTLP JSON, which is what @opentelemetry/exporter-{trace,metrics}-otlp-http send (their
// serializer is JsonTraceSerializer / JsonMetricsSerializer whatever OTEL_EXPORTER_OTLP_PROTOCOL says).
// A protobuf body is answered 415 and counted in `rejected`, so a test notices a protocol change.
//
// startOtlpReceiver() -> Promise<{
//   endpoint: 'http://127.0.0.1:PORT', env: { OTEL_EXPORTER_OTLP_ENDPOINT, ... },
//   spans: [{ name, kind, traceId, spanId, parentSpanId, startTimeUnixNano, endTimeUnixNano (strings),
//            status: {code, message}, attributes, events:
//            [{name, attributes}], resource }]   (attribute values decoded to plain JS values)
//   metrics: [{ name, unit, scope, dataPoints: [{ attributes, value | count | sum }] }]
//   requests: { traces, metrics }, rejected,
//   waitForSpan(pred, timeoutMs = 10000): resolves with the first matching span (or rejects),
//   close() }>
import http from 'node:http';

/** Decodes an OTLP JSON AnyValue to a plain value (int64 may arrive as a string). */
function anyValue(v) {
  if (v === undefined || v === null) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attributes(v.kvlistValue.values);
  return undefined;
}

function attributes(list = []) {
  const out = {};
  for (const { key, value } of list) out[key] = anyValue(value);
  return out;
}

function decodeTraces(body, spans) {
  for (const rs of body.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          name: s.name,
          kind: s.kind,
          scope: ss.scope?.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId,
          // Nanoseconds since the epoch, as strings (exact; a Number would round them).
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          status: s.status ?? {},
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          resource,
        });
      }
    }
  }
}

function decodeMetrics(body, metrics) {
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const data = m.sum ?? m.gauge ?? m.histogram ?? m.exponentialHistogram ?? {};
        metrics.push({
          name: m.name,
          unit: m.unit,
          scope: sm.scope?.name,
          dataPoints: (data.dataPoints ?? []).map((p) => ({
            attributes: attributes(p.attributes),
            value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble,
            count: p.count !== undefined ? Number(p.count) : undefined,
            sum: p.sum,
          })),
        });
      }
    }
  }
}

export async function startOtlpReceiver() {
  const spans = [];
  const metrics = [];
  const requests = { traces: 0, metrics: 0 };
  const waiters = new Set();
  let rejected = 0;

  const notify = () => {
    for (const w of waiters) {
      const found = spans.find(w.pred);
      if (found !== undefined) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(found);
      }
    }
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url, 'http://x').pathname;
      if (!String(req.headers['content-type']).includes('json')) {
        rejected++;
        res.writeHead(415).end();
        return;
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        rejected++;
        res.writeHead(400).end();
        return;
      }
      if (path === '/v1/traces') {
        requests.traces++;
        decodeTraces(body, spans);
        notify();
      } else if (path === '/v1/metrics') {
        requests.metrics++;
        decodeMetrics(body, metrics);
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;

  return {
    endpoint,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // Metrics are exported on exit (flush); the batch delay is short so spans arrive promptly.
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
    spans,
    metrics,
    requests,
    get rejected() {
      return rejected;
    },
    waitForSpan(pred, timeoutMs = 10_000) {
      const found = spans.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching span within ${timeoutMs} ms; received: ${JSON.stringify(spans.map((s) => [s.name, s.attributes['midstream.outcome']]))}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close() {
      for (const w of waiters) clearTimeout(w.timer);
      waiters.clear();
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
