import { channel } from 'node:diagnostics_channel';
import { context, diag, SpanKind, type Context } from '@opentelemetry/api';
import { now } from '../../../core/clock';
import { guarded } from '../../../core/guard';
import { isSdkStream, offerTransportStream, registerTransportStream } from '../../../core/layering';
import { processState } from '../../../core/process-state';
import { portOf, requestErrorType, shouldRecordHttpMetric } from '../../../metrics/http-request-duration';
import { MidstreamInstrumentation } from '../../kit/midstream-instrumentation';
import { observeSettled } from '../../kit/sdk-hook';
import { normalizeMethod, requestFacts, requestModel, requestUrl, type RequestFacts } from '../../kit/request-facts';
import { clientStreamInit } from '../../kit/client-stream-init';
import { tapResponse } from './response-tap';
import { declaredRule, matchStream, type StreamMatch } from '../../kit/stream-match';
import type { FetchInstrumentationConfig } from './types';

/** Brand on our fetch wrapper, shared by every copy of midstream in the process. */
const WRAPPER = Symbol.for('midstream.fetch.wrapper.v1');
const SOURCE = 'fetch';

type Fetch = typeof globalThis.fetch;
type BrandedFetch = Fetch & { [WRAPPER]?: true };

interface CallFacts extends RequestFacts {
  readonly parentContext: Context;
  /** Whether midstream records `http.client.request.duration` for this call. */
  readonly recordHttp: boolean;
}

// @opentelemetry/instrumentation-undici (and other tracers of fetch) listen here; in `auto` mode
// they own the HTTP client metric of fetch calls.
const undiciRequestCreate = channel('undici:request:create');

/**
 * Streams received through the global `fetch` (undici): Server-Sent Events, NDJSON, and the
 * responses of known LLM APIs (which get their provider's terminal rule and GenAI attributes even
 * without an SDK). One CLIENT span per stream, named `{protocol} {method} {server.address}` (e.g.
 * `sse POST api.example.com`; low cardinality, no path), or `{gen_ai.operation.name} {model}` for a
 * known LLM API called directly. The span starts when fetch() was called and ends with the stream's
 * outcome. Responses that are not streams get no span; a fetch that fails before the headers is not
 * a stream either (no stream began). The app gets its own Response object back, with its body
 * tapped lazily (nothing is read before the app reads).
 *
 * @example
 * ```ts
 * import { FetchInstrumentation } from 'midstream-otel';
 * registerInstrumentations({ instrumentations: [new FetchInstrumentation({ streamUrls: ['/events'] })] });
 * ```
 */
export class FetchInstrumentation extends MidstreamInstrumentation<FetchInstrumentationConfig> {
  // `declare`: InstrumentationBase's constructor calls enable() before field initializers would run.
  declare private original: Fetch | undefined;
  declare private wrapper: BrandedFetch | undefined;
  /** The wrapper observes only while this is true (it may outlive disable() if someone wrapped over it). */
  declare private observing: boolean;

  constructor(config: FetchInstrumentationConfig = {}) {
    super('fetch', config);
  }

  override enable(): void {
    guarded('fetch.enable', () => {
      this.observing = true;
      const current = globalThis.fetch as BrandedFetch | undefined;
      if (typeof current !== 'function' || current === this.wrapper) return;
      const { patched } = processState();
      if (current[WRAPPER] === true || patched.has(current)) {
        diag.debug('midstream: global fetch is already wrapped by midstream; not wrapping it twice');
        return;
      }
      this.original = current;
      this.wrapper = this.wrap(current);
      patched.add(this.wrapper);
      globalThis.fetch = this.wrapper;
    });
  }

  override disable(): void {
    guarded('fetch.disable', () => {
      this.observing = false;
      // Restore only what we installed; if another wrapper sits on top, ours stays as a passthrough.
      if (this.wrapper !== undefined && globalThis.fetch === this.wrapper && this.original !== undefined) {
        globalThis.fetch = this.original;
        this.wrapper = undefined;
        this.original = undefined;
      }
    });
  }

