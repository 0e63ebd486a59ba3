export { LangChainInstrumentation } from './langchain-instrumentation';
