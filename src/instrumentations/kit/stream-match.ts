import type { StreamProtocol } from '../../core/stream-tracker';
import { providerForHost, ruleForRequest, type TerminalRule } from '../../providers';

/** A URL pattern: a substring of the response URL, or a RegExp tested against it. */
export type UrlPattern = string | RegExp;

/** Marks the responses of matching URLs as streams read with `rule` (its framing and terminal marker). */
export interface StreamRule {
  readonly match: UrlPattern;
  readonly rule: TerminalRule;
}

/** The stream-matching part of a client transport's configuration (fetch, http client). */
export interface StreamMatchConfig {
  readonly streamUrls?: readonly UrlPattern[];
  readonly rules?: readonly StreamRule[];
}

/** How a response is read when it is a stream. */
export interface StreamMatch {
  readonly protocol: StreamProtocol;
  readonly rule: TerminalRule | undefined;
  /**
   * The URL is a known LLM API (`providerForHost`) read with a terminal rule, built in or the user's:
   * the stream gets the GenAI attributes.
   */
  readonly knownHost: boolean;
}

/** The media type of a content-type header, lower case, without parameters. */
function mediaType(contentType: string | null): string {
  if (contentType === null) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The framing a content type announces; undefined when it is not a streaming type. */
export function protocolOfContentType(type: string): StreamProtocol | undefined {
  if (type === 'text/event-stream') return 'sse';
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson';
  return undefined;
}

function matches(url: string, pattern: UrlPattern): boolean {
  if (typeof pattern === 'string') return url.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(url);
}

/** The user rule (`config.rules`) that declares `url` a stream, whatever the response says; undefined: none. */
export function declaredRule(url: URL, config: StreamMatchConfig): TerminalRule | undefined {
  if (config.rules === undefined) return undefined;
  const href = url.href;
  for (const r of config.rules) if (matches(href, r.match)) return r.rule;
  return undefined;
}

/**
 * Whether a response is a stream, and how to read it: a user rule for the URL first, then the
 * built-in LLM hosts, then the content type, then `streamUrls`. Undefined: not a stream (no span).
 * A user-matched URL answering `application/json` is a non-streaming answer (an error body, or
 * `stream: false`), not a stream.
 */
export function matchStream(url: URL, contentType: string | null, config: StreamMatchConfig): StreamMatch | undefined {
  const type = mediaType(contentType);
  const byType = protocolOfContentType(type);
  const json = type === 'application/json';
  const href = url.href;
  if (config.rules !== undefined && !json) {
    for (const r of config.rules) {
      if (matches(href, r.match))
        return { protocol: r.rule.protocol, rule: r.rule, knownHost: providerForHost(url.host) !== undefined };
    }
  }
  const known = ruleForRequest(url, contentType ?? undefined);
  if (known !== undefined && (byType !== undefined || type === ''))
    return { protocol: known.protocol, rule: known, knownHost: true };
  if (byType !== undefined) return { protocol: byType, rule: undefined, knownHost: false };
  if (config.streamUrls !== undefined && !json) {
    for (const p of config.streamUrls) {
      if (matches(href, p)) return { protocol: 'bytes', rule: undefined, knownHost: false };
    }
  }
  return undefined;
}
