import { Worker } from 'node:worker_threads';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { EXIT_WORKER_MARK } from './exit-worker';

/** Delivers spans synchronously within `timeoutMs`; true when the receiver accepted them. */
export type SyncSpanSender = (spans: ReadableSpan[], timeoutMs: number) => boolean;

// The worker POSTs the body and reports through the shared flag: 1 delivered, 2 failed.
const POST_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
const settle = (v) => { if (Atomics.compareExchange(flag, 0, 0, v) === 0) Atomics.notify(flag, 0); };
try {
  const url = new URL(workerData.url);
  const lib = require(url.protocol === 'https:' ? 'node:https' : 'node:http');
  const req = lib.request(url, { method: 'POST', headers: workerData.headers, timeout: workerData.timeoutMs }, (res) => {
    res.resume();
    res.on('end', () => settle(res.statusCode >= 200 && res.statusCode < 300 ? 1 : 2));
    res.on('error', () => settle(2));
  });
  req.on('timeout', () => { settle(2); req.destroy(); });
  req.on('error', () => settle(2));
  req.end(Buffer.from(workerData.body));
} catch { settle(2); }
`;

/**
 * A synchronous OTLP/HTTP (JSON) span sender for the 'exit' event, where nothing asynchronous can run
 * on the main thread. The spans are serialized here with the exporter's own serializer; a worker
 * thread (its own event loop) POSTs them while this thread blocks in `Atomics.wait` for at most the
 * bound. Same process, so it needs no right to spawn, no `node` binary (Electron, single-executable
 * apps); a preload in `execArgv` is not passed on, one in `NODE_OPTIONS` stays idle (exit-worker.ts). Not covered: TLS client certificates and gzip
 * (`OTEL_EXPORTER_OTLP_CERTIFICATE`, `..._COMPRESSION`); the body is sent uncompressed.
 */
export function otlpJsonSyncSender(url: string, headers: () => Record<string, string>): SyncSpanSender {
  return (spans, timeoutMs) => {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (body === undefined) return false;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(POST_SOURCE, {
      eval: true,
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: {
        [EXIT_WORKER_MARK]: true,
        url,
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body,
        flag: flag.buffer,
        timeoutMs,
      },
    });
    worker.unref();
    worker.on('error', () => undefined);
    Atomics.wait(flag, 0, 0, timeoutMs);
    const delivered = Atomics.load(flag, 0) === 1;
    void worker.terminate();
    return delivered;
  };
}
