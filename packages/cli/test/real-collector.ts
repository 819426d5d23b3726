// The real collector (packages/collector's binary, built) as the CLI's end-to-end tests use it:
// started on a loopback port the OS picks, with a trivial proof of work, and the requests a
// widget would make. Shared by collector-e2e.test.ts and confirm-e2e.test.ts.
import type { Envelope } from '@secure-sign/crypto';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const COLLECTOR = fileURLToPath(new URL('../../collector/bin/secure-sign-collector.js', import.meta.url));
/** The collector's build exists (the end-to-end tests skip without it). */
export const COLLECTOR_BUILT = existsSync(fileURLToPath(new URL('../../collector/dist/main.js', import.meta.url)));

export interface RealCollector {
  readonly url: string;
  /** Stops the collector (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `secure-sign-collector serve` on SQLite in `dataDir`, with `admin` as its admin token. */
export async function startCollector(dataDir: string, admin: string): Promise<RealCollector> {
  const child: ChildProcess = spawn(process.execPath, [COLLECTOR, 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--pow-difficulty', '20', '--rate-limit', '1000', '--log-level', 'error'], {
    env: { ...process.env, SECURE_SIGN_ADMIN_TOKEN: admin },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`collector exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const match = /^secure-sign-collector: listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  if (!match) {
    child.kill('SIGKILL');
    throw new Error(`unexpected collector output: ${first}`);
  }
  return {
    url: match[1]!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Submits an envelope as the widget does (a challenge, its solution, the submission) and returns
 * the submission's status and answer (null when the answer is not JSON).
 */
export async function submitEnvelope(url: string, campaign: string, envelope: Envelope): Promise<{ status: number; body: unknown }> {
  const challengeResponse = await fetch(`${url}/v1/campaigns/${campaign}/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (challengeResponse.status !== 201) throw new Error(`challenge: the collector answered ${challengeResponse.status}`);
  const challenge = (await challengeResponse.json()) as Parameters<typeof solveChallenge>[0]['challenge'];
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('challenge: no solution found');
  const response = await fetch(`${url}/v1/campaigns/${campaign}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope, pow: { challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } } }),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the status says enough
  }
  return { status: response.status, body };
}

/** Waits until the campaign's signed checkpoint holds at least `size` entries. */
export async function waitForLog(url: string, campaign: string, size: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${url}/v1/campaigns/${campaign}/log/checkpoint`);
    const text = await response.text();
    if (response.status === 200 && Number(text.split('\n')[1]) >= size) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no checkpoint of ${size} entries`);
}
