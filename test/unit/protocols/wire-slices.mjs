// Shared by the protocol tests: fixture loading and the awkward ways of slicing a byte stream.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const WIRE_DIR = fileURLToPath(new URL('../../fixtures/wire/', import.meta.url));

export function readWire(name) {
  return new Uint8Array(readFileSync(WIRE_DIR + name));
}

export function withLineEnding(bytes, ending) {
  return new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/\n/g, ending));
}

/** Cuts bytes at the given offsets (sorted, unique, inside the array). */
export function cutAt(bytes, offsets) {
  const parts = [];
  let last = 0;
  for (const offset of offsets) {
    parts.push(bytes.subarray(last, offset));
    last = offset;
  }
  parts.push(bytes.subarray(last));
  return parts;
}

export function oneByteSlices(bytes) {
  return cutAt(bytes, Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1));
}

/** Cuts between every CR and the LF that follows it. */
export function splitInsideCrlf(bytes) {
  const offsets = [];
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) offsets.push(i + 1);
  return cutAt(bytes, offsets);
}

/** Cuts after the first byte of every multi-byte UTF-8 character (and after the second, for 3- and 4-byte ones). */
export function splitInsideUtf8(bytes) {
  const offsets = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0xc0) {
      offsets.push(i + 1);
      if (b >= 0xe0) offsets.push(i + 2);
    }
  }
  return cutAt(bytes, offsets);
}

export function countMultiByteChars(bytes) {
  let n = 0;
  for (const b of bytes) if (b >= 0xc0) n++;
  return n;
}

/** Runs a reader class over parts and returns what its sink saw. */
export function collectSse(SseReader, parts, options) {
  const events = [];
  const reader = new SseReader({ onEvent: (event, data, dataBytes, oversized) => events.push({ event, data, dataBytes, oversized }) }, options);
  for (const part of parts) reader.push(part);
  reader.end();
  return { events, reader };
}

export function collectNdjson(NdjsonReader, parts, options) {
  const lines = [];
  const reader = new NdjsonReader({ onLine: (line, bytes, oversized) => lines.push({ line, bytes, oversized }) }, options);
  for (const part of parts) reader.push(part);
  reader.end();
  return { lines, reader };
}
