// Dashboard 2: per GenAI provider and model.
import { L, M, O, anyOf, sel, sumRate, quantile, silentFailureRatio } from '../midstream-promql.mjs';
import { F, G, standardVariables } from './common.mjs';

const RI = '$__rate_interval';
const PM = [L.provider, L.model];
const LEGEND = '{{gen_ai_provider_name}} {{gen_ai_request_model}}';
/** midstream's own metrics, LLM streams only (those carry a provider). */
const FL = `${F}, ${L.provider}!=""`;
/** Output tokens nobody received: reported after the client left, or by attempts that were then retried. */
const WASTED_TOKENS = anyOf([M.orphanedTokens, M.retryTokens], 'total', FL);
export const PRICE_VARIABLE = 'price_per_mtok';
export const VARIABLES = [
  ...standardVariables(),
  {
    type: 'textbox',
    name: PRICE_VARIABLE,
    label: 'Price per million output tokens',
    description: 'Your price per million output tokens (a number, e.g. 10 or 0.6). Empty: the cost panel stays empty and tokens are shown without a price.',
    query: '',
    current: { selected: false, text: '', value: '' },
    options: [],
    hide: 0,
  },
];
/**
 * `$price_per_mtok` as a number: `0<price>e0` parses as the price (the exponent keeps a leading zero
 * from reading as octal), and as 0 when the variable is empty, which `> 0` then hides.
 */
const PRICE = `0\${${PRICE_VARIABLE}}e0`;

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
  { row: 'Output nobody received' },
  {
    title: 'Generation nobody received',
    unit: 'short',
    overrides: [{ refId: 'C', unit: 's', axis: 'right' }],
    description:
      'Upstream LLM streams that kept generating after the client of the server request they fed had gone (orphaned): characters and reported output tokens per second produced after the disconnect, and the cancellation latency p95 (right axis), the time from the disconnect to the upstream\'s end. Milliseconds mean the server aborts the upstream when its client leaves; seconds mean every abandoned answer is generated, and paid for, to its end. Fix: abort the upstream on the response\'s close (README, "When the client leaves").',
    targets: [
      { expr: sumRate(PM, sel(M.orphanedChars, 'total', FL), RI), legend: `chars ${LEGEND}` },
      { expr: sumRate(PM, sel(M.orphanedTokens, 'total', FL), RI), legend: `tokens ${LEGEND}` },
      { expr: quantile(0.95, M.orphanedDuration, PM, RI, FL), legend: `cancellation latency p95 ${LEGEND}`, exemplar: true },
    ],
  },
  {
    title: 'Orphaned upstreams by how they ended',
    unit: 'reqps',
    description:
      'Orphaned upstream streams per second by how they ended: `aborted` = the server cancelled the upstream when its client left (good); `completed` = nobody cancelled it and the whole answer was generated for nobody; `truncated`/`errored` = it failed on its own later.',
    targets: [{ expr: sumRate([...PM, L.outcome], sel(M.orphanedStreams, 'total', FL), RI), legend: `${LEGEND} {{midstream_outcome}}` }],
  },
  {
    title: 'Output that never reached anyone (characters)',
    unit: 'short',
    description:
      'Characters per second of generated text nobody used: partial answers of failed streams (truncated, errored, timed out, abandoned, interrupted), the orphaned share generated after the client left, and, of the failed ones, what a retry then paid for a second time (a retried attempt\'s output is also in the failed line).',
    targets: [
      { expr: sumRate(PM, sel(M.outputChars, 'total', FL, O.failed), RI), legend: `failed ${LEGEND}` },
      { expr: sumRate(PM, sel(M.orphanedChars, 'total', FL), RI), legend: `orphaned ${LEGEND}` },
      { expr: sumRate(PM, sel(M.retryChars, 'total', FL), RI), legend: `retried (paid twice) ${LEGEND}` },
    ],
  },
  {
    title: 'Output tokens nobody received and their estimated cost',
    unit: 'short',
    overrides: [{ refId: 'B', unit: 'currencyUSD', axis: 'right' }],
    description:
      'Output tokens per hour the providers reported for output nobody received (orphaned after the disconnect, or by attempts that were then retried), and, right axis, their estimated cost per hour at the dashboard variable "Price per million output tokens" (empty by default: no cost line; midstream keeps no price table). Providers report usage at the end of a stream, so a cut stream seldom has tokens: see the characters panel for those.',
    targets: [
      { expr: `${sumRate(PM, WASTED_TOKENS, RI)} * 3600`, legend: `tokens/h ${LEGEND}` },
      { expr: `${sumRate(PM, WASTED_TOKENS, RI)} * 3600 * ${PRICE} / 1e6 > 0`, legend: `cost/h ${LEGEND}` },
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
