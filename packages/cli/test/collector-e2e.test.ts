// The whole staff flow against the real collector binary: register, submissions through its
// public API (proof of work solved with altcha-lib, as the widget does), pull, decrypt, and the
// signer wall published and fetched back.
import { sealSubmission, sealWithdrawable, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { MemoryTree, SIGNATURE_TYPE_COSIGNATURE_ED25519, ed25519NoteSigner, formatCheckpoint, formatVerifierKey, leafHash, signNote } from '@secure-sign/crypto/log';
import { createPrivateKey, createPublicKey, randomBytes, sign as edSign } from 'node:crypto';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, run, signer, tempDir } from './helpers.js';
import { COLLECTOR, COLLECTOR_BUILT as BUILT, startCollector, submitEnvelope, waitForLog as waitForLogOf, type RealCollector } from './real-collector.js';

const ADMIN = 'test-admin-token-'.padEnd(48, 'z');

let t: Awaited<ReturnType<typeof tempDir>>;
let collector: RealCollector | undefined;
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

/** Submits an envelope; its status and (for a 2xx) the receipt the collector answers. */
const submitWithReceipt = (campaign: string, envelope: Envelope): Promise<{ status: number; body: unknown }> => submitEnvelope(url, campaign, envelope);
const submit = async (campaign: string, envelope: Envelope): Promise<number> => (await submitEnvelope(url, campaign, envelope)).status;
const waitForLog = (campaign: string, size: number): Promise<void> => waitForLogOf(url, campaign, size);

beforeAll(async () => {
  if (!BUILT) return;
  t = await tempDir();
  keys = await keygen(t.dir);
  await writeFile(t.path('admin.token'), ADMIN + '\n', { mode: 0o600 });
  collector = await startCollector(t.path('data'), ADMIN);
  url = collector.url;
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  await t?.cleanup();
});

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe.skipIf(!BUILT)('with the real collector', () => {
  it('register, submit, pull incrementally, decrypt, publish the wall and verify what the collector serves', async () => {
    const reg = await run(t.dir, ['register', '--collector', url, '--campaign', 'open-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--goal', '100', '--token-out', 'staff.token']);
    expect(reg.stderr).toMatch(/^secure-sign: registered open-letter; staff token written to staff.token\nsecure-sign: log key of open-letter \(pin it: secure-sign pull --log-key \.\.\.\): \S+\+[0-9a-f]{8}\+\S+\n$/);
    expect(reg.code).toBe(0);
    const again = await run(t.dir, ['register', '--collector', url, '--campaign', 'open-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('secure-sign: error: register: the collector answered 409 campaign-exists\n');

    const sealed: Envelope[] = [];
    for (let i = 0; i < 5; i++) {
      sealed.push(await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, i === 2 ? { name: '=cmd|calc', comment: 'Strong encryption protects everyone.' } : {}), createdAt: Date.UTC(2026, 10, 20, 0, 0, i) }));
      expect(await submit('open-letter', sealed[i]!)).toBe(201);
    }
    await waitForLog('open-letter', 5);
    const pullArgs = ['pull', '--collector', url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--out', 'envelopes.ndjson', '--log-key', printedLogKey(reg.stderr)];
    const first = await run(t.dir, pullArgs);
    expect(first.stderr).toMatch(/^secure-sign: pulled 5 new envelopes into envelopes.ndjson \(last seq \d+\)\nsecure-sign: verified against the log: the 5 entries/);
    expect(first.code).toBe(0);

    for (let i = 5; i < 7; i++) {
      sealed.push(await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, i === 6 ? { email: 'SIGNER0@example.org' } : {}), createdAt: Date.UTC(2026, 10, 21, 0, 0, i) }));
      expect(await submit('open-letter', sealed[i]!)).toBe(201);
    }
    await waitForLog('open-letter', 7);
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
    // No --log-key: the first pull pins the published key, and says so.
    expect(r.stderr).toMatch(/^secure-sign: warning: no log key was pinned for this campaign; pinning the key the collector publishes now:\n/);
    expect(r.stderr).toMatch(/\nsecure-sign: pulled 1 new envelopes into second.ndjson/);
    const wrong = await run(t.dir, ['pull', '--collector', url, '--campaign', 'open-letter', '--token-file', 'second.token', '--out', 'x.ndjson']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the collector answered 401 unauthorized');
  });
});

