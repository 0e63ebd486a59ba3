export { OllamaInstrumentation } from './ollama-instrumentation';
