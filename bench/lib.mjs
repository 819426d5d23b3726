// Small helpers shared by the benchmarks: statistics, timing and child processes.
import { gzipSync } from 'node:zlib';

/** Median of numbers. */
export function median(values) {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of numbers. */
export function percentile(values, p) {
  if (values.length === 0) throw new RangeError('values: empty');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Gzipped size of a buffer or string, at the level CDNs typically use. */
export function gzipBytes(data) {
  return gzipSync(data, { level: 9 }).length;
}

/** Runs `fn` `runs` times and returns each run's result. */
export async function repeat(runs, fn) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await fn(i));
  return results;
}

/** Logs progress to stderr, so stdout stays clean. */
export function say(message) {
  process.stderr.write(`bench: ${message}\n`);
}

export { run, startProcess } from '../scripts/processes.mjs';
