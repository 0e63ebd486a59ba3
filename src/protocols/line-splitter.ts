/**
 * Receives the lines of a byte stream. `bytes[start, end)` is the line without its terminator;
 * the view is only valid during the call. `droppedBytes` counts bytes of an overlong line that
 * were not kept (the kept part is the line's first `maxLineBytes` bytes).
 */
export interface LineSink {
  onLine(bytes: Uint8Array, start: number, end: number, droppedBytes: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
const MIN_CAPACITY = 256;
/** A partial-line buffer larger than this is released after use, so idle streams hold little. */
const RETAIN_CAPACITY = 4096;

const hasBuffer = typeof Buffer === 'function';
const fallbackDecoder = hasBuffer ? undefined : new TextDecoder();

/** Decodes UTF-8 bytes; invalid sequences become U+FFFD, never an exception. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (start >= end) return '';
  if (hasBuffer) return (bytes as Buffer).toString('utf8', start, end);
  return fallbackDecoder!.decode(bytes.subarray(start, end));
}

/** A Buffer view of the chunk (no copy), so indexOf and toString take the native paths. */
export function toBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === 'string') return hasBuffer ? Buffer.from(chunk, 'utf8') : new TextEncoder().encode(chunk);
  if (!hasBuffer || Buffer.isBuffer(chunk)) return chunk;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Splits a byte stream into lines, one scan per chunk, with bounded memory.
 *
 * Complete lines inside a chunk are handed out as views of the chunk (no copy). Only the tail of
 * a chunk that ends mid-line is copied, into one reusable buffer that never grows past
 * `maxLineBytes`; beyond that the line's bytes are counted, not kept. So a 10 MB line costs
 * `maxLineBytes` of memory, and a line split over n chunks costs O(line) copying, not O(n·line)
 * (the quadratic pattern of concatenating per chunk until a boundary, STYLE.md "What to avoid").
 *
 * `crIsNewline`: SSE ends lines at LF, CRLF or CR (WHATWG HTML §9.2.6), including a CR that ends
 * one chunk and an LF that starts the next. NDJSON ends lines at LF only (a bare CR is JSON
 * whitespace) and strips one trailing CR. A UTF-8 BOM at the very start is removed.
 */
export class LineSplitter {
  private partial: Uint8Array | undefined;
  private partialLength = 0;
  private partialDropped = 0;
  private skipLeadingLf = false;
  private atStart = true;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes: number,
    private readonly crIsNewline: boolean,
  ) {}

  /** Bytes currently held for an incomplete line (capacity of the reusable buffer). */
  get bufferedBytes(): number {
    return this.partial === undefined ? 0 : this.partial.byteLength;
  }

  push(bytes: Uint8Array): void {
    const length = bytes.length;
    let pos = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (length > 0 && bytes[0] === LF) pos = 1;
    }
    // Next LF / CR at or after pos; -1 = none in the rest of this chunk. Each is searched
    // forward only, so the chunk is scanned once per byte value even with many lines.
    let nextLf = bytes.indexOf(LF, pos);
    let nextCr = this.crIsNewline ? bytes.indexOf(CR, pos) : -1;
    while (pos < length) {
      if (nextLf !== -1 && nextLf < pos) nextLf = bytes.indexOf(LF, pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = bytes.indexOf(CR, pos);
      let eol: number;
      if (nextCr === -1) eol = nextLf;
      else if (nextLf === -1) eol = nextCr;
      else eol = nextLf < nextCr ? nextLf : nextCr;
      if (eol === -1) {
        this.keep(bytes, pos, length);
        return;
      }
      let next = eol + 1;
      if (bytes[eol] === CR) {
        if (next < length) {
          if (bytes[next] === LF) next++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      this.emit(bytes, pos, eol);
      pos = next;
    }
  }

  /** Flushes a final line that has no terminator. */
  end(): void {
    if (this.partialLength > 0 || this.partialDropped > 0) this.emit(undefined, 0, 0);
    this.partial = undefined;
    this.skipLeadingLf = false;
  }

  private emit(bytes: Uint8Array | undefined, start: number, end: number): void {
    if (this.partialLength > 0 || this.partialDropped > 0) {
      if (bytes !== undefined) this.keep(bytes, start, end);
      const buffer = this.partial!;
      const dropped = this.partialDropped;
      let lineEnd = this.partialLength;
      this.partialLength = 0;
      this.partialDropped = 0;
      if (!this.crIsNewline && dropped === 0 && lineEnd > 0 && buffer[lineEnd - 1] === CR) lineEnd--;
      this.sink.onLine(buffer, this.atStart ? this.afterBom(buffer, 0, lineEnd) : 0, lineEnd, dropped);
      if (buffer.byteLength > RETAIN_CAPACITY) this.partial = undefined;
      return;
    }
    if (bytes === undefined) return;
    if (this.atStart) start = this.afterBom(bytes, start, end);
    if (!this.crIsNewline && end > start && bytes[end - 1] === CR) end--;
    const kept = end - start;
    if (kept > this.maxLineBytes) this.sink.onLine(bytes, start, start + this.maxLineBytes, kept - this.maxLineBytes);
    else this.sink.onLine(bytes, start, end, 0);
  }

  /** Appends bytes[start, end) to the partial line, keeping at most maxLineBytes. */
  private keep(bytes: Uint8Array, start: number, end: number): void {
    const room = this.maxLineBytes - this.partialLength;
    const count = end - start;
    const take = count < room ? count : room;
    if (take > 0) {
      const needed = this.partialLength + take;
      let buffer = this.partial;
      if (buffer === undefined || buffer.byteLength < needed) {
        let capacity = buffer === undefined ? MIN_CAPACITY : buffer.byteLength * 2;
        while (capacity < needed) capacity *= 2;
        if (capacity > this.maxLineBytes) capacity = this.maxLineBytes;
        const grown = hasBuffer ? Buffer.allocUnsafe(capacity) : new Uint8Array(capacity);
        if (buffer !== undefined && this.partialLength > 0) grown.set(buffer.subarray(0, this.partialLength), 0);
        buffer = this.partial = grown;
      }
      buffer.set(bytes.subarray(start, start + take), this.partialLength);
      this.partialLength = needed;
    }
    this.partialDropped += count - take;
  }

  /** A UTF-8 BOM (EF BB BF) at the very start of the stream is not part of the first line. */
  private afterBom(bytes: Uint8Array, start: number, end: number): number {
    this.atStart = false;
    if (end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) return start + 3;
    return start;
  }
}