  private wrap(original: Fetch): BrandedFetch {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instrumentation = this;
    const wrapped = function fetch(this: unknown, ...args: Parameters<Fetch>): Promise<Response> {
      if (!instrumentation.observing)
        return Reflect.apply<undefined, Parameters<Fetch>, Promise<Response>>(original, undefined, args);
      // 1st step of a request: the app called fetch(); we keep references only.
      const call = guarded('fetch.call', () => instrumentation.callFacts(args[0], args[1]));
      const promise = Reflect.apply<undefined, Parameters<Fetch>, Promise<Response>>(original, undefined, args);
      if (call === undefined) return promise;
      // 2nd step: headers arrived. The app's promise resolves with the same Response (or rejects
      // with the same error: a fetch that fails before the headers began no stream).
      return observeSettled(
        'fetch.response',
        promise,
        (response) => {
          if (call.recordHttp) guarded('fetch.requestMetric', () => instrumentation.recordRequest(call, response, undefined));
          instrumentation.onResponse(response, call);
        },
        (error) => {
          if (call.recordHttp) guarded('fetch.requestMetric', () => instrumentation.recordRequest(call, undefined, error));
          instrumentation.onFailure(error, call);
        },
      );
    } as BrandedFetch;
    Object.defineProperty(wrapped, 'length', { value: original.length });
    Object.defineProperty(wrapped, 'name', { value: original.name });
    Object.defineProperty(wrapped, WRAPPER, { value: true });
    return wrapped;
  }

  private callFacts(input: unknown, init: unknown): CallFacts {
    const parentContext = context.active();
    const mode = this.options.httpMetrics;
    const recordHttp =
      shouldRecordHttpMetric(mode, parentContext, SpanKind.CLIENT, false) &&
      (mode === 'on' || !undiciRequestCreate.hasSubscribers);
    return { ...requestFacts(input, init, now()), parentContext, recordHttp };
  }

  /** `http.client.request.duration`: fetch() called → response headers, or the failure before them. */
  private recordRequest(call: CallFacts, response: Response | undefined, error: unknown): void {
    const href = response !== undefined && response.url !== '' ? response.url : requestUrl(call.input);
    if (href === undefined || !URL.canParse(href)) return;
    const url = new URL(href);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    this.httpRequestDuration.recordClient(call.startTime, now(), {
      method: normalizeMethod(call.method),
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      statusCode: response?.status,
      errorType: response === undefined ? requestErrorType(error) : undefined,
      serverAddress: url.hostname,
      serverPort: portOf(url),
    });
  }

  /** A URL the user declared a stream (a rule) whose request failed before any response: a failed request. */
  private onFailure(error: unknown, call: CallFacts): void {
    const href = requestUrl(call.input);
    if (href === undefined || this.getConfig().rules === undefined) return;
    const url = new URL(href);
    const rule = declaredRule(url, this.getConfig());
    if (rule === undefined) return;
    this.failRequest(this.streamInit(url, call, undefined, { protocol: rule.protocol, rule, knownHost: false }), error);
  }

  private streamInit(url: URL, call: CallFacts, statusCode: number | undefined, match: StreamMatch) {
    return clientStreamInit({
      source: SOURCE,
      url,
      method: call.method,
      statusCode,
      match,
      bodyModel: match.knownHost ? requestModel(call.body) : undefined,
      sdkStream: isSdkStream(call.parentContext),
      parentContext: call.parentContext,
      startTime: call.startTime,
    });
  }

  private onResponse(response: Response, call: CallFacts): void {
    if (!(response instanceof Response) || response.body === null) return;
    const href = response.url !== '' ? response.url : requestUrl(call.input);
    if (href === undefined) return;
    const url = new URL(href);
    // data:, blob: and file: bodies are local: no stream over the network to observe.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (response.status >= 400) {
      // An error answer to a URL the user declared a stream is a failed request, not a stream.
      const rule = declaredRule(url, this.getConfig());
      if (rule !== undefined) {
        const init = this.streamInit(url, call, response.status, { protocol: rule.protocol, rule, knownHost: false });
        this.failRequest(init, { status: response.status });
        return;
      }
    }
    const match = matchStream(url, response.headers.get('content-type'), this.getConfig());
    if (match === undefined) return;

    const tracker = this.startStream(this.streamInit(url, call, response.status, match));
    if (tracker === undefined) return;
    // Registered even under an SDK's context mark (metrics already off): the SDK adapter that claims
    // it ends this span with its own outcome if the SDK stops reading before the body ends.
    registerTransportStream(response, tracker);
    offerTransportStream(call.parentContext, response);
    tracker.markHeaders();
    const signal = call.signal;
    if (!tapResponse(response, tracker, match.protocol, match.rule, signal)) {
      tracker.finish('completed');
      return;
    }
    // The caller may abort and then never read again: the abort itself ends the stream.
    if (signal !== undefined) tracker.endOnAbort(signal);
  }
}
