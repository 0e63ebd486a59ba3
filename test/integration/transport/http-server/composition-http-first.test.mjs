// midstream's server instrumentation registered after @opentelemetry/instrumentation-http.
import { compositionTests } from './composition.mjs';

compositionTests('instrumentation-http first');
