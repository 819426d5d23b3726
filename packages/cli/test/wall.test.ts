import { sealSubmission, verifyDocument, type CampaignKeyPair } from '@secure-sign/crypto';
import { readFile, writeFile } from 'node:fs/promises';
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
});
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
    expect(verified.stderr).toBe(`secure-sign: good signature: wall for campaign open-letter, issued ${payload.issuedAt}, key ${keys.publicKey.fingerprint}\n`);
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
