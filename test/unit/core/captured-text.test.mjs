// Content capture: the cap counts UTF-8 bytes, the cut falls on a code-point boundary, and the memory
// held is bounded by the cap whatever the chunk size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics, trace } from '@opentelemetry/api';
import { CapturedText } from '../../../dist/core/captured-text.js';
import { trackerOptions } from '../../../dist/core/stream-options.js';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../dist/core/stream-tracker.js';

const utf8 = (s) => Buffer.byteLength(s, 'utf8');

/** The longest prefix of `text`, cut between code points, whose UTF-8 length is at most `cap`. */
function longestPrefix(text, cap) {
  let out = '';
  for (const cp of text) {
    if (utf8(out + cp) > cap) break;
    out += cp;
  }
  return out;
}

const TEXTS = {
  cjk: '日本語のテキストを数える', // 3 bytes per character
  emoji: '😀👍🏽🎉🚀', // 4 bytes each, surrogate pairs in UTF-16 (👍🏽 is two code points)
  mixed: 'a日😀é b👍🏽ß語!',
};

/** Pieces of `text`: whole, one UTF-16 unit at a time (splitting surrogate pairs), one code point at a time. */
const SLICINGS = {
  whole: (text) => [text],
  'one UTF-16 unit': (text) => text.split(''),
  'one code point': (text) => [...text],
};

for (const [label, text] of Object.entries(TEXTS)) {
  for (const [slicing, slice] of Object.entries(SLICINGS)) {
    test(`keeps the longest code-point prefix within the byte cap for ${label} text fed ${slicing} at a time, at every cap`, () => {
      for (let cap = 0; cap <= utf8(text) + 1; cap++) {
        const captured = new CapturedText(cap);
        for (const piece of slice(text)) captured.add(piece);
        const kept = captured.text;
        const where = `cap ${cap}: ${JSON.stringify(kept)}`;
        assert.ok(utf8(kept) <= cap, where);
        assert.ok(text.startsWith(kept), `${where} is a prefix`);
        assert.equal(kept, longestPrefix(text, cap), where);
        assert.equal(captured.byteLength, utf8(kept), where);
        assert.equal(captured.truncated, utf8(text) > cap, where);
        assert.doesNotMatch(kept, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, `${where}: no lone surrogate`);
      }
    });
  }
}

test('counts bytes, not UTF-16 units: a cap of 9 keeps three CJK characters', () => {
  const captured = new CapturedText(9);
  captured.add('日本語のテキスト');
  assert.equal(captured.text, '日本語');
  assert.equal(captured.truncated, true);
});

test('holds at most the cap in memory with 1-character chunks of a long stream', () => {
  const captured = new CapturedText(4096);
  for (let i = 0; i < 100_000; i++) captured.add(i % 2 ? 'x' : '語');
  assert.ok(captured.heldBytes <= 4096, `held ${captured.heldBytes} bytes`);
  assert.ok(captured.byteLength > 4096 - 3 && captured.byteLength <= 4096);
  assert.equal(captured.truncated, true);
});

test('holds memory in proportion to the text while below the cap', () => {
  const captured = new CapturedText(1 << 20);
  for (let i = 0; i < 100; i++) captured.add('ab');
  assert.ok(captured.heldBytes <= 2 * 200 && captured.heldBytes >= 200, `held ${captured.heldBytes} bytes`);
  assert.equal(captured.text, 'ab'.repeat(100));
});

// Options arrive at stream start, from the instrumentation (core/stream-options.ts), never from a global.
function tracker(t, options) {
  return new StreamTracker(new StreamTelemetry(metrics.getMeter('test')), {
    span: trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 }),
    ownsSpan: false,
    source: 'test',
    protocol: 'objects',
    requiresTerminal: true,
    ...trackerOptions({ stallThresholdMs: 0, idleTimeoutMs: 0, ...options }),
    genAi: true,
  });
}

test('keeps nothing when content capture is off, and still counts the output', (t) => {
  const s = tracker(t, { captureContent: false, captureContentMaxBytes: 4096 });
  for (const c of '日本語😀') s.addOutputText(c);
  assert.equal(s.capture, undefined);
  assert.equal(s.outputChars, 5);
});

test('bounds a tracker capture to the cap with 1-character chunks', (t) => {
  const s = tracker(t, { captureContent: true, captureContentMaxBytes: 64 });
  for (let i = 0; i < 10_000; i++) s.addOutputText('😀');
  assert.ok(s.capture.heldBytes <= 64);
  assert.equal(s.capture.text, '😀'.repeat(16));
  assert.equal(s.outputChars, 20_000);
});
