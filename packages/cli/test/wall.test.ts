import { DEFAULT_DOCUMENT_VALIDITY_MS, sealSubmission, signDocument, verifyDocument, type CampaignKeyPair } from '@secure-sign/crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, ndjson, run, signer, tempDir } from './helpers.js';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
const sids: string[] = [];

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  const people = [
    signer(0, { name: 'Ada Lovelace', organisation: 'Analytical Engines', role: 'Founder', country: 'gb', comment: 'Encryption <script>alert(1)</script> matters.' }),
    signer(1, { name: 'Hidden Person' }), // no consent (odd index)
    signer(2, { name: 'Grace Hopper', kind: 'organisation', organisation: 'Navy' }),
    signer(4, { name: 'Not Allowed' }),
  ];
  const list = [];
  for (const [i, person] of people.entries()) {
    list.push(await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: person, createdAt: Date.UTC(2026, 0, 1 + i) }));
  }
  sids.push(...list.map((e) => e.sid));
  await writeFile(t.path('envelopes.ndjson'), ndjson(list));
  const d = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'envelopes.ndjson', '-o', 'decrypted.ndjson']);
  expect(d.code).toBe(0);
}, 60_000);
afterAll(() => t.cleanup());

describe('wall build, sign, verify', () => {
  it('keeps only consenting, allowed signers, newest first, without e-mail, and signs a verifiable wall', async () => {
    // Ids copied from the CSV may carry its leading ' (spreadsheet formula guard).
    await writeFile(t.path('allow.txt'), `# approved by staff\n${sids[0]}  # Ada\n${sids[1]}\n'${sids[2]}\n`);
    const built = await run(t.dir, ['wall', 'build', '--from', 'decrypted.ndjson', '--allow', 'allow.txt']);
    expect(built.code).toBe(0);
    expect(built.stderr).toBe('secure-sign: wall: 2 entries (2 signers left out: no consent or not on the allow list)\n');
    const data = JSON.parse(built.stdout);
    expect(data).toEqual({
      entries: [
        { name: 'Grace Hopper', organisation: 'Navy', kind: 'organisation' },
        { name: 'Ada Lovelace', organisation: 'Analytical Engines', role: 'Founder', country: 'GB', comment: 'Encryption <script>alert(1)</script> matters.', kind: 'individual' },
      ],
    });
    expect(Object.keys(data.entries[1])).toEqual(['name', 'organisation', 'role', 'country', 'comment', 'kind']);
    expect(built.stdout).not.toContain('@example.org');
    await writeFile(t.path('wall-data.json'), built.stdout);

    const signed = await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'wall-data.json', '-o', 'wall.json']);
    expect(signed.code).toBe(0);
    const doc = await readFile(t.path('wall.json'), 'utf8');
    const payload = await verifyDocument(keys.publicKey, doc, { type: 'wall', campaign: 'open-letter' });
    expect(payload.data).toEqual(data);

    const verified = await run(t.dir, ['verify', '--public-key', keys.publicKey.keyString, '--type', 'wall', '--campaign', 'open-letter', 'wall.json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual(payload);
    expect(payload.serial).toBe(1);
    expect(Date.parse(payload.validUntil) - Date.parse(payload.issuedAt)).toBe(DEFAULT_DOCUMENT_VALIDITY_MS);
    expect(signed.stderr).toBe(
      `secure-sign: signed the wall (2 entries): serial 1, issued ${payload.issuedAt}, valid until ${payload.validUntil}, key ${keys.publicKey.fingerprint}\n`,
    );
    expect(verified.stderr).toBe(
      `secure-sign: good signature: wall for campaign open-letter, serial 1, issued ${payload.issuedAt}, valid until ${payload.validUntil}, key ${keys.publicKey.fingerprint}\n`,
    );
  });

  it('without an allow list, lists every consenting signer', async () => {
    const r = await run(t.dir, ['wall', 'build'], { stdin: await readFile(t.path('decrypted.ndjson')) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).entries.map((e: { name: string }) => e.name)).toEqual(['Not Allowed', 'Grace Hopper', 'Ada Lovelace']);
  });

  it('refuses to verify a tampered wall, or one checked with another key', async () => {
    await writeFile(t.path('data.json'), JSON.stringify({ entries: [{ name: 'A', kind: 'individual' }] }));
    expect((await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'data.json', '-o', 'w.json'])).code).toBe(0);
    const doc = JSON.parse(await readFile(t.path('w.json'), 'utf8'));
    doc.payload.data.entries[0].name = 'B';
    await writeFile(t.path('tampered.json'), JSON.stringify(doc));
    const r = await run(t.dir, ['verify', '--key', 'campaign.key', 'tampered.json']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      'secure-sign: error: verification failed (AUTHENTICATION_FAILED): authentication failed: wrong key or tampered data\nsecure-sign: hint: do not publish or trust this document\n',
    );
    const t2 = await tempDir();
    try {
      await keygen(t2.dir, 'other.key');
      const other = await run(t2.dir, ['verify', '--key', 'other.key', t.path('w.json')]);
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('verification failed (KEY_MISMATCH)');
      const wrongCampaign = await run(t.dir, ['verify', '--key', 'campaign.key', '--campaign', 'another', 'w.json']);
      expect(wrongCampaign.stderr).toContain('verification failed (CAMPAIGN_MISMATCH)');
    } finally {
      await t2.cleanup();
    }
  });

  it('refuses to sign wall data that carries an e-mail address or unknown fields', async () => {
    await writeFile(t.path('bad.json'), JSON.stringify({ entries: [{ name: 'A', kind: 'individual', email: 'a@example.org' }] }));
    const r = await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'bad.json']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      'secure-sign: error: the wall data is not valid at entries.0\nsecure-sign: hint: entries are { name, organisation?, role?, country?, comment?, kind } and nothing else (no e-mail)\n',
    );
  });

  it('refuses a decrypted file that is not decrypted records', async () => {
    const r = await run(t.dir, ['wall', 'build'], { stdin: '{"hello":"world"}\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('secure-sign: error: line 1 of the decrypted records is not a decrypted record\n');
  });
});

