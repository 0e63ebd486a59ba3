export { FetchInstrumentation } from './fetch-instrumentation';
export type { FetchInstrumentationConfig, FetchStreamRule, UrlPattern } from './types';
