export { AnthropicInstrumentation } from './anthropic-instrumentation';
