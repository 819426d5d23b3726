// Shared by the CLI tests: run the real binary (bin/secure-sign.js, built by global-setup) in a
// temporary folder, and make envelopes with @secure-sign/crypto, the same library the widget uses.
import { generateCampaignKeys, sealSubmission, type CampaignKeyPair, type Envelope, type SignerInput } from '@secure-sign/crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unlockKeyFile } from '../src/keyfile.js';

export const BIN = fileURLToPath(new URL('../bin/secure-sign.js', import.meta.url));
export const PASSPHRASE = 'correct horse battery staple';

/** Environment of every run: the test-only fast KDF, a known passphrase, no inherited token. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SECURE_SIGN_INSECURE_FAST_KDF_FOR_TESTS: '1', SECURE_SIGN_PASSPHRASE: PASSPHRASE, ...extra };
  delete env['SECURE_SIGN_TOKEN'];
  delete env['SECURE_SIGN_ADMIN_TOKEN'];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `secure-sign ARGS` in `cwd`, feeding `stdin` if given. */
export function run(cwd: string, args: readonly string[], options: { stdin?: string | Buffer; env?: Record<string, string | undefined> } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: baseEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** A fresh temporary folder, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; path: (name: string) => string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'secure-sign-cli-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs keygen in `dir` and returns the unlocked key pair (for sealing test envelopes). */
export async function keygen(dir: string, name = 'campaign.key'): Promise<CampaignKeyPair> {
  const result = await run(dir, ['keygen', '--out', name]);
  if (result.code !== 0) throw new Error(`keygen failed: ${result.stderr}`);
  return unlockKeyFile(join(dir, name), PASSPHRASE);
}

/** A signer whose fields depend on `i`. */
export function signer(i: number, overrides: Partial<SignerInput> = {}): SignerInput {
  return {
    kind: 'individual',
    name: `Signer ${i}`,
    email: `signer${i}@example.org`,
    consent: { listPublicly: i % 2 === 0, contactLater: false },
    ...overrides,
  } as SignerInput;
}

/** Seals `count` signers to `keys` for `campaign`, createdAt = base + i seconds. */
export async function envelopes(keys: CampaignKeyPair, campaign: string, count: number, base = Date.UTC(2026, 10, 1)): Promise<Envelope[]> {
  const result: Envelope[] = [];
  for (let i = 0; i < count; i++) {
    result.push(await sealSubmission({ publicKey: keys.publicKey, campaign, signer: signer(i), createdAt: base + i * 1000 }));
  }
  return result;
}

export const ndjson = (items: readonly unknown[]): string => items.map((item) => JSON.stringify(item) + '\n').join('');

export { generateCampaignKeys };
