// An unawaited failing streaming call of the anthropic client stays an unhandled rejection with the
// instrumentation on (child app: ../unhandled/stainless-app.mjs).
import { unhandledTest } from '../unhandled/unhandled-test.mjs';

unhandledTest('anthropic', { app: 'stainless-app.mjs', args: ['anthropic'] }, 'unhandled InternalServerError');
