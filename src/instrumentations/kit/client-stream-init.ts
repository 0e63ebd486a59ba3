import { SpanKind, type Attributes, type Context } from '@opentelemetry/api';
import { providerForHost } from '../../providers';
import * as sc from '../../semconv';
import type { StartStreamInit } from './midstream-instrumentation';
import { normalizeMethod, operationFor, pathModel, sanitizedUrl } from './request-facts';
import type { StreamMatch } from './stream-match';

export interface ClientStreamFacts {
  readonly source: string;
  readonly url: URL;
  readonly method: string | undefined;
  readonly statusCode: number | undefined;
  readonly match: StreamMatch;
  /** Model from the request body, when the adapter can read it. */
  readonly bodyModel?: string;
  /** True when an SDK adapter above counts this stream (context mark). */
  readonly sdkStream: boolean;
  readonly parentContext: Context;
  readonly startTime: number;
}

/**
 * What a client-side stream span and its metrics are, shared by the fetch and http-client adapters:
 * span name `{protocol} {method} {host}` (or `{operation} {model}` for a known LLM host called
 * directly), url.full without query or credentials on the span only, low-cardinality metric labels.
 */
export function clientStreamInit(f: ClientStreamFacts): StartStreamInit {
  const { url, match } = f;
  const method = normalizeMethod(f.method ?? 'GET');
  const serverPort = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const spanAttributes: Attributes = { [sc.ATTR_URL_FULL]: sanitizedUrl(url), [sc.ATTR_SERVER_PORT]: serverPort };
  const metricAttributes: Attributes = { [sc.ATTR_HTTP_REQUEST_METHOD]: method, [sc.ATTR_SERVER_ADDRESS]: url.hostname };
  if (f.statusCode !== undefined) metricAttributes[sc.ATTR_HTTP_RESPONSE_STATUS_CODE] = f.statusCode;
  let spanName = `${match.protocol} ${method} ${url.hostname}`;
  const provider = match.knownHost ? providerForHost(url.host) : undefined;
  if (match.rule !== undefined && provider !== undefined) {
    const operation = operationFor(match.rule.name, url.pathname);
    const model = f.bodyModel ?? pathModel(url.pathname);
    metricAttributes[sc.ATTR_GEN_AI_PROVIDER_NAME] = provider;
    metricAttributes[sc.ATTR_GEN_AI_OPERATION_NAME] = operation;
    metricAttributes[sc.ATTR_SERVER_PORT] = serverPort;
    if (model !== undefined) metricAttributes[sc.ATTR_GEN_AI_REQUEST_MODEL] = model;
    // Called directly (no SDK span above), this span is the GenAI operation span.
    if (!f.sdkStream) spanName = model !== undefined ? `${operation} ${model}` : operation;
  }
  return {
    spanName,
    spanKind: SpanKind.CLIENT,
    spanAttributes,
    parentContext: f.parentContext,
    source: f.source,
    protocol: match.protocol,
    requiresTerminal: match.rule?.requiresTerminal ?? false,
    metricAttributes,
    genAi: provider !== undefined,
    // An SDK adapter already counts this stream (DESIGN.md: a stream is counted once).
    recordMetrics: !f.sdkStream,
    startTime: f.startTime,
  };
}
