import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SseReader } from '../../../dist/protocols/index.js';
import {
  collectSse,
  countMultiByteChars,
  cutAt,
  oneByteSlices,
  readWire,
  splitInsideCrlf,
  splitInsideUtf8,
  withLineEnding,
} from './wire-slices.mjs';

const SSE_FIXTURES = readdirSync(fileURLToPath(new URL('../../fixtures/wire/', import.meta.url))).filter((f) => f.endsWith('.sse'));
const enc = (text) => new TextEncoder().encode(text);
const events = (parts, options) => collectSse(SseReader, parts, options).events;

describe('SseReader on the wire fixtures', () => {
  it('finds the SSE fixtures', () => {
    assert.ok(SSE_FIXTURES.length >= 10, `only ${SSE_FIXTURES.length} fixtures`);
  });

  for (const name of SSE_FIXTURES) {
    describe(name, () => {
      const bytes = readWire(name);
      const whole = events([bytes]);

      it('reads every event with JSON or [DONE] data and exact byte counts', () => {
        assert.ok(whole.length >= 2);
        for (const e of whole) {
          if (e.data !== '[DONE]') assert.doesNotThrow(() => JSON.parse(e.data), e.data);
          assert.equal(e.dataBytes, Buffer.byteLength(e.data));
          assert.equal(e.oversized, false);
        }
      });

      it('reads the same events from 1-byte slices', () => {
        assert.deepEqual(events(oneByteSlices(bytes)), whole);
      });

      it('reads the same events with CRLF line ends split between CR and LF', () => {
        const crlf = withLineEnding(bytes, '\r\n');
        const parts = splitInsideCrlf(crlf);
        assert.ok(parts.length > 4);
        assert.deepEqual(events(parts), whole);
      });

      it('reads the same events with CR-only line ends, whole and in 1-byte slices', () => {
        const cr = withLineEnding(bytes, '\r');
        assert.deepEqual(events([cr]), whole);
        assert.deepEqual(events(oneByteSlices(cr)), whole);
      });

      it('reads the same events when chunks split multi-byte UTF-8 characters', () => {
        const parts = splitInsideUtf8(bytes);
        assert.equal(parts.length > 1, countMultiByteChars(bytes) > 0);
        assert.deepEqual(events(parts), whole);
      });
    });
  }

  it('keeps non-ASCII text intact across 1-byte slices', () => {
    const parsed = events(oneByteSlices(readWire('openai-chat.sse')));
    const text = parsed
      .filter((e) => e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data).choices[0].delta.content ?? '')
      .join('');
    assert.ok(text.startsWith('héllo 日本 🎉'), text);
  });
});

describe('SseReader framing', () => {
  it('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    assert.deepEqual(
      events([enc('data: a\r'), enc('\ndata: b\r\n\r'), enc('\n')]).map((e) => e.data),
      ['a\nb'],
    );
  });

  it('strips a UTF-8 BOM at the very start, also when it arrives one byte at a time', () => {
    const bytes = enc('\uFEFFdata: x\n\n');
    assert.deepEqual(events([bytes]).map((e) => e.data), ['x']);
    assert.deepEqual(events(oneByteSlices(bytes)).map((e) => e.data), ['x']);
  });

  it('keeps a BOM that is not at the start of the stream', () => {
    assert.deepEqual(events([enc('data: a\n\ndata: \uFEFFb\n\n')]).map((e) => e.data), ['a', '\uFEFFb']);
  });

  it('ignores comment lines', () => {
    const { events: got, reader } = collectSse(SseReader, [enc(': keep-alive\n\n:\ndata: x\n: between\n\n')]);
    assert.deepEqual(got.map((e) => e.data), ['x']);
    assert.equal(reader.malformedCount, 0);
  });

  it('joins multi-line data with LF and counts its bytes', () => {
    const [e] = events([enc('data: é\ndata\ndata:z\n\n')]);
    assert.equal(e.data, 'é\n\nz');
    assert.equal(e.dataBytes, Buffer.byteLength('é\n\nz'));
  });

  it('strips exactly one leading space after the colon', () => {
    assert.deepEqual(events([enc('data:  two\n\ndata:none\n\n')]).map((e) => e.data), [' two', 'none']);
  });

  it('reads the event name and resets it after each event', () => {
    const got = events([enc('event: delta\ndata: 1\n\ndata: 2\n\nevent\ndata: 3\n\n')]);
    assert.deepEqual(got.map((e) => [e.event, e.data]), [['delta', '1'], ['', '2'], ['', '3']]);
  });

  it('dispatches nothing for an event without data lines', () => {
    const got = events([enc('event: ping\n\nid: 7\nretry: 1000\n\ndata: x\n\n')]);
    assert.deepEqual(got.map((e) => [e.event, e.data]), [['', 'x']]);
  });

  it('counts lines with unknown fields as malformed and ignores them', () => {
    const { events: got, reader } = collectSse(SseReader, [enc('bogus: 1\n data: indented\ndata: ok\n\n')]);
    assert.deepEqual(got.map((e) => e.data), ['ok']);
    assert.equal(reader.malformedCount, 2);
  });

  it('dispatches a final event without the blank line on end()', () => {
    const { events: got, reader } = collectSse(SseReader, [enc('data: a\n\nevent: done\ndata: [DONE]')]);
    assert.deepEqual(got.map((e) => [e.event, e.data]), [['', 'a'], ['done', '[DONE]']]);
    assert.equal(reader.eventCount, 2);
  });

  it('makes end() idempotent and ignores pushes after it', () => {
    const { events: got, reader } = collectSse(SseReader, [enc('data: a')]);
    reader.end();
    reader.push(enc('\n\ndata: b\n\n'));
    reader.end();
    assert.deepEqual(got.map((e) => e.data), ['a']);
  });

  it('accepts string chunks', () => {
    assert.deepEqual(events(['data: 日本', '\n\n']).map((e) => e.data), ['日本']);
  });
});

