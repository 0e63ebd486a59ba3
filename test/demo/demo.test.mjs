// Runs `node demo/run.mjs` (the README's first command, after the build) for its default 10 s and checks what
// it prints and what the app's Prometheus endpoint serves while it runs (scraped every 250 ms, as a
// Prometheus would, across the deploy).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));
const demo = `${DEMO_DIR}run.mjs`;

/** The numbers on the report line that starts with `label` (an outcome row has one per source). */
function rowOf(stdout, label) {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`${label} `));
  assert.ok(line, `report has a "${label}" line:\n${stdout}`);
  return line.slice(line.indexOf(label) + label.length).trim().split(/\s+/).filter((x) => x !== '%').map((x) => Number.parseFloat(x));
}

describe('npm run demo', { timeout: 60_000 }, () => {
  let stdout = '';
  let stderr = '';
  let exitCode;
  let scrape = '';

  before(async () => {
    const env = { ...process.env, MIDSTREAM_DEMO_METRICS_PORT: '0', MIDSTREAM_DEMO_LINGER_SECONDS: '2' };
    delete env.MIDSTREAM_DEMO_SECONDS;
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [demo], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    after(() => child.kill());
    child.stderr.on('data', (d) => (stderr += d));
    let timer;
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = stdout.match(/Prometheus metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/)?.[1];
      if (url !== undefined && timer === undefined) {
        // Every series line any scrape saw (the endpoint is down for a moment during the deploy).
        timer = setInterval(() => fetch(url).then((r) => r.text()).then((t) => (scrape += t), () => {}), 250);
      }
    });
    [exitCode] = await once(child, 'exit');
    clearInterval(timer);
  });

  it('exits with code 0', () => {
    assert.equal(exitCode, 0, stderr);
  });

  it('prints the Prometheus endpoint first, and runs the app through the register entry point', () => {
    assert.match(stdout.split('\n')[0], /^Prometheus metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.equal(stdout.split('\n').filter((l) => l.startsWith('Prometheus metrics: ')).length, 1);
    assert.match(stdout, /^App: .*node --require midstream-otel\/register demo\/app\.cjs$/m);
  });

  it('uses only the public entry point: no demo file imports midstream internals', () => {
    for (const file of readdirSync(DEMO_DIR)) {
      assert.doesNotMatch(readFileSync(`${DEMO_DIR}${file}`, 'utf8'), /(require\(|import\(|from )\s*['"][^'"]*\/(dist|src)\/|processState/, file);
    }
  });

  it('shows an HTTP view with a few 5xx, far below the share of LLM streams that failed after their 200', () => {
    assert.ok(rowOf(stdout, 'your streaming endpoint')[0] > 0);
    const llmApi = stdout.split('\n').find((l) => l.includes('calls to the LLM API'));
    const fiveXx = Number(/5xx\s+([\d.]+) %/.exec(llmApi)[1]);
    assert.ok(fiveXx > 0, llmApi);
    const [openaiSilent] = rowOf(stdout, 'silent failures');
    assert.ok(openaiSilent > 2 * fiveXx, `silent ${openaiSilent} % vs 5xx ${fiveXx} %\n${stdout}`);
  });

  it('shows every injected fault and every deliberate stop as its own outcome', () => {
    const [openaiCompleted, anthropicCompleted, fetchCompleted, endpointCompleted] = rowOf(stdout, 'completed');
    assert.ok(openaiCompleted > 0 && anthropicCompleted > 0 && fetchCompleted > 0 && endpointCompleted > 0, stdout);
    for (const outcome of ['truncated', 'errored', 'aborted']) assert.ok(rowOf(stdout, outcome)[0] > 0, `${outcome} (openai) in:\n${stdout}`);
    assert.ok(rowOf(stdout, 'cancelled')[2] > 0, 'fetch clients of the endpoint that left early');
    assert.ok(rowOf(stdout, 'client_disconnected')[3] > 0, 'the endpoint saw them go');
    assert.ok(rowOf(stdout, 'interrupted').reduce((a, b) => a + b, 0) >= 3, 'the deploy cut the hanging answers');
  });

  it('counts the stalls even though the stalled streams completed', () => {
    assert.ok(rowOf(stdout, 'stalls (gaps > threshold)')[0] > 0, stdout);
  });

  it('reports time to first chunk and the gap p99 from the histograms', () => {
    assert.match(stdout, /time to first chunk p50 \/ p95\s+[\d.]+ m?s \/ [\d.]+ m?s/);
    assert.match(stdout, /chunk gap p99\s+[\d.]+ m?s/);
  });

  it('reports the generation nobody received: orphaned upstreams (cancelled and not) and paid retries', () => {
    assert.match(stdout, /^Generation nobody received \(relay upstreams whose client had left\): .*\d+ aborted/m);
    assert.match(stdout, /^Generation nobody received .*\d+ (completed|truncated|errored)/m, 'an upstream of /chat-legacy ran on for nobody');
    assert.match(stdout, /^ {2}after the client left: [1-9]\d* characters/m);
    assert.match(stdout, /^ {2}retries after a failed answer: [1-9]\d* streams/m);
  });

  it('keeps the report under 45 lines without color codes', () => {
    assert.ok(stdout.split('\n').length < 45, stdout);
    assert.doesNotMatch(stdout, /\x1b\[/);
  });

  it('served the outcomes, the HTTP 5xx and the interrupted streams on the Prometheus endpoint', () => {
    assert.ok(scrape, 'scraped the endpoint while the demo ran');
    assert.match(scrape, /^midstream_stream_outcomes_total\{.*midstream_outcome="truncated".*\} \d+/m);
    assert.match(scrape, /^midstream_stream_outcomes_total\{.*midstream_outcome="interrupted".*\} \d+/m);
    assert.match(scrape, /^http_server_request_duration_count\{.*http_response_status_code="502".*\} \d+/m);
    assert.match(scrape, /^http_client_request_duration_count\{.*http_response_status_code="500".*\} \d+/m);
  });
});
