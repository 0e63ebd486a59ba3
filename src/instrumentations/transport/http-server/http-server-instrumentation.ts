import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { context, propagation, SpanKind, trace, type Attributes, type Context } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { now } from '../../../core/clock';
import { guarded } from '../../../core/guard';
import { processState } from '../../../core/process-state';
import { linkScopeToRpc, ServerRequestScope, withServerRequestScope } from '../../../core/stream-parents';
import type { StreamTracker } from '../../../core/stream-tracker';
import * as sc from '../../../semconv';
import { isIgnoredServer, shouldRecordHttpMetric, wrapsOtelHttp } from '../../../metrics/http-request-duration';
import { normalizeMethod } from '../../kit/request-facts';
import { protocolOfContentType } from '../../kit/stream-match';
import { wrapInChain } from '../../kit/chain-wrap';
import { httpModuleDefinitions, moduleTargets } from '../../kit/module-targets';
import { MidstreamInstrumentation } from '../../kit/midstream-instrumentation';
import {
  frameworkRoute,
  patchHonoContext,
  subscribeFastifyRoutes,
  unpatchHonoContext,
  unsubscribeFastifyRoutes,
} from './route-templates';
import type { HttpServerInstrumentationConfig } from './types';

const SOURCE = 'http.server';
const HONO_VERSIONS = ['>=4 <5'];

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
type Method = 'writeHead' | 'write' | 'end' | 'destroy';
type ResponseMethods = Record<Method, AnyFn>;

/** What the patched `emit` knows about the server and the wrappers around it. */
interface EmitterFacts {
  readonly server: unknown;
  /** instrumentation-http's wrapper runs under ours (it patched `emit` first). */
  readonly bindsBelow: boolean;
  /** That wrapper records the HTTP request metric itself. */
  readonly otelHttpInside: boolean;
}

/** Per response: when the request arrived, and the tracker once the response turned out to be a stream. */
interface ResponseState {
  readonly startTime: number;
  decided: boolean;
  tracker: StreamTracker | undefined;
  /** The app destroyed its own response (`res.destroy()`), which is not a client disconnect. */
  destroyedByApp: boolean;
  /** `http.route` for the HTTP request metric, once known. */
  route: string | undefined;
}

/** The media type of a content-type value, lower case, without parameters. */
function mediaType(value: unknown): string {
  const s = Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : '';
  const semi = s.indexOf(';');
  return (semi === -1 ? s : s.slice(0, semi)).trim().toLowerCase();
}

/** `content-type` from `writeHead(status, [message], [headers])` headers: an object or a flat/nested array. */
function contentTypeFromWriteHead(args: readonly unknown[]): unknown {
  const headers = typeof args[1] === 'string' ? args[2] : args[1];
  if (headers === null || typeof headers !== 'object') return undefined;
  if (Array.isArray(headers)) {
    const list = headers as OutgoingHttpHeader[];
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (Array.isArray(entry)) {
        if (String(entry[0]).toLowerCase() === 'content-type') return entry[1];
      } else if (i % 2 === 0 && String(entry).toLowerCase() === 'content-type') {
        return list[i + 1];
      }
    }
    return undefined;
  }
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === 'content-type') return (headers as OutgoingHttpHeaders)[key];
  }
  return undefined;
}

/** Whether `fn` is a shimmer wrapper (`InstrumentationBase#_wrap`: instrumentation-http and co.). */
function isShimmerWrapped(fn: unknown): boolean {
  const f = fn as { __wrapped?: unknown; __original?: unknown };
  return f.__wrapped === true || typeof f.__original === 'function';
}

/**
 * instrumentation-http's wrapper runs under ours and starts the request's context itself (from the
 * root context, so without our key). It calls `response.on('close')` inside that context right after
 * binding the response: the first `on` call made in a context with RPC metadata ties the scope to it.
 */
function linkWhenBoundBelow(res: ServerResponse, scope: ServerRequestScope): void {
  const own = Object.prototype.hasOwnProperty.call(res, 'on');
  const on = (res as unknown as { on: AnyFn }).on;
  let linked = false;
  const wrapper = function (this: unknown): unknown {
    if (!linked) linked = guarded('http-server.link', () => linkScopeToRpc(context.active(), scope)) === true;
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(on, this, arguments);
  };
  (res as unknown as { on: unknown }).on = wrapper;
  // Once linked (or the request is handled), the own property goes when nobody wrapped over it.
  res.once('close', () => {
    if (res.on !== (wrapper as unknown)) return;
    if (own) (res as unknown as { on: unknown }).on = on;
    else delete (res as unknown as { on?: unknown }).on;
  });
}

/**
 * Every event of `emitter` is emitted in `ctx`: one own `emit` per request object, where
 * `context.bind(ctx, emitter)` patches seven listener methods and wraps every listener added later
 * (a socket-level run measured it at about twice the added CPU per request).
 */
