// midstream's instrumentations registered before @opentelemetry/instrumentation-http.
import { relayCompositionTests } from './composition.mjs';

relayCompositionTests('midstream first');
