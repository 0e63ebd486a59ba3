// midstream's instrumentations registered after @opentelemetry/instrumentation-http.
import { relayCompositionTests } from './composition.mjs';

relayCompositionTests('instrumentation-http first');
