import { context, type Context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, isWrapped, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { now } from '../../core/clock';
import { guarded, reportOnce } from '../../core/guard';
import { markSdkStream } from '../../core/layering';
import { processState } from '../../core/process-state';
import type { StreamTracker } from '../../core/stream-tracker';
import { wrapAsyncIterator, type ItemReader } from '../../core/track-async-iterable';
import { MidstreamInstrumentation } from '../kit/midstream-instrumentation';
import { readBedrockError, readConverseItem, readInvokeItem } from './bedrock-items';

type AnyFunction = (...args: unknown[]) => unknown;

const PACKAGE = '@aws-sdk/client-bedrock-runtime';
// Tested: 3.590.0 (the first with ConverseStream; HTTP/1.1 by default) and 3.1164.0 (HTTP/2 by default).
const SUPPORTED_VERSIONS = ['>=3.590.0 <4'];
const PROVIDER = 'aws.bedrock';
const SOURCE = 'bedrock';

/** A streaming operation: which output member is the event stream and how its items read. */
interface StreamOperation {
  readonly member: 'stream' | 'body';
  readonly readItem: ItemReader<unknown>;
}

const CONVERSE_STREAM: StreamOperation = { member: 'stream', readItem: readConverseItem };
const INVOKE_STREAM: StreamOperation = { member: 'body', readItem: readInvokeItem };

/** What `send` knew when the app called it. */
interface SendInfo {
  readonly operation: StreamOperation;
  readonly genAiOperation: string;
  readonly model: string | undefined;
  readonly startTime: number;
  readonly parentContext: Context;
  readonly signal: AbortSignal | undefined;
}

interface ClientClass {
  prototype: { send: AnyFunction };
}

function operationOf(command: unknown): StreamOperation | undefined {
  const name = (command as { constructor?: { name?: unknown } } | null | undefined)?.constructor?.name;
  if (name === 'ConverseStreamCommand') return CONVERSE_STREAM;
  if (name === 'InvokeModelWithResponseStreamCommand') return INVOKE_STREAM;
  return undefined;
}

/** Request bodies larger than this are not parsed for the operation name (images, documents). */
const MAX_BODY_PROBE = 256 * 1024;

/** Invoke bodies are model-native: a `messages` array means chat, anything else a text completion. */
function invokeOperationOf(body: unknown): string {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array && body.byteLength <= MAX_BODY_PROBE) text = new TextDecoder().decode(body);
  if (text === undefined || text.length > MAX_BODY_PROBE) return 'chat';
  try {
    const json = JSON.parse(text) as { messages?: unknown } | null;
    return json !== null && typeof json === 'object' && !Array.isArray(json.messages) ? 'text_completion' : 'chat';
  } catch {
    return 'chat';
  }
}

/**
 * Streams of `@aws-sdk/client-bedrock-runtime`: `ConverseStreamCommand` and
 * `InvokeModelWithResponseStreamCommand`, through `client.send()` or the aggregated
 * `BedrockRuntime#converseStream()` / `#invokeModelWithResponseStream()` (which call `send`).
 *
 * The SDK speaks HTTP/2 (`NodeHttp2Handler`), which no transport instrumentation sees, so this is
 * the only layer observing these streams (research/patchpoints.md §1.6). `BedrockRuntimeClient.prototype.send`
 * is wrapped pass-through: the app gets the SDK's own promise; a side branch registered first on it
 * replaces `[Symbol.asyncIterator]` on the output's event stream object (`output.stream` /
 * `output.body`), which stays the same object.
 */
