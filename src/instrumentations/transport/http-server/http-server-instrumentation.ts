import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { context, propagation, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { now } from '../../../core/clock';
import { guarded } from '../../../core/guard';
import { processState } from '../../../core/process-state';
import type { StreamTracker } from '../../../core/stream-tracker';
import * as sc from '../../../semconv';
import { normalizeMethod } from '../../kit/request-facts';
import { protocolOfContentType } from '../../kit/stream-match';
import { wrapInChain } from '../../kit/chain-wrap';
import { moduleTargets } from '../../kit/module-targets';
import { MidstreamInstrumentation } from '../../kit/midstream-instrumentation';
import type { HttpServerInstrumentationConfig } from './types';

const SOURCE = 'http.server';
const MODULES = ['http', 'https'] as const;

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
type Method = 'writeHead' | 'write' | 'end' | 'destroy';
type ResponseMethods = Record<Method, AnyFn>;

/** Per response: when the request arrived, and the tracker once the response turned out to be a stream. */
interface ResponseState {
  readonly startTime: number;
  decided: boolean;
  tracker: StreamTracker | undefined;
  /** The app destroyed its own response (`res.destroy()`), which is not a client disconnect. */
  destroyedByApp: boolean;
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
 * (parented from the incoming `traceparent`). `http.route` is set only when a framework put it in
 * the RPC metadata (instrumentation-express and co.); the raw path is never a metric label.
 */
export class HttpServerInstrumentation extends MidstreamInstrumentation<HttpServerInstrumentationConfig> {
  constructor(config: HttpServerInstrumentationConfig = {}) {
    super('http-server', config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return MODULES.map(
      (name) =>
        new InstrumentationNodeModuleDefinition(
          name,
          ['*'],
          (moduleExports: unknown) => this.patchModule(moduleExports),
          (moduleExports: unknown) => this.unpatchModule(moduleExports),
        ),
    );
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
    return function emit(this: unknown, event: unknown, req?: unknown, res?: unknown): unknown {
      if (event === 'request' && instrumentation.isEnabled())
        guarded('http-server.request', () => instrumentation.watchResponse(req, res));
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(original, this, arguments);
    };
  }

  /** 1st step: a request arrived. Wraps the response's own methods until its headers go out. */
  private watchResponse(request: unknown, response: unknown): void {
    if (!(request instanceof EventEmitter) || !(response instanceof EventEmitter)) return;
    const req = request as IncomingMessage;
    const res = response as ServerResponse;
    const target = res as unknown as ResponseMethods;
    const state: ResponseState = { startTime: now(), decided: false, tracker: undefined, destroyedByApp: false };
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
            state.tracker = instrumentation.startIfStream(req, res, state, args);
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

  /** Starts the stream span if the response's content type is a streaming one; undefined otherwise. */
  private startIfStream(
    req: IncomingMessage,
    res: ServerResponse,
    state: ResponseState,
    writeHeadArgs: readonly unknown[],
  ): StreamTracker | undefined {
    const protocol = protocolOfContentType(mediaType(res.getHeader('content-type') ?? contentTypeFromWriteHead(writeHeadArgs)));
    if (protocol === undefined) return undefined;

    const active = context.active();
    const method = normalizeMethod(req.method ?? 'GET');
    const rpc = getRPCMetadata(active);
    const route = typeof rpc?.route === 'string' && rpc.route !== '' ? rpc.route : undefined;
    // Under instrumentation-http's SERVER span (it puts it in the RPC metadata): a child span.
    // Alone: our span is the server span, continuing the caller's trace.
    const underHttpSpan = rpc?.span !== undefined || trace.getSpan(active) !== undefined;
    const parentContext = underHttpSpan ? active : propagation.extract(active, req.headers);
    const metricAttributes: Attributes = {
      [sc.ATTR_HTTP_REQUEST_METHOD]: method,
      [sc.ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode,
    };
    if (route !== undefined) metricAttributes[sc.ATTR_HTTP_ROUTE] = route;
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
    });
    if (tracker === undefined) return undefined;
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
