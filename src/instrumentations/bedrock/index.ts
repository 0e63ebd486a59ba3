export { BedrockInstrumentation } from './bedrock-instrumentation';