function emitInContext(emitter: EventEmitter, ctx: Context): void {
  const emit = (emitter as unknown as { emit: AnyFn }).emit;
  emitter.emit = function (this: unknown): boolean {
    // eslint-disable-next-line prefer-rest-params
    return context.with(ctx, Reflect.apply, undefined, emit, this, arguments) as boolean;
  };
}

/** Bytes of one `write`/`end` chunk (no copy). */
function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  if (typeof chunk === 'string')
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return 0;
}

/**
 * Streamed responses of `http`/`https` servers (research/patchpoints.md §3.2). Wraps
 * `Server.prototype.emit` for `'request'` and, per request, the instance `writeHead`/`write`/`end`/
 * `destroy` of the response. The decision is lazy: when the headers go out (`writeHead`, explicit or
 * implied by the first `write`/`end`), a `text/event-stream` or NDJSON content type (set by
 * `setHeader` or passed to `writeHead`) makes the response a stream; any other response gets its
 * methods back and costs nothing more. A stream counts each `write` (and a non-empty `end` chunk)
 * as a chunk, times the first write from the request's arrival, and ends with `completed` on
 * `'finish'`, or `client_disconnected` (+ event) when the response closes unfinished
 * (`'close'` with `!writableFinished`; never `req 'close'`, which fires once the request body was read).
 *
 * Composition with @opentelemetry/instrumentation-http: midstream never enriches its SERVER span,
 * it adds a child span (kind INTERNAL) under it. instrumentation-http ends its span on res `'close'`
 * with a listener added before ours, so attributes we set at the stream's end would land on an ended
 * span; a child span never races. Without instrumentation-http, the stream span is the SERVER span
 * (parented from the incoming `traceparent`). `http.route` comes from the RPC metadata when a
 * framework's instrumentation put it there (instrumentation-express and co.), else from the framework
 * itself (route-templates.ts: Express, Fastify, Hono); the raw path is never a metric label.
 */
