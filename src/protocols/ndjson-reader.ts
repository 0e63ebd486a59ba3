import { LineSplitter, decodeUtf8, toBytes, type LineSink } from './line-splitter';

/** Receives each non-blank NDJSON line. */
export interface NdjsonLineSink {
  /**
   * One line without its terminator. `line` holds at most `maxEventBytes` of it, `bytes` is the
   * full UTF-8 length, and `oversized` is true when the line was longer and was cut.
   */
  onLine(line: string, bytes: number, oversized: boolean): void;
}

/** Options of {@link NdjsonReader}. */
export interface NdjsonReaderOptions {
  /** Most bytes of one line kept in memory; the rest is counted, not kept. @defaultValue 65536 */
  maxEventBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 65536;

/**
 * Incremental newline-delimited JSON reader over bytes: lines end at LF or CRLF (a bare CR is JSON
 * whitespace, not a line end), blank lines are skipped, and `end()` flushes a last line that has no
 * newline. The JSON itself is not parsed: that is the terminal rule's job, and only for the lines
 * it needs. A line whose first non-blank character cannot start a JSON object or array counts as
 * malformed (NDJSON streams of LLM servers carry one object per line).
 *
 * `push` and `end` never throw for any input; an exception thrown by the sink propagates.
 */
export class NdjsonReader implements LineSink {
  private readonly lines: LineSplitter;
  private readonly maxEventBytes: number;
  private ended = false;
  private count = 0;
  private malformed = 0;

  constructor(
    private readonly sink: NdjsonLineSink,
    options?: NdjsonReaderOptions,
  ) {
    const max = options?.maxEventBytes;
    this.maxEventBytes = max !== undefined && max >= 0 ? Math.floor(max) : DEFAULT_MAX_EVENT_BYTES;
    this.lines = new LineSplitter(this, this.maxEventBytes, false);
  }

  /** Non-blank lines delivered so far. */
  get eventCount(): number {
    return this.count;
  }

  /** Lines that do not start like a JSON object or array. */
  get malformedCount(): number {
    return this.malformed;
  }

  /** Bytes held for an incomplete line (bounded by maxEventBytes). */
  get bufferedBytes(): number {
    return this.lines.bufferedBytes;
  }

  /** Feeds one body chunk. Ignored after `end()`. */
  push(chunk: Uint8Array | string): void {
    if (this.ended) return;
    this.lines.push(toBytes(chunk));
  }

  /** The body ended: flushes a last line without a newline. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.lines.end();
  }

  /** @internal LineSink: one complete line. */
  onLine(bytes: Uint8Array, start: number, end: number, droppedBytes: number): void {
    let first = start;
    while (first < end && isBlank(bytes[first]!)) first++;
    if (first === end && droppedBytes === 0) return;
    const head = bytes[first];
    if (head !== 0x7b && head !== 0x5b) this.malformed++;
    this.count++;
    this.sink.onLine(decodeUtf8(bytes, start, end), end - start + droppedBytes, droppedBytes > 0);
  }
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}
