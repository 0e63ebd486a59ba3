import { LineSplitter, decodeUtf8, toBytes, type LineSink } from './line-splitter';

/** Receives each dispatched SSE event. */
export interface SseEventSink {
  /**
   * One event. `event` is the `event:` field ('' when absent), `data` the `data:` lines joined with
   * `\n` (at most `maxEventBytes` of it), `dataBytes` the full UTF-8 length of the data, and
   * `oversized` true when the data was longer than `maxEventBytes` and was cut.
   */
  onEvent(event: string, data: string, dataBytes: number, oversized: boolean): void;
}

/** Options of {@link SseReader}. */
export interface SseReaderOptions {
  /** Most bytes of one event's data kept in memory; the rest is counted, not kept. @defaultValue 65536 */
  maxEventBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 65536;
/** Room for the field name, colon and space on top of the data bytes of a line. */
const FIELD_OVERHEAD_BYTES = 64;
const COLON = 0x3a;
const SPACE = 0x20;
const DATA = [0x64, 0x61, 0x74, 0x61];
const EVENT = [0x65, 0x76, 0x65, 0x6e, 0x74];
const ID = [0x69, 0x64];
const RETRY = [0x72, 0x65, 0x74, 0x72, 0x79];
const MAX_CACHED_NAME_BYTES = 64;

/**
 * Incremental Server-Sent Events parser over bytes (WHATWG HTML §9.2.6 "Interpreting an event
 * stream"): LF / CRLF / CR line ends, also split across chunks; multi-line `data:`; `event:`;
 * `id:` and `retry:` ignored; `:` comments; a field without a colon; one leading space of a value
 * stripped; a leading UTF-8 BOM. Unlike the spec (which discards an unterminated last event at
 * EOF), `end()` dispatches it: a server that closes right after `data: [DONE]` without the blank
 * line did finish, and the terminal rule, not the framing, decides completeness.
 *
 * Written here rather than using eventsource-parser (3.1.1): that parser takes strings, so the whole
 * chunk must be decoded first, it re-concatenates an incomplete line with every new chunk, and it
 * keeps a whole event's data however large. This reader scans bytes with native indexOf, decodes
 * only field values, and keeps at most `maxEventBytes` per event (bounded memory per stream).
 *
 * `push` and `end` never throw for any input (invalid UTF-8 becomes U+FFFD); an exception thrown
 * by the sink propagates to the caller.
 */
export class SseReader implements LineSink {
  private readonly lines: LineSplitter;
  private readonly maxEventBytes: number;
  private eventName = '';
  private data = '';
  private hasData = false;
  private dataBytes = 0;
  private keptBytes = 0;
  private oversized = false;
  private ended = false;
  private events = 0;
  private malformed = 0;
  private cachedName = '';
  private readonly cachedNameBytes = new Uint8Array(MAX_CACHED_NAME_BYTES);
  private cachedNameLength = -1;

  constructor(
    private readonly sink: SseEventSink,
    options?: SseReaderOptions,
  ) {
    const max = options?.maxEventBytes;
    this.maxEventBytes = max !== undefined && max >= 0 ? Math.floor(max) : DEFAULT_MAX_EVENT_BYTES;
    this.lines = new LineSplitter(this, this.maxEventBytes + FIELD_OVERHEAD_BYTES, true);
  }

  /** Events dispatched so far. */
  get eventCount(): number {
    return this.events;
  }

  /** Lines that were neither a known field, a comment nor a blank line. */
  get malformedCount(): number {
    return this.malformed;
  }

  /** Bytes held for an incomplete line (bounded by maxEventBytes + a small overhead). */
  get bufferedBytes(): number {
    return this.lines.bufferedBytes;
  }

  /** Feeds one body chunk. Ignored after `end()`. */
  push(chunk: Uint8Array | string): void {
    if (this.ended) return;
    this.lines.push(toBytes(chunk));
  }

  /** The body ended: flushes an unterminated last line and event. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.lines.end();
    this.dispatch();
  }

  /** @internal LineSink: one complete line. */
  onLine(bytes: Uint8Array, start: number, end: number, droppedBytes: number): void {
    if (start === end && droppedBytes === 0) {
      this.dispatch();
      return;
    }
    const first = bytes[start];
    if (first === COLON) return;
    let valueStart: number;
    if (first === 0x64 && (valueStart = fieldValue(bytes, start, end, DATA)) !== -1) {
      this.appendData(bytes, valueStart, end, end - valueStart + droppedBytes);
    } else if (first === 0x65 && (valueStart = fieldValue(bytes, start, end, EVENT)) !== -1) {
      this.eventName = this.nameOf(bytes, valueStart, end);
    } else if (
      (first === 0x69 && fieldValue(bytes, start, end, ID) !== -1) ||
      (first === 0x72 && fieldValue(bytes, start, end, RETRY) !== -1)
    ) {
      // id and retry matter to a reconnecting EventSource, not to an observer.
    } else {
      this.malformed++;
    }
  }

  private appendData(bytes: Uint8Array, start: number, end: number, valueBytes: number): void {
    const join = this.hasData ? 1 : 0;
    this.hasData = true;
    this.dataBytes += join + valueBytes;
    if (this.oversized) return;
    const room = this.maxEventBytes - this.keptBytes - join;
    let take = end - start;
    if (valueBytes > room) {
      this.oversized = true;
      if (room < 0) return;
      if (take > room) take = room;
    }
    const text = decodeUtf8(bytes, start, start + take);
    this.data = join === 1 ? this.data + '\n' + text : text;
    this.keptBytes += join + take;
  }

  /** Event names repeat on every event of a stream; reuse the last string when the bytes match. */
  private nameOf(bytes: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_CACHED_NAME_BYTES) return decodeUtf8(bytes, start, end);
    const cache = this.cachedNameBytes;
    if (length === this.cachedNameLength) {
      let i = 0;
      while (i < length && cache[i] === bytes[start + i]) i++;
      if (i === length) return this.cachedName;
    }
    cache.set(bytes.subarray(start, end), 0);
    this.cachedNameLength = length;
    this.cachedName = decodeUtf8(bytes, start, end);
    return this.cachedName;
  }

  private dispatch(): void {
    if (!this.hasData) {
      this.eventName = '';
      return;
    }
    const event = this.eventName;
    const data = this.data;
    const dataBytes = this.dataBytes;
    const oversized = this.oversized;
    this.eventName = '';
    this.data = '';
    this.hasData = false;
    this.dataBytes = 0;
    this.keptBytes = 0;
    this.oversized = false;
    this.events++;
    this.sink.onEvent(event, data, dataBytes, oversized);
  }
}

/**
 * If the line is field `name` (followed by a colon or by the end of the line), the index where its
 * value starts (after one optional space), else -1.
 */
function fieldValue(bytes: Uint8Array, start: number, end: number, name: readonly number[]): number {
  const after = start + name.length;
  if (after > end) return -1;
  for (let i = 1; i < name.length; i++) if (bytes[start + i] !== name[i]) return -1;
  if (after === end) return end;
  if (bytes[after] !== COLON) return -1;
  return after + 1 < end && bytes[after + 1] === SPACE ? after + 2 : after + 1;
}
