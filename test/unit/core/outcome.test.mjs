import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOutcome, errorTypeFor, errorTypeOf, isAbortError, isConnectionError } from '../../../dist/core/outcome.js';

const seen = { terminalSeen: true, requiresTerminal: true, errorSeen: false };
const unseen = { terminalSeen: false, requiresTerminal: true, errorSeen: false };
const noMarker = { terminalSeen: false, requiresTerminal: false, errorSeen: false };
const errored = { terminalSeen: false, requiresTerminal: true, errorSeen: true };

test('a clean end after the terminal marker is completed', () => {
  assert.equal(decideOutcome('eof', seen), 'completed');
});

test('a clean end before the terminal marker is truncated', () => {
  assert.equal(decideOutcome('eof', unseen), 'truncated');
});

test('a clean end of a protocol without a marker is completed', () => {
  assert.equal(decideOutcome('eof', noMarker), 'completed');
});

test('an in-stream error event makes any ending errored except deliberate ones after it', () => {
  assert.equal(decideOutcome('eof', errored), 'errored');
  assert.equal(decideOutcome('error', errored, new Error('x')), 'errored');
  assert.equal(decideOutcome('cancel', errored), 'errored');
});

test('a socket error before the marker is truncated, after it completed', () => {
  const err = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
  assert.equal(decideOutcome('error', unseen, err), 'truncated');
  assert.equal(decideOutcome('error', seen, err), 'completed');
});

test('an unknown exception is errored', () => {
  assert.equal(decideOutcome('error', unseen, new RangeError('bad')), 'errored');
});

test('an AbortError is aborted and explicit aborts and cancels map to their outcomes', () => {
  const abort = new DOMException('This operation was aborted', 'AbortError');
  assert.equal(decideOutcome('error', unseen, abort), 'aborted');
  assert.equal(decideOutcome('abort', unseen), 'aborted');
  assert.equal(decideOutcome('cancel', unseen), 'cancelled');
  assert.equal(decideOutcome('cancel', seen), 'completed');
});

test('shutdown, timeout, abandonment and client disconnect have their own outcomes', () => {
  assert.equal(decideOutcome('shutdown', seen), 'interrupted');
  assert.equal(decideOutcome('timeout', unseen), 'timed_out');
  assert.equal(decideOutcome('abandon', unseen), 'abandoned');
  assert.equal(decideOutcome('abandon', seen), 'completed');
  assert.equal(decideOutcome('client_disconnect', unseen), 'client_disconnected');
});

test('error.type comes from a code or class name, never a message', () => {
  assert.equal(errorTypeOf(Object.assign(new Error('boom'), { code: 'ECONNRESET' })), 'ECONNRESET');
  assert.equal(errorTypeOf(new TypeError('some long message')), 'TypeError');
  class APIConnectionError extends Error {}
  assert.equal(errorTypeOf(new APIConnectionError('x')), 'APIConnectionError');
  assert.equal(errorTypeOf('a string'), undefined);
});

test('deliberate outcomes carry no error.type and failures a low-cardinality one', () => {
  assert.equal(errorTypeFor('aborted', undefined, new Error('x')), undefined);
  assert.equal(errorTypeFor('cancelled', undefined, undefined), undefined);
  assert.equal(errorTypeFor('completed', undefined, undefined), undefined);
  assert.equal(errorTypeFor('truncated', undefined, new TypeError('terminated')), 'stream_truncated');
  assert.equal(errorTypeFor('errored', 'overloaded_error', new Error('x')), 'overloaded_error');
  assert.equal(errorTypeFor('errored', undefined, undefined), 'stream_error');
  assert.equal(errorTypeFor('interrupted', undefined, undefined), 'stream_interrupted');
});

test('abort and connection errors are recognised by name, code and cause chain', () => {
  assert.ok(isAbortError(Object.assign(new Error('x'), { name: 'AbortError' })));
  assert.ok(!isAbortError(new Error('AbortError')));
  assert.ok(isConnectionError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
  assert.ok(isConnectionError(new Error('wrapped', { cause: new TypeError('terminated') })));
  assert.ok(!isConnectionError(new Error('terminated')));
});
