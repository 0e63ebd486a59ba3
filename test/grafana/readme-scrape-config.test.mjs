// The scrape config README.md shows in "Quick look with Prometheus" is one Prometheus accepts, and it
// scrapes the exporter's default port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, hasPromtool, promtool, tempDir } from './promtool.mjs';

const skip = hasPromtool() ? false : 'promtool not installed (apt-get install prometheus)';

describe('README quick look with Prometheus', () => {
  it('shows a scrape config that promtool accepts, aimed at the exporter port 9464', { skip }, (t) => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.split('### Quick look with Prometheus\n')[1]?.split('\n#')[0];
    assert.ok(section, 'README has the section');
    const config = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(config, 'the section has a yaml block');
    assert.match(config, /targets: \['localhost:9464'\]/);
    const dir = tempDir(t, 'midstream-readme-scrape-');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const { status, output } = promtool(['check', 'config', 'prometheus.yml'], dir);
    assert.equal(status, 0, output);
  });
});
