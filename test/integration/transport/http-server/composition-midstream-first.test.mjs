// midstream's server instrumentation registered before @opentelemetry/instrumentation-http.
import { compositionTests } from './composition.mjs';

compositionTests('midstream first');
