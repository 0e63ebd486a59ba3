// Dashboard 2: per GenAI provider and model.
import { L, M, O, sel, sumRate, quantile, silentFailureRatio } from '../midstream-promql.mjs';
import { F, G, standardVariables } from './common.mjs';

const RI = '$__rate_interval';
const PM = [L.provider, L.model];
const LEGEND = '{{gen_ai_provider_name}} {{gen_ai_request_model}}';
/** midstream's own metrics, LLM streams only (those carry a provider). */
const FL = `${F}, ${L.provider}!=""`;
export const VARIABLES = standardVariables();

export const PANELS = [
  { row: 'Outcomes per provider and model' },
  {
    title: 'Streams by provider, model and outcome',
    unit: 'reqps',
    description:
      'LLM streams ended per second by provider, model and outcome. Watch the non-completed lines: `truncated` is a stream cut before the provider\'s terminal event (finish_reason, message_stop, [DONE]); `errored` is an error event inside a 200 response (overloaded, rate limited mid-stream).',
    targets: [{ expr: sumRate([...PM, L.outcome], sel(M.outcomes, 'total', FL), RI), legend: `${LEGEND} {{midstream_outcome}}` }],
  },
  {
    title: 'Silent failure ratio by provider and model',
    unit: 'percentunit',
    min: 0,
    thresholds: [[0.05, 'red']],
    description:
      'Share of LLM streams that did not complete, deliberate stops excluded. One model far above the others points at the provider (capacity, long answers hitting a timeout); all models together point at our side (proxy, network, deploys).',
    targets: [{ expr: silentFailureRatio(PM, RI, FL), legend: LEGEND }],
  },
  {
    title: 'Output lost to truncation (partial answers of streams that were then cut)',
    unit: 'short',
    description:
      'Characters of generated text (and chunks) per second that reached the app in streams that then failed: partial answers the user saw and that were likely retried (paid twice). Token usage is only known when the provider reports it at the end, so cut streams show here and not in token usage.',
    targets: [
      { expr: sumRate(PM, sel(M.outputChars, 'total', FL, O.failed), RI), legend: `chars ${LEGEND}` },
      { expr: sumRate(PM, sel(M.chunks, 'sum', FL, O.failed), RI), legend: `chunks ${LEGEND}` },
    ],
  },
  { row: 'Latency per provider and model' },
  {
    title: 'Time to first chunk p95 (GenAI)',
    unit: 's',
    description:
      'gen_ai.client.operation.time_to_first_chunk p95: from the request to the first chunk of the response, per provider and model. Rising for one model only: the provider is queueing that model; for all: our network path or a buffering intermediary.',
    targets: [{ expr: quantile(0.95, M.genaiTtfc, PM, RI, G), legend: LEGEND, exemplar: true }],
  },
  {
    title: 'Operation duration p50 / p95 (GenAI)',
    unit: 's',
    description: 'gen_ai.client.operation.duration: the whole streamed call, per provider and model. Long tails close to a proxy or client timeout (60 s, 100 s, 300 s) predict truncations.',
    targets: [0.5, 0.95].map((q) => ({ expr: quantile(q, M.genaiDuration, PM, RI, G), legend: `p${q * 100} ${LEGEND}`, exemplar: true })),
  },
  {
    title: 'Time per output chunk p50 (GenAI)',
    unit: 's',
    description: 'gen_ai.client.operation.time_per_output_chunk: generation speed after the first chunk. Higher means slower tokens: provider load or a bigger model.',
    targets: [{ expr: quantile(0.5, M.genaiTpoc, PM, RI, G), legend: LEGEND }],
  },
  {
    title: 'Chunk gap p99 by provider and model',
    unit: 's',
    description: 'The 99th percentile gap between chunks of LLM streams. Seconds-long gaps are stalls: the answer froze mid-sentence.',
    targets: [{ expr: quantile(0.99, M.gap, PM, RI, FL), legend: LEGEND, exemplar: true }],
  },
  { row: 'Tokens and stalls' },
  {
    title: 'Token usage by model and type',
    unit: 'short',
    description: 'Tokens per second reported by the provider (gen_ai.client.token.usage), input and output. Reported only by streams that reached the usage event: a drop in output tokens with steady traffic means streams are cut before the end.',
    targets: [{ expr: sumRate([L.model, L.tokenType], sel(M.tokens, 'sum', G), RI), legend: '{{gen_ai_request_model}} {{gen_ai_token_type}}' }],
  },
  {
    title: 'Stalls by provider and model',
    unit: 'short',
    description: 'Stalls per second (gaps longer than the stall threshold) in LLM streams. A provider under load pauses mid-answer before it errors or truncates.',
    targets: [{ expr: sumRate(PM, sel(M.stalls, 'total', FL), RI), legend: LEGEND }],
  },
  {
    title: 'Failures by provider and error type',
    unit: 'reqps',
    width: 24,
    description: 'Failed LLM streams per second by provider and error.type: tells a provider error event (e.g. overloaded_error) from a transport cut (stream_truncated).',
    targets: [{ expr: sumRate([L.provider, L.errorType], sel(M.outcomes, 'total', FL, O.failed), RI), legend: '{{gen_ai_provider_name}} {{error_type}}' }],
  },
];
