import { readOptionsFromEnv, type ResolvedOptions } from '../options';

let fromEnv: ResolvedOptions | undefined;

/**
 * The `MIDSTREAM_*` options, read from the environment once per copy of midstream, on first use: what
 * a stream falls back to for every option its instrumentation (or its `trackStream` call) was not given.
 */
export function envOptions(): ResolvedOptions {
  return (fromEnv ??= readOptionsFromEnv());
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
