// Runs `node demo/run.mjs` (the README's first command, after the build) for 3 s and checks what
// it prints and what its Prometheus endpoint serves while it lingers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('../../demo/run.mjs', import.meta.url));

/** Count printed after `label` on the report line that starts with it (first number). */
function countOf(stdout, label) {
  const line = stdout.split('\n').find((l) => new RegExp(`\\s${label}\\s+\\d`).test(l));
  assert.ok(line, `report has a "${label}" line:\n${stdout}`);
  return Number(line.slice(line.lastIndexOf(label) + label.length).trim().split(/\s+/)[0]);
}

describe('npm run demo', { timeout: 60_000 }, () => {
  let stdout = '';
  let stderr = '';
  let exitCode;
  let scrape;

  before(async () => {
    const child = spawn(process.execPath, [demo], {
      env: { ...process.env, MIDSTREAM_DEMO_SECONDS: '3', MIDSTREAM_DEMO_METRICS_PORT: '0', MIDSTREAM_DEMO_LINGER_SECONDS: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    after(() => child.kill());
    child.stderr.on('data', (d) => (stderr += d));
    let scraped;
    child.stdout.on('data', (d) => {
      stdout += d;
      // The report is printed and the endpoint still serves for the linger time: scrape it now.
      const url = stdout.match(/Prometheus metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/)?.[1];
      if (url !== undefined && scraped === undefined && stdout.includes('Serving ')) {
        scraped = fetch(url).then((r) => r.text());
      }
    });
    [exitCode] = await once(child, 'exit');
    scrape = await scraped;
  });

  it('exits with code 0', () => {
    assert.equal(exitCode, 0, stderr);
  });

  it('prints exactly one Prometheus endpoint line early', () => {
    const lines = stdout.split('\n').filter((l) => l.startsWith('Prometheus metrics: '));
    assert.equal(lines.length, 1);
    assert.match(stdout.split('\n')[0], /^Prometheus metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });

  it('shows an HTTP view where every request is a 2xx and none a 5xx', () => {
    assert.ok(countOf(stdout, 'requests') > 0);
    assert.match(stdout, /2xx\s+100\.0 %/);
    assert.match(stdout, /5xx\s+0\.0 %/);
  });

  it('shows every injected fault as its own outcome, beside completed streams', () => {
    for (const outcome of ['completed', 'truncated', 'errored', 'aborted']) {
      assert.ok(countOf(stdout, outcome) > 0, `${outcome} > 0 in:\n${stdout}`);
    }
    assert.ok(countOf(stdout, 'silent failures') > 0);
  });

  it('counts the stall even though the stalled stream completed', () => {
    assert.ok(countOf(stdout, 'stalls') > 0, stdout);
  });

  it('reports time to first chunk and the gap p99 from the histograms', () => {
    assert.match(stdout, /TTFT p50 \/ p95\s+\d+ ms \/ \d+ ms/);
    assert.match(stdout, /chunk gap p99\s+[\d.]+ m?s/);
  });

  it('keeps the report under 40 lines without color codes', () => {
    assert.ok(stdout.split('\n').length < 40, stdout);
    assert.doesNotMatch(stdout, /\x1b\[/);
  });

  it('served midstream_stream_outcomes_total on the Prometheus endpoint while running', () => {
    assert.ok(scrape, 'scraped the endpoint during the linger time');
    assert.match(scrape, /^midstream_stream_outcomes_total\{.*midstream_outcome="truncated".*\} \d+/m);
  });
});
