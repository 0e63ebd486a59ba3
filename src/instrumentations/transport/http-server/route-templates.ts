import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { guarded, reportOnce } from '../../../core/guard';

/**
 * `http.route` from the frameworks themselves, so it exists without their OTel instrumentations
 * (which put it in the RPC metadata; that one wins when present). Never a raw path: only a template
 * the framework matched.
 *
 * - Express: the matched route (`req.route.path`) on the request, read when the headers go out.
 * - Fastify: its published `tracing:fastify.request.handler:start` channel (`route.url`).
 * - Hono: the matched routes passed to its `Context` (last non-middleware route), with
 *   `@hono/node-server`'s `env.incoming` as the request.
 */
const templates = new WeakMap<object, string>();

/** The route template a framework matched for `req`, if any. */
export function frameworkRoute(req: IncomingMessage): string | undefined {
  return templates.get(req) ?? expressRoute(req);
}

/**
 * Express's matched route. A router mounted at a path (`app.use('/api', router)`) gives `req.baseUrl`
 * as matched, which holds parameter values for a parametric mount: then no route (the template of
 * the mount is not on the request).
 */
function expressRoute(req: IncomingMessage): string | undefined {
  const r = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };
  const path = r.route?.path;
  if (typeof path !== 'string' || path === '') return undefined;
  return r.baseUrl === undefined || r.baseUrl === '' ? path : undefined;
}

// ---- Fastify ---------------------------------------------------------------------------------
const FASTIFY_HANDLER_START = 'tracing:fastify.request.handler:start';

interface FastifyHandlerStart {
  readonly request?: { readonly raw?: unknown };
  readonly route?: { readonly url?: unknown };
}

function onFastifyHandler(message: unknown): void {
  guarded('http-server.fastify-route', () => {
    const m = message as FastifyHandlerStart;
    const raw = m.request?.raw;
    const url = m.route?.url;
    if (typeof url === 'string' && url !== '' && raw !== null && typeof raw === 'object') templates.set(raw, url);
  });
}

let fastifySubscribed = false;

/** Listens to Fastify's handler channel (a published seam; Fastify publishes only while someone listens). */
export function subscribeFastifyRoutes(): void {
  if (fastifySubscribed) return;
  fastifySubscribed = true;
  diagnosticsChannel.subscribe(FASTIFY_HANDLER_START, onFastifyHandler);
}

export function unsubscribeFastifyRoutes(): void {
  if (!fastifySubscribed) return;
  fastifySubscribed = false;
  diagnosticsChannel.unsubscribe(FASTIFY_HANDLER_START, onFastifyHandler);
}

// ---- Hono ------------------------------------------------------------------------------------
/** A matched handler: `[[handler, { path, method }], params]` (hono 4 `matchResult[0]` entries). */
interface HonoRoute {
  readonly path?: unknown;
  readonly method?: unknown;
}
type HonoMatch = readonly [readonly [unknown, HonoRoute | undefined] | undefined, unknown];

interface HonoContextOptions {
  readonly matchResult?: readonly [readonly HonoMatch[] | undefined];
  readonly env?: { readonly incoming?: unknown };
}

/** The route of the last matched handler that is not a middleware (`use()` registers method `ALL`). */
function honoRoute(options: HonoContextOptions | undefined): string | undefined {
  const matches = options?.matchResult?.[0];
  if (!Array.isArray(matches)) return undefined;
  for (let i = matches.length - 1; i >= 0; i--) {
    const route = (matches[i] as HonoMatch)[0]?.[1];
    if (route !== undefined && route.method !== 'ALL' && typeof route.path === 'string') return route.path;
  }
  return undefined;
}

const HONO_WRAPPED = Symbol.for('midstream.hono-context.v1');
type HonoModule = { Context?: unknown };

/** Hono's `Context` class, behind a construct trap that notes the route of a node-server request. */
export function patchHonoContext(moduleExports: unknown): unknown {
  guarded('http-server.hono.patch', () => {
    const mod = moduleExports as HonoModule;
    const Context = mod.Context;
    if (typeof Context !== 'function') {
      reportOnce('http-server.hono.patch', new Error('hono Context not found'));
      return;
    }
    if ((Context as unknown as Record<symbol, unknown>)[HONO_WRAPPED] !== undefined) return;
    const proxy = new Proxy(Context, {
      construct(target, args, newTarget) {
        const c = Reflect.construct(target, args, newTarget) as object;
        guarded('http-server.hono.route', () => {
          const options = args[1] as HonoContextOptions | undefined;
          const incoming = options?.env?.incoming;
          if (incoming === null || typeof incoming !== 'object') return;
          const route = honoRoute(options);
          if (route !== undefined) templates.set(incoming, route);
        });
        return c;
      },
      get(target, key, receiver) {
        if (key === HONO_WRAPPED) return target;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    mod.Context = proxy;
  });
  return moduleExports;
}

export function unpatchHonoContext(moduleExports: unknown): void {
  guarded('http-server.hono.unpatch', () => {
    const mod = moduleExports as HonoModule;
    const original = (mod.Context as Record<symbol, unknown> | undefined)?.[HONO_WRAPPED];
    if (original !== undefined) mod.Context = original;
  });
}
