export { HttpServerInstrumentation } from './http-server-instrumentation';
export type { HttpServerInstrumentationConfig } from './types';
