export { AiSdkInstrumentation } from './ai-sdk-instrumentation';
