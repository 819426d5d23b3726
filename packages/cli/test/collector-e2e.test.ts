// The whole staff flow against the real collector binary: register, submissions through its
// public API (proof of work solved with altcha-lib, as the widget does), pull, decrypt, and the
// signer wall published and fetched back.
import { sealSubmission, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, run, signer, tempDir } from './helpers.js';

const COLLECTOR = fileURLToPath(new URL('../../collector/bin/secure-sign-collector.js', import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL('../../collector/dist/main.js', import.meta.url)));
const ADMIN = 'test-admin-token-'.padEnd(48, 'z');

let t: Awaited<ReturnType<typeof tempDir>>;
let collector: ChildProcess | undefined;
let url: string;
let keys: CampaignKeyPair;

function collectorCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COLLECTOR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function submit(campaign: string, envelope: Envelope): Promise<number> {
  const challengeResponse = await fetch(`${url}/v1/campaigns/${campaign}/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(challengeResponse.status).toBe(201);
  const challenge = (await challengeResponse.json()) as Parameters<typeof solveChallenge>[0]['challenge'];
  const solution = await solveChallenge({ challenge, deriveKey });
  expect(solution).not.toBeNull();
  const response = await fetch(`${url}/v1/campaigns/${campaign}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope, pow: { challenge, solution: { counter: solution!.counter, derivedKey: solution!.derivedKey } } }),
  });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  if (!BUILT) return;
  t = await tempDir();
  keys = await keygen(t.dir);
  await writeFile(t.path('admin.token'), ADMIN + '\n', { mode: 0o600 });
  collector = spawn(process.execPath, [COLLECTOR, 'serve', '--data-dir', t.path('data'), '--host', '127.0.0.1', '--port', '0', '--pow-difficulty', '20', '--rate-limit', '1000', '--log-level', 'error'], {
    env: { ...process.env, SECURE_SIGN_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    collector!.once('exit', (code) => reject(new Error(`collector exited (${code})`)));
    createInterface({ input: collector!.stdout! }).once('line', resolve);
  });
  const match = /^secure-sign-collector: listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  if (!match) throw new Error(`unexpected collector output: ${first}`);
  url = match[1]!;
});

