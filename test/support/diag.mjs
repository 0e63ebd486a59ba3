// Captures what midstream reports through the OpenTelemetry diagnostic logger during one test.
import { diag, DiagLogLevel } from '@opentelemetry/api';

/**
 * Installs a diag logger for the test `t` (removed after it) and returns the array its warn and error
 * lines are pushed to, each as one string. The override notice of setLogger itself is suppressed.
 */
export function captureDiag(t) {
  const lines = [];
  const log = (...args) => lines.push(args.map(String).join(' '));
  const off = () => {};
  diag.setLogger({ error: log, warn: log, info: off, debug: off, verbose: off }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  t.after(() => diag.disable());
  return lines;
}
