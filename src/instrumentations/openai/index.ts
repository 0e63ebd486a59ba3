export { OpenAIInstrumentation } from './openai-instrumentation';
