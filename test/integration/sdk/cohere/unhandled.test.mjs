// An unawaited failing chatStream of cohere-ai stays an unhandled rejection with the instrumentation on
// (child app: ../unhandled/other-app.mjs).
import { unhandledTest } from '../unhandled/unhandled-test.mjs';

unhandledTest('cohere', { app: 'other-app.mjs', args: ['cohere'] }, 'unhandled InternalServerError');