/** The log key `register` printed. */
const printedLogKey = (stderr: string): string => /log key of [a-z-]+ \(pin it: secure-sign pull --log-key \.\.\.\): (\S+)\n/.exec(stderr)![1]!;

/** The receipt file the widget saves (docs/api.md), from a 2xx answer. */
function receiptFile(campaign: string, vkey: string, answer: unknown, secret?: string): string {
  const a = answer as { sid: string; receivedAt: string; log: { origin: string; index: number; entry: string; promise: string } };
  return JSON.stringify({
    secureSignReceipt: 1,
    collector: url,
    campaign,
    sid: a.sid,
    receivedAt: a.receivedAt,
    log: { ...a.log, vkey },
    ...(secret === undefined ? {} : { withdrawal: { code: `${a.sid}.${secret}`, page: `${url}/v1/campaigns/${campaign}/withdraw` } }),
  });
}

/** The collector's SQLite database, opened with the collector's own driver (tampering, as an attacker with the host would). */
function database(): { prepare(sql: string): { run(...args: unknown[]): { changes: number }; get(...args: unknown[]): unknown; all(...args: unknown[]): unknown[] }; close(): void } {
  const require = createRequire(fileURLToPath(new URL('../../collector/package.json', import.meta.url)));
  const Database = require('better-sqlite3') as new (path: string) => ReturnType<typeof database>;
  return new Database(t.path('data/collector.sqlite'));
}

