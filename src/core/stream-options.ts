import { DEFAULT_OPTIONS, readOptionsFromEnv, type ResolvedOptions } from '../options';
import { processState } from './process-state';

let fromEnv: ResolvedOptions | undefined;

/**
 * The options a stream falls back to when its instrumentation was given none: those of
 * `midstreamInstrumentations()` / `startMidstream()` when one ran, else `MIDSTREAM_*` (read once).
 */
export function fallbackOptions(): ResolvedOptions {
  const shared = processState().options;
  return shared !== DEFAULT_OPTIONS ? shared : (fromEnv ??= readOptionsFromEnv());
}

/** The part of `options` a tracker takes at stream start. */
export function trackerOptions(options: ResolvedOptions): {
  stallThresholdMs: number;
  idleTimeoutMs: number;
  captureContentMaxBytes: number;
} {
  return {
    stallThresholdMs: options.stallThresholdMs,
    idleTimeoutMs: options.idleTimeoutMs,
    captureContentMaxBytes: options.captureContent ? options.captureContentMaxBytes : 0,
  };
}