export class BedrockInstrumentation extends MidstreamInstrumentation {
  constructor(config: InstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        PACKAGE,
        SUPPORTED_VERSIONS,
        (exports: unknown) => this.patch(exports),
        (exports: unknown) => this.unpatch(exports),
      ),
    ];
  }

  /** CJS exports (RITM) or, when imported from ESM, the IITM namespace with CJS exports under `default`. */
  private clientClassOf(exports: unknown): ClientClass | undefined {
    const e = exports as { BedrockRuntimeClient?: ClientClass; default?: { BedrockRuntimeClient?: ClientClass } } | undefined;
    const cls = e?.BedrockRuntimeClient ?? e?.default?.BedrockRuntimeClient;
    return typeof cls?.prototype?.send === 'function' ? cls : undefined;
  }

  private patch(exports: unknown): unknown {
    const cls = this.clientClassOf(exports);
    if (cls === undefined) {
      reportOnce(`${SOURCE}.patch`, new Error('BedrockRuntimeClient.prototype.send not found'));
      return exports;
    }
    // RITM and IITM may both see the package; the prototype is shared, so wrap it once.
    if (isWrapped(cls.prototype.send)) this._unwrap(cls.prototype, 'send');
    const kind = `${SOURCE}.send`;
    const begin = (command: unknown, options: unknown, parentContext: Context): SendInfo | undefined =>
      guarded(kind, () => this.begin(command, options, parentContext));
    const observe = (output: unknown, info: SendInfo): void => {
      guarded(kind, () => this.observe(output, info));
    };
    this._wrap(
      cls.prototype,
      'send',
      (original: AnyFunction) =>
        function send(this: unknown, ...args: unknown[]): unknown {
          const parentContext = context.active();
          const options = typeof args[1] === 'function' ? undefined : args[1];
          const info = begin(args[0], options, parentContext);
          if (info === undefined) return original.apply(this, args);
          const marked = guarded(kind, () => markSdkStream(parentContext)) ?? parentContext;
          // Callback form: send(command, cb) or send(command, options, cb).
          const cbIndex = typeof args[1] === 'function' ? 1 : typeof args[2] === 'function' ? 2 : -1;
          if (cbIndex >= 0) {
            const callback = args[cbIndex] as AnyFunction;
            args[cbIndex] = function (this: unknown, err: unknown, output: unknown): unknown {
              if (err == null) observe(output, info);
              return callback.call(this, err, output);
            };
          }
          const result = context.with(marked, () => original.apply(this, args));
          if (!(result instanceof Promise)) return result;
          // The app gets this step of the SDK's promise (a plain Promise either way): it settles the same
          // way, one tick later, with the stream wrapped before the app reads it; and a rejection the app
          // never handles stays unhandled (a rejection handler on the SDK's promise would hide it).
          return result.then((output: unknown) => {
            observe(output, info);
            return output;
          });
        },
    );
    return exports;
  }

  private unpatch(exports: unknown): void {
    const cls = this.clientClassOf(exports);
    if (cls !== undefined && isWrapped(cls.prototype.send)) this._unwrap(cls.prototype, 'send');
  }

  /** 1st step: the app called `send` with a streaming command. */
  private begin(command: unknown, options: unknown, parentContext: Context): SendInfo | undefined {
    const operation = operationOf(command);
    if (operation === undefined) return undefined;
    const input = (command as { input?: { modelId?: unknown; body?: unknown } | null }).input;
    const signal = (options as { abortSignal?: AbortSignal } | null | undefined)?.abortSignal;
    return {
      operation,
      genAiOperation: operation === INVOKE_STREAM ? invokeOperationOf(input?.body) : 'chat',
      model: typeof input?.modelId === 'string' ? input.modelId : undefined,
      startTime: now(),
      parentContext,
      signal: typeof signal?.aborted === 'boolean' ? signal : undefined,
    };
  }

  /** 2nd step: headers arrived and the SDK resolved its output; nothing read yet. */
  private observe(output: unknown, info: SendInfo): void {
    const stream = (output as Record<string, unknown> | null | undefined)?.[info.operation.member] as
      Record<symbol, unknown> | undefined;
    if (typeof stream !== 'object' || stream === null || typeof stream[Symbol.asyncIterator] !== 'function') return;
    const tracker = this.startTracker(info);
    if (tracker === undefined) return;
    tracker.markHeaders();
    const { signal } = info;
    const isAborted = (): boolean => signal?.aborted === true;
    // The app may abort and never read again: the abort itself ends the stream.
    if (signal !== undefined && typeof signal.addEventListener === 'function') tracker.endOnAbort(signal);
    const readItem = info.operation.readItem;
    const { live } = processState();
    const original = stream[Symbol.asyncIterator] as AnyFunction;
    let observed = false;
    const iterate = function (this: unknown, ...args: unknown[]): unknown {
      const source = original.apply(this, args) as AsyncIterator<unknown>;
      // Only the first iterator reads the body; a second one is whatever the SDK makes of it.
      if (observed) return source;
      observed = true;
      const wrapped = guarded(`${SOURCE}.iterator`, () => {
        const it = wrapAsyncIterator(source, tracker, readItem, { isAborted, onError: readBedrockError });
        (it as AsyncIterableIterator<unknown>)[Symbol.asyncIterator] = function (this: AsyncIterableIterator<unknown>) {
          return this;
        };
        // From here the consumer holds the iterator, not necessarily the output object.
        live.forgetAbandonment(tracker);
        live.watchForAbandonment(it, tracker);
        return it;
      });
      return wrapped ?? source;
    };
    Object.defineProperty(stream, Symbol.asyncIterator, {
      value: iterate,
      writable: true,
      configurable: true,
      enumerable: Object.prototype.propertyIsEnumerable.call(stream, Symbol.asyncIterator),
    });
    live.watchForAbandonment(stream, tracker);
  }

  private startTracker(info: SendInfo): StreamTracker | undefined {
    return this.startGenAiStream({
      provider: PROVIDER,
      operation: info.genAiOperation,
      model: info.model,
      source: SOURCE,
      parentContext: info.parentContext,
      startTime: info.startTime,
    });
  }
}
