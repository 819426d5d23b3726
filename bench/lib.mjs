// Small helpers shared by the benchmarks: statistics, timing and child processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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

/**
 * Starts a child process and waits for a line on stdout matching `ready`; returns the child, the
 * match and a stop() that ends it gracefully (SIGTERM, then SIGKILL after a grace period).
 */
export async function startProcess(command, args, { ready, env = {}, timeoutMs = 60_000 } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const match = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not become ready in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const found = ready.exec(buffer);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready: ${stderr}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await once(child, 'exit');
    clearTimeout(timer);
  };
  return { child, match, stop };
}

/** Runs a command to completion; resolves with its stdout, rejects with its stderr on failure. */
export async function run(command, args, { env = {}, input } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-8000)));
  if (input !== undefined) child.stdin.end(input);
  else child.stdin.end();
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`);
  return { stdout, stderr };
}
