export { MistralInstrumentation } from './mistral-instrumentation';
