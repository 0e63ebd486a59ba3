// Preloaded before midstream-otel/register: the app's own global TracerProvider (midstream then reports
// to it), with a broken span processor. APP_PROCESSOR=throw: onEnd and forceFlush throw;
// APP_PROCESSOR=hang: forceFlush never settles, so the provider's forceFlush arms its 30 s timer.
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');

const mode = process.env.APP_PROCESSOR;
const processor = {
  onStart() {},
  onEnd() {
    if (mode === 'throw') throw new Error('app processor onEnd broke');
  },
  forceFlush() {
    if (mode === 'throw') throw new Error('app processor forceFlush broke');
    return new Promise(() => {});
  },
  shutdown() {
    return Promise.resolve();
  },
};
new NodeTracerProvider({ spanProcessors: [processor] }).register();
