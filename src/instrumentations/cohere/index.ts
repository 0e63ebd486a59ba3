export { CohereInstrumentation } from './cohere-instrumentation';
