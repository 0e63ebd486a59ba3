import { EventEmitter, errorMonitor } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, SpanKind, type Context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { now } from '../../../core/clock';
import { guarded } from '../../../core/guard';
import { isSdkStream } from '../../../core/layering';
import { processState } from '../../../core/process-state';
import { trackNodeReadable } from '../../../core/track-node-stream';
import { createWireReader } from '../../../core/wire-reader';
import { portOf, requestErrorType, shouldRecordHttpMetric, wrapsOtelHttp } from '../../../metrics/http-request-duration';
import { clientStreamInit } from '../../kit/client-stream-init';
import { normalizeMethod } from '../../kit/request-facts';
import { declaredRule, matchStream } from '../../kit/stream-match';
import { MidstreamInstrumentation } from '../../kit/midstream-instrumentation';
import { wrapInChain } from '../../kit/chain-wrap';
import { httpModuleDefinitions, moduleTargets } from '../../kit/module-targets';
import type { HttpClientInstrumentationConfig } from './types';

const SOURCE = 'http.client';

type RequestFn = (this: unknown, ...args: unknown[]) => unknown;
type EmitFn = (this: ClientRequest, event: string | symbol, ...args: unknown[]) => boolean;
type DestroyFn = (this: ClientRequest, error?: Error) => ClientRequest;
type AbortFn = (this: ClientRequest) => void;

/** What the wrapper keeps from the app's `http.request()` call until the response headers arrive. */
interface CallFacts {
  readonly startTime: number;
  readonly parentContext: Context;
  readonly signal: AbortSignal | undefined;
  /** Whether midstream records `http.client.request.duration` for this request. */
  readonly recordHttp: boolean;
}

/** The `signal` option of `http.request(url?, options?, cb?)`, if any. */
function signalOf(args: readonly unknown[]): AbortSignal | undefined {
  for (const arg of args) {
    if (arg === null || typeof arg !== 'object' || arg instanceof URL) continue;
    const signal = (arg as { signal?: unknown }).signal;
    if (signal instanceof AbortSignal) return signal;
  }
  return undefined;
}

/** The URL the request went to, from the request itself (so every argument form is covered). */
function requestUrl(req: ClientRequest): URL {
  const hostHeader = req.getHeader('host');
  const host = typeof hostHeader === 'string' && hostHeader !== '' ? hostHeader : req.host;
  return new URL(`${req.protocol}//${host}${req.path}`);
}

/**
 * Streams received through `http.request`/`http.get` and `https.request`/`https.get` (CommonJS and
 * ESM): Server-Sent Events, NDJSON, responses of known LLM APIs and user-matched URLs, the same
 * matching as the fetch instrumentation. One CLIENT span per stream, named
 * `{protocol} {method} {server.address}`, started when `request()` was called.
 *
 * Sequence: (1) `request()` — we note the time, the context and the `signal` option, and wrap the
 * request's own `emit` until (2) `'response'` — before the app's listeners run we decide whether
 * it is a stream and, if so, observe the `IncomingMessage` with {@link trackNodeReadable} (instance
 * `push`, no `'data'` listener, no `resume()`). We add no `'response'` listener: Node dumps a
 * response nobody listens for (`!req.emit('response')`), and ours would change that.
 * Outcomes: `'end'` → completed/truncated by the rule; a socket reset (`'close'` with
 * `res.errored` ECONNRESET) → truncated; `req.destroy()`/the `signal` → aborted; the
 * consumer's `res.destroy()`, a `break` out of `for await` (Node calls `req.abort()`) → cancelled.
 */
