// The per-parent bookkeeping of orphaned upstreams and retry attempts: bounded, per stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AttemptLedger, ServerRequestScope, attemptKeyOf, attemptLedgerOf, serverRequestScopeOf, withServerRequestScope } from '../../../dist/core/stream-parents.js';

const failed = (attempt, outputChars = 10) => ({ spanContext: { traceId: 't', spanId: `s${attempt}`, traceFlags: 1 }, attempt, outputChars, outputTokens: undefined });

/** A stand-in upstream: what a scope calls on a tracker. */
function child({ live = true, recordMetrics = true } = {}) {
  const c = { isLive: live, recordMetrics, orphaned: [], ended: [], markOrphaned: (at, link) => c.orphaned.push({ at, link }), whenEnded: (fn) => c.ended.push(fn) };
  return c;
}

test('a ledger keeps the last failed stream per key and hands it out once', () => {
  const ledger = new AttemptLedger();
  ledger.record('k', failed(1));
  ledger.record('k', failed(2));
  assert.equal(ledger.take('k').attempt, 2);
  assert.equal(ledger.take('k'), undefined);
});

test('a ledger holds at most 8 keys, dropping the oldest', () => {
  const ledger = new AttemptLedger();
  for (let i = 0; i < 9; i++) ledger.record(`k${i}`, failed(1));
  assert.equal(ledger.take('k0'), undefined);
  for (let i = 1; i < 9; i++) assert.ok(ledger.take(`k${i}`), `k${i}`);
});

test('a scope orphans its live, counted upstreams once, linking the server span', () => {
  const scope = new ServerRequestScope();
  scope.serverSpan = { traceId: 't', spanId: 'server', traceFlags: 1 };
  const live = child();
  const ended = child({ live: false });
  const uncounted = child({ recordMetrics: false });
  for (const c of [live, ended, uncounted]) scope.adopt(c);
  scope.clientLeft();
  scope.clientLeft();
  assert.equal(live.orphaned.length, 1);
  assert.equal(live.orphaned[0].link.spanId, 'server');
  assert.equal(ended.orphaned.length, 0);
  assert.equal(uncounted.orphaned.length, 0, 'a transport under an SDK stream is not counted twice');
});

test('an upstream adopted after the client left is orphaned at the disconnect time', () => {
  const scope = new ServerRequestScope();
  scope.clientLeft();
  const late = child();
  scope.adopt(late);
  assert.equal(late.orphaned[0].at, scope.disconnectedAt);
});

test('a finished response drops its failed streams', () => {
  const scope = new ServerRequestScope();
  scope.attempts.record('k', failed(1));
  scope.ended();
  assert.equal(scope.attempts.take('k'), undefined);
});

test('the scope is found through the context; a parent span has a ledger only while it records', () => {
  const scope = new ServerRequestScope();
  assert.equal(serverRequestScopeOf(withServerRequestScope(ROOT_CONTEXT, scope)), scope);
  assert.equal(serverRequestScopeOf(ROOT_CONTEXT), undefined);
  const span = new BasicTracerProvider().getTracer('t').startSpan('job');
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  const ledger = attemptLedgerOf(ctx, undefined);
  assert.ok(ledger);
  assert.equal(attemptLedgerOf(ctx, undefined), ledger);
  span.end();
  assert.equal(attemptLedgerOf(ctx, undefined), undefined);
  assert.equal(attemptLedgerOf(ROOT_CONTEXT, undefined), undefined);
});

test('the attempt key is operation and model', () => {
  assert.equal(attemptKeyOf('chat', 'a'), attemptKeyOf('chat', 'a'));
  assert.notEqual(attemptKeyOf('chat', 'a'), attemptKeyOf('chat', 'b'));
  assert.notEqual(attemptKeyOf('chat', 'a'), attemptKeyOf('text_completion', 'a'));
});
