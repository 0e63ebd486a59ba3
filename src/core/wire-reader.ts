import { NdjsonReader } from '../protocols/ndjson-reader';
import { SseReader } from '../protocols/sse-reader';
import { SIGNAL_ERROR, SIGNAL_TERMINAL, type TerminalRule } from '../providers/types';
import { reportOnce } from './guard';
import type { StreamProtocol, StreamTracker } from './stream-tracker';

/** Feeds raw body bytes to a tracker: one chunk per SSE event / NDJSON line / raw chunk. */
export interface WireReader {
  /** Hot path: one body chunk. Never throws. */
  push(chunk: Uint8Array): void;
  /** The body ended cleanly: flush a final event without its blank line. Never throws. */
  end(): void;
}

/**
 * Glue between a protocol reader and the tracker, shared by every byte-level adapter (fetch,
 * http client, manual ReadableStream of bytes), so adapters stay thin.
 */
export function createWireReader(tracker: StreamTracker, protocol: StreamProtocol, rule: TerminalRule | undefined): WireReader {
  const classify = (event: string, data: string): void => {
    tracker.onChunk();
    if (rule === undefined) return;
    const signal = rule.classify(event, data, tracker.facts);
    if (signal === SIGNAL_TERMINAL) tracker.markTerminal();
    else if (signal === SIGNAL_ERROR) tracker.markError(tracker.facts.errorType);
  };
  let failed = false;
  const fail = (error: unknown): void => {
    failed = true;
    reportOnce(`wire-reader.${tracker.source}`, error);
  };

  if (protocol === 'sse') {
    const sse = new SseReader({ onEvent: (event, data) => classify(event, data) });
    return {
      push(chunk) {
        tracker.addBytes(chunk.byteLength);
        // Claimed by an SDK stream, which reads the same events: count bytes, parse nothing.
        if (failed || tracker.isClaimed) return;
        try {
          sse.push(chunk);
        } catch (error) {
          fail(error);
        }
      },
      end() {
        if (failed || tracker.isClaimed) return;
        try {
          sse.end();
          tracker.addMalformed(sse.malformedCount);
        } catch (error) {
          fail(error);
        }
      },
    };
  }
  if (protocol === 'ndjson') {
    const ndjson = new NdjsonReader({ onLine: (line) => classify('', line) });
    return {
      push(chunk) {
        tracker.addBytes(chunk.byteLength);
        // Claimed by an SDK stream, which reads the same events: count bytes, parse nothing.
        if (failed || tracker.isClaimed) return;
        try {
          ndjson.push(chunk);
        } catch (error) {
          fail(error);
        }
      },
      end() {
        if (failed || tracker.isClaimed) return;
        try {
          ndjson.end();
          tracker.addMalformed(ndjson.malformedCount);
        } catch (error) {
          fail(error);
        }
      },
    };
  }
  return {
    push(chunk) {
      tracker.addBytes(chunk.byteLength);
      tracker.onChunk();
    },
    end() {},
  };
}