export class HttpServerInstrumentation extends MidstreamInstrumentation<HttpServerInstrumentationConfig> {
  constructor(config: HttpServerInstrumentationConfig = {}) {
    super('http-server', config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    const servers = httpModuleDefinitions(
      (moduleExports: unknown) => this.patchModule(moduleExports),
      (moduleExports: unknown) => this.unpatchModule(moduleExports),
    );
    // Hono's matched route (http.route): its Context, in the CommonJS and the ESM build.
    const hono = new InstrumentationNodeModuleDefinition(
      'hono',
      HONO_VERSIONS,
      undefined,
      undefined,
      ['hono/dist/cjs/context.js', 'hono/dist/context.js'].map(
        (file) => new InstrumentationNodeModuleFile(file, HONO_VERSIONS, patchHonoContext, unpatchHonoContext),
      ),
    );
    return [...servers, hono];
  }

  override enable(): void {
    super.enable();
    guarded('http-server.fastify', subscribeFastifyRoutes);
  }

  override disable(): void {
    super.disable();
    guarded('http-server.fastify', unsubscribeFastifyRoutes);
  }

  private serverPrototypes(moduleExports: unknown): Array<{ emit: AnyFn }> {
    const prototypes: Array<{ emit: AnyFn }> = [];
    for (const target of moduleTargets(moduleExports)) {
      const proto = (target as { Server?: { prototype?: { emit?: unknown } } }).Server?.prototype;
      if (proto !== undefined && typeof proto.emit === 'function' && !prototypes.includes(proto as { emit: AnyFn })) {
        prototypes.push(proto as { emit: AnyFn });
      }
    }
    return prototypes;
  }

  /** How to take our wrapper off each patched prototype (lazy: the base constructor runs before field initializers). */
  private restores: Map<object, () => void> | undefined;

  private patchModule(moduleExports: unknown): unknown {
    guarded('http-server.patch', () => {
      const { patched } = processState();
      this.restores ??= new Map();
      for (const proto of this.serverPrototypes(moduleExports)) {
        if (patched.has(proto)) continue;
        const undo = wrapInChain(proto, 'emit', (original: AnyFn) => this.wrapEmit(original));
        if (undo === undefined) continue;
        patched.add(proto);
        this.restores.set(proto, undo);
      }
    });
    return moduleExports;
  }

  private unpatchModule(moduleExports: unknown): void {
    guarded('http-server.unpatch', () => {
      const { patched } = processState();
      for (const proto of this.serverPrototypes(moduleExports)) {
        const undo = this.restores?.get(proto);
        if (undo === undefined) continue;
        undo();
        this.restores?.delete(proto);
        patched.delete(proto);
      }
    });
  }

  private wrapEmit(original: AnyFn): AnyFn {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;
    // Another instrumentation's wrapper under ours (instrumentation-http patched `emit` first) makes
    // the request's context itself, from the root context, and binds the request's listeners to it;
    // instrumentation-http inside ours also records the HTTP request metric itself.
    const bindsBelow = isShimmerWrapped(original);
    const otelHttpInside = wrapsOtelHttp(original);
    return function emit(this: unknown, event: unknown, req?: unknown, res?: unknown): unknown {
      if (event === 'request' && instrumentation.isEnabled()) {
        const emitter: EmitterFacts = { server: this, bindsBelow, otelHttpInside };
        const ctx = guarded('http-server.request', () => instrumentation.watchResponse(req, res, emitter));
        // eslint-disable-next-line prefer-rest-params
        if (ctx !== undefined) return context.with(ctx, Reflect.apply, undefined, original, this, arguments);
      }
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(original, this, arguments);
    };
  }

  /**
   * 1st step: a request arrived. Opens the request's scope (the upstream streams started in it, its
   * failed streams) and returns the context the handler must run in (undefined: the current one);
   * wraps the response's own methods until its headers go out.
   */
  private watchResponse(request: unknown, response: unknown, emitter: EmitterFacts): Context | undefined {
    if (!(request instanceof EventEmitter) || !(response instanceof EventEmitter)) return undefined;
    const scope = new ServerRequestScope();
    this.watchMethods(request as IncomingMessage, response as ServerResponse, scope, emitter);
    const active = context.active();
    // Under instrumentation-http's request context (it wraps emit over ours): the scope follows it.
    if (linkScopeToRpc(active, scope)) return undefined;
    // instrumentation-http's wrapper runs under ours and starts its request context from the root:
    // the scope is tied to that context when it binds the response.
    if (emitter.bindsBelow) {
      linkWhenBoundBelow(response as ServerResponse, scope);
      return undefined;
    }
    // Alone: the handler runs in a context holding the scope. A body read ('data'/'end' listeners,
    // where frameworks call the handler of a POST) and a response's 'close' run in the socket's
    // context, not the handler's: their events run in the scope's context too, as
    // instrumentation-http binds them to its own.
    const ctx = withServerRequestScope(active, scope);
    emitInContext(request, ctx);
    emitInContext(response, ctx);
    return ctx;
  }

  /** Wraps the response's own methods until its headers go out; follows how it ends for the scope. */
  private watchMethods(req: IncomingMessage, res: ServerResponse, scope: ServerRequestScope, emitter: EmitterFacts): void {
    const target = res as unknown as ResponseMethods;
    const state: ResponseState = {
      startTime: now(),
      decided: false,
      tracker: undefined,
      destroyedByApp: false,
      route: undefined,
    };
    if (
      shouldRecordHttpMetric(this.options.httpMetrics, context.active(), SpanKind.SERVER, emitter.otelHttpInside) &&
      !isIgnoredServer(emitter.server)
    ) {
      res.once('close', () => guarded('http-server.requestMetric', () => this.recordRequest(req, res, state)));
    }
    // Added before the handler runs, so it runs before an app's own 'close' listener that aborts the upstream.
    res.once('close', () => {
      if (!res.writableFinished && !state.destroyedByApp) scope.clientLeft();
      scope.ended();
    });
    const originals: ResponseMethods = {
      writeHead: target.writeHead,
      write: target.write,
      end: target.end,
      destroy: target.destroy,
    };
    const own = {
      writeHead: Object.prototype.hasOwnProperty.call(res, 'writeHead'),
      write: Object.prototype.hasOwnProperty.call(res, 'write'),
      end: Object.prototype.hasOwnProperty.call(res, 'end'),
      destroy: Object.prototype.hasOwnProperty.call(res, 'destroy'),
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;

    const wrappers: ResponseMethods = {
      writeHead: function writeHead(this: unknown, ...args: unknown[]): unknown {
        const result = originals.writeHead.apply(this, args);
        if (!state.decided) {
          // 2nd step: the headers are out (explicit writeHead, or implied by the first write/end).
          state.decided = true;
          guarded('http-server.writeHead', () => {
            state.tracker = instrumentation.startIfStream(req, res, state, scope, args);
            if (state.tracker === undefined) restore();
          });
        }
        return result;
      },
      // Hot path of a stream: one call per chunk written.
      write: function write(this: unknown, chunk: unknown, encoding?: unknown): unknown {
        // eslint-disable-next-line prefer-rest-params
        const result = Reflect.apply(originals.write, this, arguments);
        const tracker = state.tracker;
        if (tracker !== undefined && tracker.isLive && !res.destroyed) {
          tracker.onChunk();
          tracker.addBytes(chunkBytes(chunk, encoding));
        }
        return result;
      },
      end: function end(this: unknown, chunk?: unknown, encoding?: unknown): unknown {
        const wasEnded = res.writableEnded;
        // eslint-disable-next-line prefer-rest-params
        const result = Reflect.apply(originals.end, this, arguments);
        const tracker = state.tracker;
        if (!wasEnded && tracker !== undefined && tracker.isLive && !res.destroyed) {
          const n = typeof chunk === 'function' ? 0 : chunkBytes(chunk, encoding);
          if (n > 0) {
            tracker.onChunk();
            tracker.addBytes(n);
          }
        }
        return result;
      },
      destroy: function destroy(this: unknown): unknown {
        if (!res.writableFinished) state.destroyedByApp = true;
        // eslint-disable-next-line prefer-rest-params
        return Reflect.apply(originals.destroy, this, arguments);
      },
    };
    const methods: Method[] = ['writeHead', 'write', 'end', 'destroy'];
    const restore = (): void => {
      for (const m of methods) {
        if (target[m] !== wrappers[m]) continue; // someone wrapped over us: leave the chain intact
        if (own[m]) target[m] = originals[m];
        else delete (res as unknown as Partial<ResponseMethods>)[m];
      }
    };
    for (const m of methods) target[m] = wrappers[m];
  }

  /** `http.server.request.duration` of one request, when its response closed (finished or not). */
  private recordRequest(req: IncomingMessage, res: ServerResponse, state: ResponseState): void {
    const version = req.httpVersion;
    this.httpRequestDuration.recordServer(state.startTime, now(), {
      method: normalizeMethod(req.method ?? 'GET'),
      scheme: (req.socket as TLSSocket | null)?.encrypted === true ? 'https' : 'http',
      statusCode: res.headersSent ? res.statusCode : undefined,
      // Closed before any response was sent: no status to report.
      errorType: res.headersSent ? undefined : 'response_not_sent',
      protocolVersion: version === '2.0' ? '2' : version === '3.0' ? '3' : version,
      route: state.route ?? frameworkRoute(req),
    });
  }

  /** Starts the stream span if the response's content type is a streaming one; undefined otherwise. */
  private startIfStream(
    req: IncomingMessage,
    res: ServerResponse,
    state: ResponseState,
    scope: ServerRequestScope,
    writeHeadArgs: readonly unknown[],
  ): StreamTracker | undefined {
    const protocol = protocolOfContentType(mediaType(res.getHeader('content-type') ?? contentTypeFromWriteHead(writeHeadArgs)));
    if (protocol === undefined) return undefined;

    const active = context.active();
    const method = normalizeMethod(req.method ?? 'GET');
    const rpc = getRPCMetadata(active);
    const route = typeof rpc?.route === 'string' && rpc.route !== '' ? rpc.route : frameworkRoute(req);
    // Under instrumentation-http's SERVER span (it puts it in the RPC metadata): a child span.
    // Alone: our span is the server span, continuing the caller's trace.
    const underHttpSpan = rpc?.span !== undefined || trace.getSpan(active) !== undefined;
    const parentContext = underHttpSpan ? active : propagation.extract(active, req.headers);
    const metricAttributes: Attributes = {
      [sc.ATTR_HTTP_REQUEST_METHOD]: method,
      [sc.ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode,
    };
    if (route !== undefined) {
      metricAttributes[sc.ATTR_HTTP_ROUTE] = route;
      state.route = route;
    }
    const spanAttributes: Attributes = {};
    const path = typeof req.url === 'string' ? req.url.split('?', 1)[0] : undefined;
    if (path !== undefined) spanAttributes[sc.ATTR_URL_PATH] = path;

    const tracker = this.startStream({
      spanName: route !== undefined ? `${protocol} ${method} ${route}` : `${protocol} ${method}`,
      spanKind: underHttpSpan ? SpanKind.INTERNAL : SpanKind.SERVER,
      spanAttributes,
      parentContext,
      source: SOURCE,
      protocol,
      requiresTerminal: false,
      metricAttributes,
      startTime: state.startTime,
      serverSide: true,
    });
    if (tracker === undefined) return undefined;
    scope.serverSpan = tracker.span.spanContext();
    tracker.markHeaders();
    const onFinish = (): void => tracker.end('eof');
    const onClose = (): void => {
      res.removeListener('finish', onFinish);
      if (res.writableFinished) {
        tracker.end('eof');
      } else if (state.destroyedByApp) {
        tracker.reason = 'destroyed_by_server';
        tracker.end('abort');
      } else {
        tracker.reason = res.writableEnded ? 'closed_before_flush' : 'closed_before_end';
        tracker.end('client_disconnect');
      }
    };
    res.once('finish', onFinish);
    res.once('close', onClose);
    return tracker;
  }
}