describe.skipIf(!BUILT)('the log, receipts and withdrawals with the real collector (issue 11)', () => {
  it('register prints the log key; pull verifies; receipt check says counted, then withdrawn; decrypt leaves the withdrawal out', async () => {
    const reg = await run(t.dir, ['register', '--collector', url, '--campaign', 'log-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--token-out', 'log.token']);
    expect(reg.code).toBe(0);
    const vkey = printedLogKey(reg.stderr);
    const signed = [];
    for (let i = 0; i < 4; i++) {
      const { envelope, withdrawalSecret } = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'log-letter', signer: signer(i) });
      const answer = await submitWithReceipt('log-letter', envelope);
      expect(answer.status).toBe(201);
      await writeFile(t.path(`receipt-${i}.json`), receiptFile('log-letter', vkey, answer.body, withdrawalSecret));
      signed.push({ envelope, withdrawalSecret });
    }
    await waitForLog('log-letter', 4);
    const pullArgs = ['pull', '--collector', url, '--campaign', 'log-letter', '--token-file', 'log.token', '--out', 'log.ndjson', '--log-key', vkey];
    const first = await run(t.dir, pullArgs);
    expect(first.stderr).toMatch(/^secure-sign: pulled 4 new envelopes into log.ndjson \(last seq 4\)\nsecure-sign: verified against the log: the 4 entries of its latest checkpoint are exactly the lines pulled; signed count 4 \(0 confirmed\) recounted\n$/);
    expect(first.code).toBe(0);
    const counted = await run(t.dir, ['receipt', 'check', 'receipt-1.json', '--log-key', vkey]);
    expect(counted).toMatchObject({ code: 0, stdout: 'counted in the log of log-letter at position 2 of 4\n' });

    // The signer of the second signature withdraws it.
    const withdrawn = await fetch(`${url}/v1/campaigns/log-letter/withdrawals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sid: signed[1]!.envelope.sid, secret: signed[1]!.withdrawalSecret }),
    });
    expect(withdrawn.status).toBe(200);
    await waitForLog('log-letter', 5);
    const second = await run(t.dir, pullArgs);
    expect(second.stderr).toBe(
      'secure-sign: pulled 0 new envelopes (and 1 withdrawals, 0 removals by the operator, 0 envelopes whose ciphertext is gone) into log.ndjson (last seq 5)\n' +
        'secure-sign: verified against the log: the 5 entries of its latest checkpoint are exactly the lines pulled; signed count 3 (0 confirmed) recounted\n',
    );
    expect(second.code).toBe(0);
    const after = await run(t.dir, ['receipt', 'check', 'receipt-1.json', '--log-key', vkey]);
    expect(after).toMatchObject({ code: 5, stdout: 'withdrawn at position 5 of the log of log-letter (it was counted at position 2)\n' });
    expect((await run(t.dir, ['receipt', 'check', 'receipt-0.json'])).stdout).toBe('counted in the log of log-letter at position 1 of 5\n');

    const decrypted = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'log.ndjson', '-o', 'log-signatures.ndjson']);
    expect(decrypted.stderr).toBe('secure-sign: opened 4 of 4 records\nsecure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, left out\n');
    expect(decrypted.code).toBe(0);
    expect(lines(await readFile(t.path('log-signatures.ndjson'), 'utf8')).map((l) => JSON.parse(l).submissionId)).toEqual([0, 2, 3].map((i) => signed[i]!.envelope.sid));
    // A fresh pull (everything from the start) gets the removed line and the withdrawal, and decrypt agrees.
    const fresh = await run(t.dir, ['pull', '--collector', url, '--campaign', 'log-letter', '--token-file', 'log.token', '--out', 'fresh.ndjson', '--log-key', vkey]);
    expect(fresh.stderr).toContain('secure-sign: pulled 3 new envelopes (and 1 withdrawals, 0 removals by the operator, 1 envelopes whose ciphertext is gone)');
    expect(fresh.code).toBe(0);
    const again = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'fresh.ndjson', '-o', 'fresh-signatures.ndjson']);
    expect(again.stderr).toBe('secure-sign: opened 3 of 3 records\nsecure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, left out\n');
  });

  it('a dropped envelope and a rewritten history are caught by pull and by receipt check', async () => {
    const reg = await run(t.dir, ['register', '--collector', url, '--campaign', 'tamper-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--token-out', 'tamper.token']);
    const vkey = printedLogKey(reg.stderr);
    for (let i = 0; i < 3; i++) {
      const answer = await submitWithReceipt('tamper-letter', await sealSubmission({ publicKey: keys.publicKey, campaign: 'tamper-letter', signer: signer(i) }));
      expect(answer.status).toBe(201);
      await writeFile(t.path(`tamper-${i}.json`), receiptFile('tamper-letter', vkey, answer.body));
    }
    await waitForLog('tamper-letter', 3);
    const pullArgs = (out: string) => ['pull', '--collector', url, '--campaign', 'tamper-letter', '--token-file', 'tamper.token', '--out', out, '--log-key', vkey];
    expect((await run(t.dir, pullArgs('tamper.ndjson'))).code).toBe(0);

    const db = database();
    try {
      // The collector drops the second envelope after acknowledging it: staff who pull now are told.
      const row = db.prepare("SELECT * FROM submissions WHERE campaign = 'tamper-letter' AND seq = 2").get() as Record<string, unknown>;
      expect(db.prepare("DELETE FROM submissions WHERE campaign = 'tamper-letter' AND seq = 2").run().changes).toBe(1);
      const dropped = await run(t.dir, pullArgs('tamper-late.ndjson'));
      expect(dropped.code).toBe(1);
      expect(dropped.stderr).toContain('secure-sign: error: the export skipped seq 2: the log holds 1 entries that were not given to staff\n');
      const columns = Object.keys(row);
      db.prepare(`INSERT INTO submissions (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => row[c]));

      // Its entry bundle lies about the third entry (the tiles and the checkpoint do not).
      const third = (db.prepare("SELECT log_entry FROM submissions WHERE campaign = 'tamper-letter' AND seq = 3").get() as { log_entry: Buffer }).log_entry;
      const lie = Buffer.from(third);
      lie[30] = lie[30]! ^ 1;
      db.prepare("UPDATE submissions SET log_entry = ? WHERE campaign = 'tamper-letter' AND seq = 3").run(lie);
      const lying = await run(t.dir, pullArgs('tamper-bundle.ndjson'));
      expect(lying.code).toBe(1);
      expect(lying.stderr).toContain("secure-sign: error: the collector's log serves entries that do not match its signed checkpoint (entries 0 to 2)\n");
      const lyingReceipt = await run(t.dir, ['receipt', 'check', 'tamper-0.json', '--log-key', vkey]);
      expect(lyingReceipt).toMatchObject({ code: 6, stdout: "the log of tamper-letter serves entries that do not match its signed checkpoint\n" });
      db.prepare("UPDATE submissions SET log_entry = ? WHERE campaign = 'tamper-letter' AND seq = 3").run(third);

      // It rewrites history: the log without that envelope (another entry in its place), re-signed with its own key.
      const seed = (db.prepare("SELECT value FROM secrets WHERE name = 'log-key'").get() as { value: string }).value;
      const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed, 'hex')]), format: 'der', type: 'pkcs8' });
      const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32));
      const rows = db.prepare("SELECT log_entry FROM submissions WHERE campaign = 'tamper-letter' ORDER BY seq").all() as { log_entry: Buffer }[];
      const entries = rows.map((r) => new Uint8Array(r.log_entry));
      entries[1] = new Uint8Array([1, ...randomBytes(48)]);
      db.prepare("UPDATE submissions SET log_entry = ? WHERE campaign = 'tamper-letter' AND seq = 2").run(Buffer.from(entries[1]));
      const tree = new MemoryTree();
      const hashes = tree.appendAll(entries.map((e) => leafHash(e)));
      db.prepare("DELETE FROM log_hashes WHERE campaign = 'tamper-letter'").run();
      for (const { id, hash } of hashes) db.prepare("INSERT INTO log_hashes (campaign, level, idx, hash) VALUES ('tamper-letter', ?, ?, ?)").run(id.level, id.index, Buffer.from(hash));
      const origin = vkey.slice(0, vkey.indexOf('+'));
      const note = await signNote(formatCheckpoint({ origin, size: 3, rootHash: tree.root(), extensions: ['count 3'] }), [
        ed25519NoteSigner(origin, publicKey, (m) => new Uint8Array(edSign(null, m, privateKey))),
      ]);
      expect(db.prepare("UPDATE log_checkpoints SET root = ?, note = ? WHERE campaign = 'tamper-letter'").run(Buffer.from(tree.root()), note).changes).toBe(1);
    } finally {
      db.close();
    }
    const before = await readFile(t.path('tamper.ndjson'), 'utf8');
    const rewritten = await run(t.dir, pullArgs('tamper.ndjson'));
    expect(rewritten.code).toBe(1);
    expect(rewritten.stderr).toContain("secure-sign: error: the collector's log rewrote its history: its checkpoint of 3 entries does not extend the one of 3 entries verified earlier; nothing was pulled\n");
    expect(await readFile(t.path('tamper.ndjson'), 'utf8')).toBe(before);
    // The signer of the second signature finds it missing although promised; the others are still counted.
    const missing = await run(t.dir, ['receipt', 'check', 'tamper-1.json', '--log-key', vkey]);
    expect(missing).toMatchObject({ code: 6, stdout: "missing although promised: the log of tamper-letter (3 entries) does not hold the receipt's entry at position 2\n" });
    expect(missing.stderr).toContain('secure-sign: error: this is proof that the collector misbehaved: keep tamper-1.json');
    expect(await run(t.dir, ['receipt', 'check', 'tamper-0.json', '--log-key', vkey])).toMatchObject({ code: 0, stdout: 'counted in the log of tamper-letter at position 1 of 3\n' });
  });

  it('witnesses are not wired on the collector yet: pull and receipt check with --witness refuse its checkpoint (no cosignature)', async () => {
    const reg = await run(t.dir, ['register', '--collector', url, '--campaign', 'witness-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--token-out', 'witness.token']);
    const vkey = printedLogKey(reg.stderr);
    const { envelope } = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'witness-letter', signer: signer(1) });
    const answer = await submitWithReceipt('witness-letter', envelope);
    expect(answer.status).toBe(201);
    await writeFile(t.path('witness-0.json'), receiptFile('witness-letter', vkey, answer.body));
    await waitForLog('witness-letter', 1);
    // A partner's witness key (type 0x04); the collector never sends it a checkpoint to cosign.
    const witness = formatVerifierKey('witness.partner.example', new Uint8Array(randomBytes(32)), SIGNATURE_TYPE_COSIGNATURE_ED25519);
    const refused = 'the checkpoint is cosigned by 0 of the 1 witnesses required (cosigned: none; no cosignature: witness.partner.example); the checkpoint is refused\n';
    const pulled = await run(t.dir, ['pull', '--collector', url, '--campaign', 'witness-letter', '--token-file', 'witness.token', '--out', 'witness.ndjson', '--log-key', vkey, '--witness', witness]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain(`secure-sign: error: checking the log: ${refused}`);
    const checked = await run(t.dir, ['receipt', 'check', 'witness-0.json', '--log-key', vkey, '--witness', witness]);
    expect(checked).toMatchObject({ code: 1, stdout: '' });
    expect(checked.stderr).toContain(`secure-sign: error: reading the log: ${refused}`);
    // Without --witness the same log checks out.
    expect(await run(t.dir, ['receipt', 'check', 'witness-0.json', '--log-key', vkey])).toMatchObject({ code: 0, stdout: 'counted in the log of witness-letter at position 1 of 1\n' });
  });
});
