/**
 * The completion text kept for `midstream.content.output` when content capture is on: the longest
 * prefix of the stream's text whose UTF-8 encoding fits in `capBytes`, cut on a code-point boundary.
 *
 * Memory is O(cap) whatever the chunk size: one byte buffer that grows by doubling up to the cap, plus
 * at most one pending UTF-16 unit. Concatenating strings instead builds a V8 rope of one node per chunk
 * (measured: 1-character chunks held ~145 KiB for a 4 KiB cap). Once the cap is reached, further text
 * costs one comparison.
 */
export class CapturedText {
  private buffer: Buffer | undefined;
  private used = 0;
  /** A high surrogate that ended the last piece; its low half comes with the next one. */
  private pendingHigh = '';
  /** Some text did not fit under the cap. */
  truncated = false;

  /** @param capBytes UTF-8 bytes to keep at most (the `MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES` option). */
  constructor(readonly capBytes: number) {}

  /** Bytes held for this capture: the buffer's capacity (never above {@link capBytes}). */
  get heldBytes(): number {
    return this.buffer?.length ?? 0;
  }

  /** The UTF-8 byte length of the captured prefix. */
  get byteLength(): number {
    return this.used;
  }

  /** The captured prefix. Never ends in half of a surrogate pair or of a UTF-8 sequence. */
  get text(): string {
    return this.buffer === undefined ? '' : this.buffer.toString('utf8', 0, this.used);
  }

  add(piece: string): void {
    if (this.truncated || piece.length === 0) return;
    let text = piece;
    if (this.pendingHigh !== '') {
      text = this.pendingHigh + text;
      this.pendingHigh = '';
    }
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      // A surrogate pair split across two pieces: written whole, or never (Buffer#write would turn a
      // lone high surrogate into U+FFFD, which is not a prefix of the text).
      this.pendingHigh = text.slice(-1);
      text = text.slice(0, -1);
      if (text.length === 0) return;
    }
    const room = this.capBytes - this.used;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const needed = Buffer.byteLength(text, 'utf8');
    const wanted = this.used + needed;
    let buffer = this.buffer;
    if (buffer === undefined || buffer.length < wanted) buffer = this.grow(wanted);
    // Writes whole characters only: a character that does not fit entirely is left out (Node docs,
    // buf.write: "partially encoded characters will not be written").
    this.used += buffer.write(text, this.used, Math.min(needed, buffer.length - this.used), 'utf8');
    if (needed > room) {
      this.truncated = true;
      this.pendingHigh = '';
    }
  }

  private grow(wanted: number): Buffer {
    const old = this.buffer;
    const size = Math.min(this.capBytes, Math.max(wanted, old === undefined ? 64 : old.length * 2));
    // Not from the shared pool: a pooled slice would keep its whole 8 KiB slab alive.
    const next = Buffer.allocUnsafeSlow(size);
    if (old !== undefined) old.copy(next, 0, 0, this.used);
    this.buffer = next;
    return next;
  }
}
