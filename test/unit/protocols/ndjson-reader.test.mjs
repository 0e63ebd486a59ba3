import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonReader } from '../../../dist/protocols/index.js';
import { collectNdjson, oneByteSlices, readWire, splitInsideCrlf, splitInsideUtf8, withLineEnding } from './wire-slices.mjs';

const enc = (text) => new TextEncoder().encode(text);
const lines = (parts, options) => collectNdjson(NdjsonReader, parts, options).lines;

for (const name of ['ollama-chat.ndjson', 'ollama-truncated.ndjson', 'ollama-error.ndjson', 'cohere-v1.ndjson']) {
  describe(`NdjsonReader on ${name}`, () => {
    const bytes = readWire(name);
    const whole = lines([bytes]);

    it('reads every non-blank line as JSON with exact byte counts', () => {
      assert.ok(whole.length >= 2);
      for (const l of whole) {
        assert.doesNotThrow(() => JSON.parse(l.line));
        assert.equal(l.bytes, Buffer.byteLength(l.line));
      }
    });

    it('reads the same lines from 1-byte slices', () => {
      assert.deepEqual(lines(oneByteSlices(bytes)), whole);
    });

    it('reads the same lines with CRLF split between CR and LF', () => {
      assert.deepEqual(lines(splitInsideCrlf(withLineEnding(bytes, '\r\n'))), whole);
    });

    it('reads the same lines when chunks split multi-byte UTF-8 characters', () => {
      assert.deepEqual(lines(splitInsideUtf8(bytes)), whole);
    });
  });
}

describe('NdjsonReader framing', () => {
  it('keeps non-ASCII content across 1-byte slices', () => {
    const got = lines(oneByteSlices(readWire('ollama-chat.ndjson')));
    assert.equal(got.map((l) => JSON.parse(l.line).message.content).join(''), 'héllo 日本 🎉');
  });

  it('skips blank and whitespace-only lines', () => {
    const { lines: got, reader } = collectNdjson(NdjsonReader, [enc('\n{"a":1}\n\r\n  \t\n{"b":2}\n')]);
    assert.deepEqual(got.map((l) => l.line), ['{"a":1}', '{"b":2}']);
    assert.equal(reader.eventCount, 2);
  });

  it('treats a bare CR as part of the line, not a line end', () => {
    assert.deepEqual(lines([enc('{"a":\r1}\n')]).map((l) => l.line), ['{"a":\r1}']);
  });

  it('flushes a final line without a newline on end()', () => {
    assert.deepEqual(lines([enc('{"a":1}\n{"done":true}')]).map((l) => l.line), ['{"a":1}', '{"done":true}']);
  });

  it('counts lines that cannot start a JSON object or array as malformed', () => {
    const { reader } = collectNdjson(NdjsonReader, [enc('{"ok":1}\nnot json\n[1]\n')]);
    assert.equal(reader.malformedCount, 1);
  });

  it('cuts a 10 MB line to maxEventBytes and keeps memory bounded', () => {
    const reader = new NdjsonReader({ onLine: (line, bytes, oversized) => got.push({ line, bytes, oversized }) }, { maxEventBytes: 4096 });
    const got = [];
    const block = new Uint8Array(65536).fill(0x20);
    reader.push(enc('{"x":"'));
    let maxBuffered = 0;
    for (let i = 0; i < 160; i++) {
      reader.push(block);
      maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
    }
    reader.push(enc('"}\n{"done":true}\n'));
    reader.end();
    assert.equal(got.length, 2);
    assert.deepEqual([got[0].line.length, got[0].bytes, got[0].oversized], [4096, 6 + 160 * 65536 + 2, true]);
    assert.ok(maxBuffered <= 4096, `buffered ${maxBuffered}`);
    assert.equal(got[1].line, '{"done":true}');
  });

  it('does not throw on invalid UTF-8 split across chunks', () => {
    const got = lines([enc('{"t":"'), new Uint8Array([0xf0, 0x9f]), new Uint8Array([0x41]), enc('"}\n')]);
    assert.ok(got[0].line.includes('\uFFFD'));
  });
});