/** A decrypted record as `decrypt` writes it. */
function rec(n: number, fields: { seq?: number; email: string; name: string; listPublicly?: boolean; contactLater?: boolean; createdAt?: string; comment?: string }) {
  return {
    campaign: 'open-letter',
    submissionId: `sid${String(n).padStart(18, '0')}A`,
    ...(fields.seq === undefined ? {} : { seq: fields.seq, receivedAt: new Date(Date.UTC(2026, 10, 27) + fields.seq * 1000).toISOString() }),
    createdAt: fields.createdAt ?? '2026-11-27T10:00:00.000Z',
    signer: {
      kind: 'individual',
      name: fields.name,
      email: fields.email,
      ...(fields.comment === undefined ? {} : { comment: fields.comment }),
      consent: { listPublicly: fields.listPublicly ?? true, contactLater: fields.contactLater ?? false },
    },
  };
}

describe('wall build: arrival order, one entry per address, conflicts', () => {
  it('orders by seq (newest arrival first), never by createdAt, and keeps the first arrival per e-mail', async () => {
    const records = [
      rec(1, { seq: 40, email: 'mallory@example.org', name: 'Mallory', createdAt: '9999-12-31T23:59:59.999Z' }),
      rec(2, { seq: 10, email: 'ada@example.org', name: 'Ada' }),
      // Someone else using Ada's address, claiming to be earlier: arrived later, so it is the conflict.
      rec(3, { seq: 30, email: 'ADA@example.org ', name: 'Not Ada', createdAt: '1970-01-01T00:00:00.000Z' }),
      rec(4, { seq: 20, email: 'grace@example.org', name: 'Grace' }),
    ];
    const r = await run(t.dir, ['wall', 'build', '-o', 'arrival.json'], { stdin: records.map((x) => JSON.stringify(x) + '\n').join('') });
    expect(r.stderr).toBe(
      'secure-sign: wall: 3 entries (0 signers left out: no consent)\n' +
        'secure-sign: warning: 1 conflicting records left out (1 with the e-mail address of an earlier record but other content); the first arrival was kept\n' +
        'secure-sign: warning: both sides of each conflict are in arrival.json.conflicts.ndjson: review them\n',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(t.path('arrival.json'), 'utf8')).entries.map((e: { name: string }) => e.name)).toEqual(['Mallory', 'Grace', 'Ada']);
    const review = (await readFile(t.path('arrival.json.conflicts.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(review.map((x) => [x.conflict, x.key, x.kept, x.line, x.seq, x.record.signer.name])).toEqual([
      ['e-mail', 'ada@example.org', true, 2, 10, 'Ada'],
      ['e-mail', 'ada@example.org', false, 3, 30, 'Not Ada'],
    ]);
    expect((await stat(t.path('arrival.json.conflicts.ndjson'))).mode & 0o777).toBe(0o600);
  });

  it('merges the same person signing twice, leaving them off the wall if either record withheld consent; drops replays', async () => {
    const once = rec(5, { seq: 1, email: 'eve@example.org', name: 'Eve', comment: 'Yes.' });
    const records = [
      once,
      rec(6, { seq: 2, email: 'eve@example.org', name: 'Eve', comment: 'Yes.', listPublicly: false }),
      rec(7, { seq: 3, email: 'finn@example.org', name: 'Finn' }),
      rec(8, { seq: 4, email: 'finn@example.org', name: 'Finn' }),
      { ...once, seq: 9, receivedAt: '2026-11-28T00:00:00.000Z' }, // the same submission again
    ];
    await writeFile(t.path('twice.ndjson'), records.map((x) => JSON.stringify(x) + '\n').join(''));
    // The allow list may name any of the merged submissions.
    await writeFile(t.path('allow-finn.txt'), `${records[3]!.submissionId}\n${records[0]!.submissionId}\n`);
    const r = await run(t.dir, ['wall', 'build', '--from', 'twice.ndjson', '--allow', 'allow-finn.txt']);
    expect(r.stderr).toBe(
      'secure-sign: wall: 1 entries (1 signers left out: no consent or not on the allow list)\n' +
        'secure-sign: dropped 1 replays (same submission id and content as an earlier line)\n' +
        'secure-sign: merged 2 duplicates by e-mail into the first arrival (consents: the most restrictive)\n',
    );
    expect(JSON.parse(r.stdout).entries).toEqual([{ name: 'Finn', kind: 'individual' }]);
    await expect(stat(t.path('wall-conflicts.ndjson'))).rejects.toThrow();
  });

  it('reports the same submission id with other content as a conflict, never two entries', async () => {
    const a = rec(9, { seq: 1, email: 'gil@example.org', name: 'Gil' });
    const b = { ...rec(9, { seq: 2, email: 'hal@example.org', name: 'Hal' }) };
    const r = await run(t.dir, ['wall', 'build', '--conflicts', 'sid-conflicts.ndjson'], { stdin: [a, b].map((x) => JSON.stringify(x) + '\n').join('') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).entries.map((e: { name: string }) => e.name)).toEqual(['Gil']);
    expect(r.stderr).toContain('secure-sign: warning: 1 conflicting records left out (1 with the submission id of an earlier record but other content)');
    const review = (await readFile(t.path('sid-conflicts.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(review.map((x) => [x.conflict, x.kept, x.line, x.record?.signer.name])).toEqual([
      ['submission-id', true, 1, undefined],
      ['submission-id', false, 2, 'Hal'],
    ]);
  });
});

describe('wall sign: serial and validity; verify: expiry', () => {
  it('counts serials in the state file beside the key, takes --serial and --valid-for, refuses a junk duration', async () => {
    const t2 = await tempDir();
    try {
      const k = await keygen(t2.dir);
      await writeFile(t2.path('data.json'), JSON.stringify({ entries: [{ name: 'A', kind: 'individual' }] }));
      const sign = (...more: string[]) => run(t2.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'data.json', ...more]);
      const serialOf = async (text: string) => (await verifyDocument(k.publicKey, text, { type: 'wall', campaign: 'open-letter' })).serial;
      expect(await serialOf((await sign()).stdout)).toBe(1);
      expect(await serialOf((await sign()).stdout)).toBe(2);
      expect(JSON.parse(await readFile(t2.path('campaign.key.walls.json'), 'utf8'))).toMatchObject({ v: 1, walls: { 'open-letter': { serial: 2 } } });
      expect((await stat(t2.path('campaign.key.walls.json'))).mode & 0o777).toBe(0o600);
      expect(await serialOf((await sign('--serial', '41')).stdout)).toBe(41);
      expect(await serialOf((await sign()).stdout)).toBe(42);
      expect(await serialOf((await sign('--state', 'other-state.json')).stdout)).toBe(1);

      const short = await sign('--valid-for', '12h');
      const payload = await verifyDocument(k.publicKey, short.stdout);
      expect(Date.parse(payload.validUntil) - Date.parse(payload.issuedAt)).toBe(12 * 3600 * 1000);
      for (const junk of ['30', '1.5d', '0d', 'soon', '3651d', '1D']) {
        const r = await sign('--valid-for', junk);
        expect(r).toMatchObject({ code: 2, stdout: '' });
        expect(r.stderr).toContain(`secure-sign: error: option '--valid-for <duration>' argument '${junk}' is invalid.`);
        expect(r.stderr).toContain('write a whole number and a unit (s, m, h, d, w), e.g. 30d or 12h');
      }
    } finally {
      await t2.cleanup();
    }
  });

  it('verify refuses an expired wall and one older than --min-serial, saying what to do', async () => {
    const old = await signDocument(keys, {
      type: 'wall',
      campaign: 'open-letter',
      serial: 3,
      issuedAt: new Date(Date.UTC(2026, 0, 1)),
      validUntil: new Date(Date.UTC(2026, 0, 31)),
      data: { entries: [] },
    });
    await writeFile(t.path('old.json'), JSON.stringify(old));
    const r = await run(t.dir, ['verify', '--key', 'campaign.key', 'old.json']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^secure-sign: error: verification failed \(DOCUMENT_EXPIRED\): .*\nsecure-sign: hint: it is past its validUntil: sign a new one \(secure-sign wall sign\) and publish that\n$/);
    const fresh = await signDocument(keys, { type: 'wall', campaign: 'open-letter', serial: 3, data: { entries: [] } });
    await writeFile(t.path('fresh.json'), JSON.stringify(fresh));
    const rolled = await run(t.dir, ['verify', '--key', 'campaign.key', '--min-serial', '4', 'fresh.json']);
    expect(rolled.code).toBe(1);
    expect(rolled.stderr).toContain('verification failed (DOCUMENT_ROLLED_BACK)');
    expect((await run(t.dir, ['verify', '--key', 'campaign.key', '--min-serial', '3', 'fresh.json'])).code).toBe(0);
  });
});

