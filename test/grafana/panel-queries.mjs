// Every panel query of grafana/dashboards, and the same with Grafana's variables filled in, as
// Grafana would send it with "All" selected. Not a test file itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './promtool.mjs';

export const DASHBOARD_DIR = join(ROOT, 'grafana/dashboards');

export function dashboards() {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) }));
}

/** [{ file, panel, refId, expr, instant }] */
export function panelQueries() {
  return dashboards().flatMap(({ file, json }) =>
    json.panels
      .filter((p) => p.type !== 'row')
      .flatMap((p) => p.targets.map((t) => ({ file, panel: p.title, refId: t.refId, expr: t.expr, instant: t.instant }))),
  );
}

/** Grafana's substitutions: interval variables, the price textbox set, and template variables at "All" (`.*`). */
export function concrete(expr, { rateInterval = '5m', range = '1h', interval = '1m', price = '2.5' } = {}) {
  return expr
    .replaceAll('${price_per_mtok}', price)
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$__range', range)
    .replaceAll('$__interval', interval)
    .replace(/\$\{?(\w+)\}?/g, '.*');
}
