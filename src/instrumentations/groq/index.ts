export { GroqInstrumentation } from './groq-instrumentation';
