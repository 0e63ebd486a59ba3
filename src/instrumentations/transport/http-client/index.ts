export { HttpClientInstrumentation } from './http-client-instrumentation';
export type { HttpClientInstrumentationConfig, HttpStreamRule, UrlPattern } from './types';
