// Child processes for the scripts, the demo and the benchmarks: run a command to completion, or
// start a server and wait for the line that says it is ready. One implementation for all of them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { basename } from 'node:path';

/**
 * Starts a child process and waits for a line on stdout matching `ready`; returns the child, the
 * match and a stop() that ends it gracefully (SIGTERM, then SIGKILL after a grace period).
 */
export async function startProcess(command, args, { ready, env = {}, timeoutMs = 60_000, graceMs = 10_000, label = basename(command) } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const match = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${label} did not become ready in ${timeoutMs} ms:\n${stderr.trim()}`)), timeoutMs);
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
      reject(new Error(`${label} exited (${code}) before it was ready:\n${stderr.trim()}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await once(child, 'exit');
    clearTimeout(timer);
  };
  return { child, match, stop };
}

/** Runs a command to completion; resolves with its stdout, rejects with its stderr on failure. */
export async function run(command, args, { env = {}, input, label = `${basename(command)} ${args.join(' ')}` } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-8000)));
  if (input !== undefined) child.stdin.end(input);
  else child.stdin.end();
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${label} failed (exit ${code}):\n${stderr.trim()}`);
  return { stdout, stderr };
}