export class HttpClientInstrumentation extends MidstreamInstrumentation<HttpClientInstrumentationConfig> {
  constructor(config: HttpClientInstrumentationConfig = {}) {
    super('http-client', config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return httpModuleDefinitions(
      (moduleExports: unknown) => this.patchModule(moduleExports),
      (moduleExports: unknown) => this.unpatchModule(moduleExports),
    );
  }

  /** How to take our wrappers off each patched object (lazy: the base constructor runs before field initializers). */
  private restores: Map<object, Array<() => void>> | undefined;

  private patchModule(moduleExports: unknown): unknown {
    guarded('http-client.patch', () => {
      const { patched } = processState();
      this.restores ??= new Map();
      for (const target of moduleTargets(moduleExports)) {
        // One set of patches per process, whichever copy of midstream and whichever loader came first.
        if (patched.has(target)) continue;
        const t = target as Record<'request' | 'get', RequestFn>;
        if (typeof t.request !== 'function' || typeof t.get !== 'function') continue;
        patched.add(target);
        const undo = [
          wrapInChain(t, 'request', (original: RequestFn) => this.wrapRequest(original)),
          wrapInChain(t, 'get', (original: RequestFn) => this.wrapRequest(original)),
        ];
        this.restores.set(
          target,
          undo.filter((u): u is () => void => u !== undefined),
        );
      }
    });
    return moduleExports;
  }

  private unpatchModule(moduleExports: unknown): void {
    guarded('http-client.unpatch', () => {
      const { patched } = processState();
      for (const target of moduleTargets(moduleExports)) {
        const undo = this.restores?.get(target);
        if (undo === undefined) continue;
        for (const u of undo) u();
        this.restores?.delete(target);
        patched.delete(target);
      }
    });
  }

  private wrapRequest(original: RequestFn): RequestFn {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;
    // instrumentation-http patched first (it runs inside ours): it records the HTTP metrics.
    const otelHttpInside = wrapsOtelHttp(original);
    return function request(this: unknown, ...args: unknown[]): unknown {
      // Someone wrapped over us and we were disabled since: pass through.
      if (!instrumentation.isEnabled()) return original.apply(this, args);
      // 1st step: the app called request(); we keep the time, the context and the signal only.
      const startTime = now();
      const req = original.apply(this, args);
      guarded('http-client.request', () => {
        const parentContext = context.active();
        const mode = instrumentation.options.httpMetrics;
        const recordHttp = shouldRecordHttpMetric(mode, parentContext, SpanKind.CLIENT, otelHttpInside);
        instrumentation.watchRequest(req, { startTime, parentContext, signal: signalOf(args), recordHttp });
      });
      return req;
    };
  }

  private watchRequest(req: unknown, call: CallFacts): void {
    if (!(req instanceof EventEmitter)) return;
    const request = req as ClientRequest;
    const hadOwnEmit = Object.prototype.hasOwnProperty.call(request, 'emit');
    const originalEmit = (request as unknown as { emit: EmitFn }).emit;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;
    let responded = false;
    const emit = function emit(this: ClientRequest, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'response') {
        // 2nd step: headers arrived, body not yet; runs before the app's 'response' listeners.
        if (request.emit === emit) {
          if (hadOwnEmit) request.emit = originalEmit;
          else delete (request as { emit?: EmitFn }).emit;
        }
        if (call.recordHttp) {
          responded = true;
          guarded('http-client.requestMetric', () => instrumentation.recordRequest(request, call, args[0], undefined));
        }
        guarded('http-client.response', () => instrumentation.onResponse(request, args[0], call));
      } else if (event === 'error' && request.emit === emit) {
        // No response came (refused, DNS, reset before the headers): a failed request if declared a stream.
        guarded('http-client.error', () => instrumentation.onFailure(request, args[0], call));
      }
      return originalEmit.call(this, event, ...args);
    };
    request.emit = emit;
    // errorMonitor: observes 'error' without counting as a handler (an unhandled error still throws).
    if (call.recordHttp) {
      request.once(errorMonitor, (error: unknown) => {
        if (!responded) {
          responded = true;
          guarded('http-client.requestMetric', () => instrumentation.recordRequest(request, call, undefined, error));
        }
      });
    }
  }

