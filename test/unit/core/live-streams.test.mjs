// LiveStreams, the registry of in-flight streams: add/delete, endAll on shutdown (with a reason for
// those that have none, guarded per stream), the shared watchdog tick (unref'd), and abandonment
// (a stream whose object is garbage-collected ends as `abandon`). Streams here are plain objects with
// the registry's structural interface (end, checkIdle, reason).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { LiveStreams } from '../../../dist/core/live-streams.js';
import { captureDiag } from '../../support/diag.mjs';

/** A stream as the registry sees it: records its endings and watchdog ticks. */
function stream(reason) {
  return {
    reason,
    endings: [],
    ticks: [],
    end(ending) {
      this.endings.push(ending);
    },
    checkIdle(t) {
      this.ticks.push(t);
    },
  };
}

test('add and delete keep the size; snapshot is a copy in start order', () => {
  const live = new LiveStreams();
  const [a, b, c] = [stream(), stream(), stream()];
  for (const s of [a, b, c]) live.add(s, 0, 0);
  assert.equal(live.size, 3);
  const snap = live.snapshot();
  assert.deepEqual(snap, [a, b, c]);
  snap.pop();
  assert.equal(live.size, 3, 'the snapshot is a copy');
  live.delete(b);
  live.delete(b);
  assert.equal(live.size, 2);
  const seen = [];
  live.forEach((s) => seen.push(s));
  assert.deepEqual(seen, [a, c]);
  live.delete(a);
  live.delete(c);
  assert.equal(live.size, 0);
});

test('endAll ends every stream with the ending, gives a reason only to those without one, and counts them', () => {
  const live = new LiveStreams();
  const plain = stream();
  const own = stream('client_gone');
  live.add(plain, 0, 0);
  live.add(own, 0, 0);
  assert.equal(live.endAll('shutdown', 'process_exit'), 2);
  assert.deepEqual(plain.endings, ['shutdown']);
  assert.deepEqual(own.endings, ['shutdown']);
  assert.equal(plain.reason, 'process_exit');
  assert.equal(own.reason, 'client_gone');
  for (const s of [plain, own]) live.delete(s);
});

test('endAll survives a stream whose end throws: the others still end, one diagnostic, nothing thrown', (t) => {
  const warnings = captureDiag(t);
  const live = new LiveStreams();
  const bad = stream();
  bad.end = () => {
    throw new Error('end boom');
  };
  const good = stream();
  live.add(bad, 0, 0);
  live.add(good, 0, 0);
  assert.doesNotThrow(() => live.endAll('shutdown'));
  assert.deepEqual(good.endings, ['shutdown']);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /live-streams\.endAll failed/);
  live.delete(bad);
  live.delete(good);
});

test('a stream that ends itself during endAll (leaving the registry) does not disturb the others', () => {
  const live = new LiveStreams();
  const streams = [stream(), stream(), stream()];
  for (const s of streams) {
    s.end = function (ending) {
      this.endings.push(ending);
      live.delete(this);
    };
    live.add(s, 0, 0);
  }
  assert.equal(live.endAll('shutdown'), 3);
  for (const s of streams) assert.deepEqual(s.endings, ['shutdown']);
  assert.equal(live.size, 0);
});

test('the watchdog ticks every live stream with the clock, and stops with the last one', async () => {
  const live = new LiveStreams();
  const s = stream();
  // A 100 ms stall threshold asks for a tick of 25 ms.
  live.add(s, 100, 0);
  for (let i = 0; i < 400 && s.ticks.length < 2; i++) await sleep(5);
  assert.ok(s.ticks.length >= 2, 'ticked within 2 s');
  assert.ok(s.ticks[1] > s.ticks[0], 'with monotonic clock readings');
  live.delete(s);
  const after = s.ticks.length;
  // A tick that was due could still be running; after 4 tick periods none may come.
  await sleep(100);
  assert.equal(s.ticks.length, after, 'no tick after the last stream left');
});

test('the watchdog never holds the process open', async () => {
  const url = new URL('../../../dist/core/live-streams.js', import.meta.url).href;
  const script = `const { LiveStreams } = await import(${JSON.stringify(url)});
    new LiveStreams().add({ end() {}, checkIdle() {} }, 50, 0);
    console.log('added');`;
  const started = Date.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
  assert.equal(stdout.trim(), 'added');
  assert.ok(Date.now() - started < 15_000, 'the process exits on its own');
});

/** Collects garbage until `done()` or a generous number of rounds. */
async function collectUntil(done) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  for (let i = 0; i < 100 && !done(); i++) {
    gc();
    await sleep(10);
  }
}

test('a stream whose watched object is garbage-collected ends as abandoned; a forgotten one does not', async () => {
  const live = new LiveStreams();
  const dropped = stream();
  const forgotten = stream();
  live.add(dropped, 0, 0);
  live.add(forgotten, 0, 0);
  (() => {
    live.watchForAbandonment({ body: 'a' }, dropped);
    live.watchForAbandonment({ body: 'b' }, forgotten);
  })();
  live.forgetAbandonment(forgotten);
  await collectUntil(() => dropped.endings.length > 0);
  assert.deepEqual(dropped.endings, ['abandon']);
  assert.deepEqual(forgotten.endings, []);
  live.delete(dropped);
  live.delete(forgotten);
});

test('an object still referenced keeps its stream live', async () => {
  const live = new LiveStreams();
  const kept = stream();
  const witness = stream();
  const target = { body: 'kept' };
  live.add(kept, 0, 0);
  live.add(witness, 0, 0);
  live.watchForAbandonment(target, kept);
  (() => live.watchForAbandonment({ body: 'dropped' }, witness))();
  // The witness's object is collected in the same rounds: once it ends, the kept one had its chance.
  await collectUntil(() => witness.endings.length > 0);
  assert.deepEqual(witness.endings, ['abandon']);
  assert.deepEqual(kept.endings, []);
  assert.equal(target.body, 'kept', 'target is referenced up to here');
  live.delete(kept);
  live.delete(witness);
});
