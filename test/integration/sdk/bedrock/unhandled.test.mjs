// An unawaited failing ConverseStream of the Bedrock runtime SDK stays an unhandled rejection with the
// instrumentation on (child app: ../unhandled/other-app.mjs).
import { unhandledTest } from '../unhandled/unhandled-test.mjs';

unhandledTest('bedrock', { app: 'other-app.mjs', args: ['bedrock'] }, 'unhandled InternalServerException');