  /** `http.client.request.duration`: request issued → response headers, or the failure before them. */
  private recordRequest(req: ClientRequest, call: CallFacts, response: unknown, error: unknown): void {
    const url = requestUrl(req);
    const res = response instanceof EventEmitter ? (response as IncomingMessage) : undefined;
    this.httpRequestDuration.recordClient(call.startTime, now(), {
      method: normalizeMethod(req.method),
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      statusCode: res?.statusCode,
      errorType: res === undefined ? requestErrorType(error) : undefined,
      protocolVersion: res?.httpVersion,
      serverAddress: url.hostname,
      serverPort: portOf(url),
    });
  }

  private onFailure(req: ClientRequest, error: unknown, call: CallFacts): void {
    if (this.getConfig().rules === undefined) return;
    const url = requestUrl(req);
    const rule = declaredRule(url, this.getConfig());
    if (rule === undefined) return;
    const match = { protocol: rule.protocol, rule, knownHost: false };
    const init = clientStreamInit({
      source: SOURCE,
      url,
      method: req.method,
      statusCode: undefined,
      match,
      sdkStream: false,
      parentContext: call.parentContext,
      startTime: call.startTime,
    });
    this.failRequest(init, error);
  }

  private onResponse(req: ClientRequest, response: unknown, call: CallFacts): void {
    if (!(response instanceof EventEmitter)) return;
    const res = response as IncomingMessage;
    const url = requestUrl(req);
    const status = res.statusCode ?? 0;
    const rule = status >= 400 ? declaredRule(url, this.getConfig()) : undefined;
    if (rule !== undefined) {
      // An error answer to a URL the user declared a stream is a failed request, not a stream.
      const match = { protocol: rule.protocol, rule, knownHost: false };
      const init = clientStreamInit({
        source: SOURCE,
        url,
        method: req.method,
        statusCode: status,
        match,
        sdkStream: false,
        parentContext: call.parentContext,
        startTime: call.startTime,
      });
      this.failRequest(init, { status });
      return;
    }
    const contentType = res.headers['content-type'];
    const match = matchStream(url, contentType ?? null, this.getConfig());
    if (match === undefined) return;

    const tracker = this.startStream(
      clientStreamInit({
        source: SOURCE,
        url,
        method: req.method,
        statusCode: res.statusCode,
        match,
        sdkStream: isSdkStream(call.parentContext),
        parentContext: call.parentContext,
        startTime: call.startTime,
      }),
    );
    if (tracker === undefined) return;
    tracker.markHeaders();

    // req.destroy() (also what the `signal` option calls) while the body is still coming: the
    // caller aborted. Node then resets the socket, and the response closes with the same
    // ECONNRESET a server reset gives, so the flag is the only way to tell them apart. req.abort()
    // (deprecated) is what Node itself calls when the consumer breaks out of `for await` or a
    // pipeline fails downstream (stream destroyer): the consumer cancelled.
    let callerAborted = false;
    let consumerCancelled = false;
    let inAbort = false;
    const target = req as unknown as { destroy: DestroyFn; abort: AbortFn };
    const originalDestroy = target.destroy;
    const originalAbort = target.abort;
    target.destroy = function destroy(this: ClientRequest, error?: Error): ClientRequest {
      if (!res.complete) {
        if (inAbort) consumerCancelled = true;
        else callerAborted = true;
      }
      return originalDestroy.call(this, error);
    };
    target.abort = function abort(this: ClientRequest): void {
      inAbort = true;
      try {
        originalAbort.call(this);
      } finally {
        inAbort = false;
      }
    };
    const signal = call.signal;
    const isAborted = (): boolean => callerAborted || signal?.aborted === true;
    const isCancelled = (): boolean => consumerCancelled;
    const wire = createWireReader(tracker, match.protocol, match.rule);
    trackNodeReadable(res, tracker, (chunk) => wire.push(chunk), { isAborted, isCancelled, onEof: () => wire.end() });
    processState().live.watchForAbandonment(res, tracker);
  }
}