describe('SseReader memory bound', () => {
  it('reads a 10 MB single event in 64 KB chunks without keeping more than maxEventBytes', () => {
    const size = 10 * 1024 * 1024;
    const maxEventBytes = 65536;
    const got = [];
    const reader = new SseReader({ onEvent: (event, data, dataBytes, oversized) => got.push({ event, data, dataBytes, oversized }) }, { maxEventBytes });
    reader.push(enc('event: big\ndata: '));
    const block = new Uint8Array(65536).fill(0x61);
    let maxBuffered = 0;
    for (let sent = 0; sent < size; sent += block.length) {
      reader.push(block);
      maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
    }
    reader.push(enc('\n\ndata: next\n\n'));
    reader.end();
    assert.equal(got.length, 2);
    assert.equal(got[0].event, 'big');
    assert.equal(got[0].oversized, true);
    assert.equal(got[0].dataBytes, size);
    assert.ok(got[0].data.length <= maxEventBytes, `kept ${got[0].data.length}`);
    assert.ok(maxBuffered <= maxEventBytes + 64, `buffered ${maxBuffered}`);
    assert.deepEqual([got[1].data, got[1].oversized], ['next', false]);
  });

  it('cuts a 10 MB event that arrives in one chunk to maxEventBytes', () => {
    const size = 10 * 1024 * 1024;
    const bytes = new Uint8Array(size + 8).fill(0x62);
    bytes.set(enc('data: '), 0);
    bytes.set(enc('\n\n'), size + 6);
    const [e] = events([bytes], { maxEventBytes: 1000 });
    assert.deepEqual([e.data.length, e.dataBytes, e.oversized], [1000, size, true]);
  });

  it('marks multi-line data oversized once the joined data passes the limit', () => {
    const [e] = events([enc('data: 12345\ndata: 67890\n\n')], { maxEventBytes: 8 });
    assert.deepEqual([e.data, e.dataBytes, e.oversized], ['12345\n67', 11, true]);
  });
});

describe('SseReader on hostile input', () => {
  it('survives random garbage and then reads a valid event', () => {
    let seed = 42;
    const garbage = new Uint8Array(200_000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const parts = cutAt(garbage, [1, 2, 3, 1000, 65_000, 150_000]);
    let got;
    assert.doesNotThrow(() => {
      got = events([...parts, enc('\n\ndata: ok\n\n')]);
    });
    assert.equal(got.at(-1).data, 'ok');
  });

  it('replaces invalid UTF-8 split across chunks without throwing', () => {
    const parts = [enc('data: a'), new Uint8Array([0xe6, 0x97]), new Uint8Array([0xff, 0xc3]), enc('\n\n')];
    const [e] = events(parts);
    assert.ok(e.data.startsWith('a'));
    assert.ok(e.data.includes('\uFFFD'));
    assert.equal(e.dataBytes, 5);
  });
});
