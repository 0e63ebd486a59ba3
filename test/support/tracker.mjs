// A StreamTracker for unit tests, on a non-recording span (nothing is exported) and the global meter
// (a no-op unless the test installs one): what the tracker decides, without telemetry around it.
import { metrics, trace } from '@opentelemetry/api';
import { StreamTelemetry } from '../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../dist/core/stream-tracker.js';

/** A span context nobody records. */
export const TEST_SPAN = trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 });

const defaultTelemetry = new StreamTelemetry(metrics.getMeter('test'));

/**
 * A live tracker of an `objects` stream that requires its terminal, source `test`, not owning its
 * span; `init` overrides any of that (StreamTrackerInit). `telemetry` defaults to one on the global meter.
 */
export function testTracker(init = {}, telemetry = defaultTelemetry) {
  return new StreamTracker(telemetry, { span: TEST_SPAN, ownsSpan: false, source: 'test', protocol: 'objects', requiresTerminal: true, ...init });
}
