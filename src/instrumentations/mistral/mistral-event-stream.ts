import { guarded, reportOnce } from '../../core/guard';
import { applyError, applyItem } from '../../core/item-reader';
import { processState } from '../../core/process-state';
import type { StreamTracker } from '../../core/stream-tracker';
import { trackReadableStream } from '../../core/track-web-stream';
import { readMistralErrorEvent, readMistralItem } from '../../providers/mistral';

/** The SDK's `EventStream` constructor: `(responseBody, parse, opts)` (`esm/lib/event-streams.js`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventStreamClass = new (body: any, parse: any, opts?: any) => ReadableStream<unknown>;

/** What the SDK's parser returns for one raw SSE event. */
interface ParseResult {
  done?: unknown;
  value?: unknown;
}
type Parse = (rawEvent: unknown) => ParseResult | undefined;

/** The observed replacement of a stream's constructor arguments. */
export interface Observation {
  readonly body: ReadableStream<Uint8Array>;
  readonly parse: Parse;
  readonly tracker: StreamTracker;
}

/**
 * Builds the constructor arguments of an observed `EventStream`: the response body goes through a
 * pull-based passthrough (bytes, the body's end, its failure and the consumer's cancel reach the
 * tracker), and the parser is wrapped so every parsed event is read and `[DONE]` is seen. Because
 * the SDK's own stream is built over these, every consumption path (`for await`, `getReader()`,
 * `pipeTo`, `tee`) is observed.
 */
export function observeEventStream(
  body: ReadableStream<Uint8Array>,
  parse: Parse,
  tracker: StreamTracker,
  isAborted: () => boolean,
): Observation {
  const tapped = trackReadableStream(body, tracker, (chunk) => tracker.addBytes(chunk.byteLength), { isAborted });
  let reading = true;
  const wrapped: Parse = function parseEvent(this: unknown, rawEvent: unknown): ParseResult | undefined {
    let result: ParseResult | undefined;
    try {
      result = parse.call(this, rawEvent);
    } catch (error) {
      // The SDK errors its stream and then cancels the body: end as an error before that cancel.
      if (tracker.isLive) {
        guarded('mistral.parseError', () => {
          applyError(tracker, readMistralErrorEvent, rawEvent);
          tracker.end('error', error);
        });
      }
      throw error;
    }
    if (reading && tracker.isLive && result !== undefined && result !== null) {
      try {
        if (result.done === true) {
          // `data: [DONE]`: the SDK cancels the body next; the stream is complete now.
          tracker.markTerminal();
          tracker.end('eof');
        } else {
          applyItem(tracker, readMistralItem, result.value);
        }
      } catch (error) {
        reading = false;
        reportOnce('reader.mistral', error);
      }
    }
    return result;
  };
  return { body: tapped, parse: wrapped, tracker };
}

/**
 * A subclass of the SDK's `EventStream` (same name, `instanceof` both) whose constructor asks
 * `observe` for replacement arguments; without an observation it is the SDK's stream unchanged.
 */
export function trackedEventStreamClass(
  Original: EventStreamClass,
  observe: (body: unknown, parse: unknown) => Observation | undefined,
): EventStreamClass {
  const { live } = processState();
  const Tracked = class EventStream extends Original {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(body: any, parse: any, opts?: any) {
      const o = guarded('mistral.eventStream', () => observe(body, parse));
      super(o !== undefined ? o.body : body, o !== undefined ? o.parse : parse, opts);
      if (o !== undefined) guarded('mistral.eventStream', () => live.watchForAbandonment(this, o.tracker));
    }
  };
  return Tracked;
}
