import { context } from '@opentelemetry/api';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { guarded } from '../../core/guard';
import { trackIterableObject } from '../../core/track-iterable-object';
import { readBedrockError, readConverseItem, readInvokeItem } from '../../providers/bedrock';
import type { ItemReader } from '../../providers/types';
import { MidstreamInstrumentation, type GenAiCall, type MidstreamInstrumentationConfig } from '../kit/midstream-instrumentation';
import { observeSettled, type AnyFunction } from '../kit/sdk-hook';

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
  readonly call: GenAiCall;
  readonly signal: AbortSignal | undefined;
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
 * is wrapped pass-through; on the output's event stream object (`output.stream` / `output.body`),
 * which stays the same object, `[Symbol.asyncIterator]` is tracked in place. A call that fails
 * before its stream (throttling, validation, a refused connection) ends its span ERROR.
 */
export class BedrockInstrumentation extends MidstreamInstrumentation {
  constructor(config: MidstreamInstrumentationConfig = {}) {
    super(SOURCE, config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    return this.hookModules({
      packageName: PACKAGE,
      versions: SUPPORTED_VERSIONS,
      // CJS exports (RITM) or, imported from ESM, the IITM namespace with the CJS exports under `default`.
      hooks: [{ exportName: 'BedrockRuntimeClient', method: 'send', wrap: (original) => this.wrapSend(original) }],
    });
  }

  private wrapSend(original: AnyFunction): AnyFunction {
    const kind = `${SOURCE}.send`;
    const begin = (command: unknown, options: unknown): SendInfo | undefined => guarded(kind, () => this.begin(command, options));
    const observe = (output: unknown, info: SendInfo): void => this.observe(output, info);
    const fail = (info: SendInfo, error: unknown): void => this.failCall(info.call, error);
    return function send(this: unknown, ...args: unknown[]): unknown {
      const options = typeof args[1] === 'function' ? undefined : args[1];
      const info = begin(args[0], options);
      if (info === undefined) return original.apply(this, args);
      // Callback form: send(command, cb) or send(command, options, cb).
      const cbIndex = typeof args[1] === 'function' ? 1 : typeof args[2] === 'function' ? 2 : -1;
      if (cbIndex >= 0) {
        const callback = args[cbIndex] as AnyFunction;
        args[cbIndex] = function (this: unknown, err: unknown, output: unknown): unknown {
          guarded(kind, () => (err == null ? observe(output, info) : fail(info, err)));
          return callback.call(this, err, output);
        };
      }
      const result = context.with(info.call.context, () => original.apply(this, args));
      if (!(result instanceof Promise) || cbIndex >= 0) return result;
      return observeSettled(
        kind,
        result,
        (output) => observe(output, info),
        (error) => fail(info, error),
      );
    };
  }

  /** 1st step: the app called `send` with a streaming command. */
  private begin(command: unknown, options: unknown): SendInfo | undefined {
    const operation = operationOf(command);
    if (operation === undefined) return undefined;
    const input = (command as { input?: { modelId?: unknown; body?: unknown } | null }).input;
    const signal = (options as { abortSignal?: AbortSignal } | null | undefined)?.abortSignal;
    const call = this.beginGenAiCall({
      provider: PROVIDER,
      operation: operation === INVOKE_STREAM ? invokeOperationOf(input?.body) : 'chat',
      model: typeof input?.modelId === 'string' ? input.modelId : undefined,
      source: SOURCE,
    });
    if (call === undefined) return undefined;
    const usable = typeof signal?.aborted === 'boolean' && typeof signal.addEventListener === 'function';
    return { operation, call, signal: usable ? signal : undefined };
  }

  /** 2nd step: headers arrived and the SDK resolved its output; nothing read yet. */
  private observe(output: unknown, info: SendInfo): void {
    const stream = (output as Record<string, unknown> | null | undefined)?.[info.operation.member];
    if (
      typeof stream !== 'object' ||
      stream === null ||
      typeof (stream as Record<symbol, unknown>)[Symbol.asyncIterator] !== 'function'
    ) {
      this.dropCall(info.call);
      return;
    }
    const tracker = this.streamOfCall(info.call);
    if (tracker === undefined) return;
    tracker.markHeaders();
    // The app may abort and never read again: the abort itself ends the stream.
    trackIterableObject(stream, tracker, info.operation.readItem, { signal: info.signal, onError: readBedrockError });
  }
}