afterAll(async () => {
  if (collector && collector.exitCode === null) {
    const exited = new Promise((resolve) => collector!.once('exit', resolve));
    collector.kill('SIGTERM');
    await exited;
  }
  await t?.cleanup();
});

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe.skipIf(!BUILT)('with the real collector', () => {
  it('register, submit, pull incrementally, decrypt, publish the wall and verify what the collector serves', async () => {
    const reg = await run(t.dir, ['register', '--collector', url, '--campaign', 'open-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--goal', '100', '--token-out', 'staff.token']);
    expect(reg.stderr).toBe('secure-sign: registered open-letter; staff token written to staff.token\n');
    expect(reg.code).toBe(0);
    const again = await run(t.dir, ['register', '--collector', url, '--campaign', 'open-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('secure-sign: error: register: the collector answered 409 campaign-exists\n');

    const sealed: Envelope[] = [];
    for (let i = 0; i < 5; i++) {
      sealed.push(await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, i === 2 ? { name: '=cmd|calc', comment: 'Strong encryption protects everyone.' } : {}), createdAt: Date.UTC(2026, 10, 20, 0, 0, i) }));
      expect(await submit('open-letter', sealed[i]!)).toBe(201);
    }
    const pullArgs = ['pull', '--collector', url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--out', 'envelopes.ndjson'];
    const first = await run(t.dir, pullArgs);
    expect(first.stderr).toMatch(/^secure-sign: pulled 5 new envelopes into envelopes.ndjson \(last seq \d+\)\n$/);
    expect(first.code).toBe(0);

    for (let i = 5; i < 7; i++) {
      sealed.push(await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, i === 6 ? { email: 'SIGNER0@example.org' } : {}), createdAt: Date.UTC(2026, 10, 21, 0, 0, i) }));
      expect(await submit('open-letter', sealed[i]!)).toBe(201);
    }
    const second = await run(t.dir, pullArgs);
    expect(second.stderr).toMatch(/^secure-sign: pulled 2 new envelopes/);
    const pulled = lines(await readFile(t.path('envelopes.ndjson'), 'utf8'));
    // pull keeps the collector's arrival order with each envelope.
    expect(pulled.map((l) => JSON.parse(l).envelope.sid)).toEqual(sealed.map((e) => e.sid));
    const seqs = pulled.map((l) => JSON.parse(l).seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const csv = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--campaign', 'open-letter', '-i', 'envelopes.ndjson', '-o', 'signatures.csv']);
    expect(csv.stderr).toBe('secure-sign: opened 7 of 7 records\n');
    expect(csv.code).toBe(0);
    const rows = lines(await readFile(t.path('signatures.csv'), 'utf8'));
    expect(rows).toHaveLength(8);
    expect(rows[3]).toContain(`,individual,'=cmd|calc,signer2@example.org,`);

    const deduped = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'envelopes.ndjson', '-o', 'decrypted.ndjson', '--dedupe-email']);
    expect(deduped.stderr).toBe(
      'secure-sign: opened 7 of 7 records\nsecure-sign: dropped 0 duplicates by e-mail; wrote 6 records\n' +
        'secure-sign: warning: 1 conflicting records left out (1 with the e-mail address of an earlier record but other content); the first arrival was kept\n' +
        'secure-sign: warning: both sides of each conflict are in decrypted.ndjson.conflicts.ndjson: review them\n',
    );

    const built = await run(t.dir, ['wall', 'build', '--from', 'decrypted.ndjson', '-o', 'wall-data.json']);
    expect(built.code).toBe(0);
    const signed = await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'wall-data.json', '-o', 'wall.json']);
    expect(signed.code).toBe(0);
    const published = await run(t.dir, ['wall', 'publish', '--collector', url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--public-key', keys.publicKey.keyString, 'wall.json']);
    expect(published.stderr).toBe(`secure-sign: published ${url}/v1/campaigns/open-letter/files/wall.json\n`);
    expect(published.code).toBe(0);

    const served = await fetch(`${url}/v1/campaigns/open-letter/files/wall.json`);
    expect(served.status).toBe(200);
    const verified = await run(t.dir, ['verify', '--public-key', keys.publicKey.keyString, '--type', 'wall', '--campaign', 'open-letter', '-'], { stdin: await served.text() });
    expect(verified.code).toBe(0);
    // Even-numbered signers consented (signer 6 re-used signer 0's address with other content: a
    // conflict, the first arrival kept), newest arrival first.
    expect(JSON.parse(verified.stdout).data.entries.map((e: { name: string }) => e.name)).toEqual(['Signer 4', '=cmd|calc', 'Signer 0']);
    expect(JSON.parse(verified.stdout).serial).toBe(1);

    // The next wall: sign reads serial 1 from the collector and signs 2, even without the state file.
    const next = await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', '--collector', url, '--state', 'fresh-state.json', 'wall-data.json', '-o', 'wall-2.json']);
    expect(next.stderr).toMatch(/^secure-sign: signed the wall \(3 entries\): serial 2, /);
    const publishArgs = (file: string) => ['wall', 'publish', '--collector', url, '--campaign', 'open-letter', '--token-file', 'staff.token', file];
    expect((await run(t.dir, publishArgs('wall-2.json'))).code).toBe(0);
    // The old wall cannot come back.
    const rollback = await run(t.dir, publishArgs('wall.json'));
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toBe(
      'secure-sign: error: publish: the collector answered 409 stale-document: it already serves a document with serial 2\n' +
        'secure-sign: hint: sign again so the serial increases (secure-sign wall sign --collector URL ... reads the served serial), then publish the new file\n',
    );
  });

  it('pulls with the token that `secure-sign-collector campaign add` prints', async () => {
    const add = await collectorCommand(['campaign', 'add', 'second-letter', '--key', keys.publicKey.keyString, '--data-dir', t.path('data')]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    await writeFile(t.path('second.token'), add.stdout, { mode: 0o600 });
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign: 'second-letter', signer: signer(9) });
    expect(await submit('second-letter', envelope)).toBe(201);
    const r = await run(t.dir, ['pull', '--collector', url, '--campaign', 'second-letter', '--token-file', 'second.token', '--out', 'second.ndjson']);
    expect(r.stderr).toMatch(/^secure-sign: pulled 1 new envelopes into second.ndjson/);
    const wrong = await run(t.dir, ['pull', '--collector', url, '--campaign', 'open-letter', '--token-file', 'second.token', '--out', 'x.ndjson']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the collector answered 401 unauthorized');
  });
});
