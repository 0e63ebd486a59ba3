// Pieces shared by the dashboard definitions: the datasource reference, template variables and
// the label filters they feed.
import { GRAFANA_DATASOURCE_UID } from '../build-alerts.mjs';
import { L, M, matchers, sel } from '../midstream-promql.mjs';

export const DS = { type: 'prometheus', uid: '${datasource}' };

export const datasourceVariable = () => ({
  type: 'datasource',
  name: 'datasource',
  label: 'Data source',
  query: 'prometheus',
  current: { selected: false, text: 'Prometheus', value: GRAFANA_DATASOURCE_UID },
  hide: 0,
  refresh: 1,
  regex: '',
  options: [],
});

/** A query variable over `label_values(selector, label)`, multi-select with All = `.*`. */
export function labelVariable(name, label, title, selector) {
  const query = `label_values(${selector}, ${label})`;
  return {
    type: 'query',
    name,
    label: title,
    datasource: DS,
    definition: query,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    sort: 1,
    hide: 0,
    regex: '',
  };
}

const outcomes = (...ms) => sel(M.outcomes, 'total', ...ms);
export const JOB = `${L.job}=~"$job"`;
export const SOURCE = `${L.source}=~"$source"`;
export const PROVIDER = `${L.provider}=~"$provider"`;
export const MODEL = `${L.model}=~"$model"`;
export const ROUTE = `${L.route}=~"$route"`;

/** Filters of midstream's own metrics on the client-and-server dashboards. */
export const F = matchers(JOB, SOURCE, PROVIDER, MODEL);
/** Filters of the GenAI metrics (no midstream.source on them). */
export const G = matchers(JOB, PROVIDER, MODEL);

export const standardVariables = () => [
  datasourceVariable(),
  labelVariable('job', L.job, 'Job', outcomes()),
  labelVariable('source', L.source, 'Source', outcomes(JOB)),
  labelVariable('provider', L.provider, 'Provider', outcomes(JOB, SOURCE)),
  labelVariable('model', L.model, 'Model', outcomes(JOB, SOURCE, PROVIDER)),
];
