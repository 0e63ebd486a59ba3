// An unawaited failing streaming call of the openai client stays an unhandled rejection with the
// instrumentation on (child app: ../unhandled/stainless-app.mjs).
import { unhandledTest } from '../unhandled/unhandled-test.mjs';

unhandledTest('openai', { app: 'stainless-app.mjs', args: ['openai'] }, 'unhandled InternalServerError');
