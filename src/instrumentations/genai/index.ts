export { GoogleGenAIInstrumentation } from './genai-instrumentation';
