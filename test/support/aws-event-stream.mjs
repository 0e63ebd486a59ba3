// An encoder of AWS event-stream binary messages (the `application/vnd.amazon.eventstream` framing
// Bedrock uses for ConverseStream and InvokeModelWithResponseStream), written from the documented
// layout: prelude (total length u32, headers length u32, prelude CRC32), headers, payload, message CRC32.
// Header value type 7 = string (u16 length + UTF-8 bytes).
import { crc32 } from 'node:zlib';

const STRING = 7;

function encodeHeaders(headers) {
  const parts = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(String(value), 'utf8');
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(STRING, 1 + n.length);
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    parts.push(h);
  }
  return Buffer.concat(parts);
}

/** One event-stream message with string headers and a payload (Buffer or string). */
export function encodeMessage(headers, payload) {
  const h = encodeHeaders(headers);
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const total = 12 + h.length + p.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(h.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  h.copy(out, 12);
  p.copy(out, 12 + h.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

/** An `event` message: `:event-type` names the union member, the payload is its JSON. */
export function encodeEvent(eventType, body) {
  return encodeMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(body),
  );
}

/** An `exception` message (e.g. modelStreamErrorException, throttlingException). */
export function encodeException(exceptionType, body) {
  return encodeMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify(body),
  );
}
