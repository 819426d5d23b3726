import { MAX_ENVELOPE_BYTES, sealSubmission, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopes, generateCampaignKeys, keygen, ndjson, run, signer, tempDir } from './helpers.js';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
let good: Envelope[];

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  good = await envelopes(keys, 'open-letter', 40);
  await writeFile(t.path('good.ndjson'), ndjson(good));
});
afterAll(() => t.cleanup());

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
/** The same campaign key in another folder (so each test's default output files are its own). */
const keygenCopy = (dir: string): Promise<void> => copyFile(t.path('campaign.key'), join(dir, 'campaign.key'));

describe('decrypt to each format', () => {
  it('writes NDJSON in input order, one record per envelope, and exits 0', async () => {
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'good.ndjson', '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('secure-sign: opened 40 of 40 records\n');
    const records = lines(r.stdout).map((l) => JSON.parse(l));
    expect(records).toHaveLength(40);
    expect(records.map((x) => x.submissionId)).toEqual(good.map((e) => e.sid));
    expect(records[7]).toEqual({
      campaign: 'open-letter',
      submissionId: good[7]!.sid,
      createdAt: new Date(Date.UTC(2026, 10, 1) + 7000).toISOString(),
      signer: { kind: 'individual', name: 'Signer 7', email: 'signer7@example.org', consent: { listPublicly: false, contactLater: false } },
    });
  });

  it('keeps input order across many batches and workers (3000 envelopes)', async () => {
    const many = await envelopes(keys, 'open-letter', 3000);
    await writeFile(t.path('many.ndjson'), ndjson(many));
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'many.ndjson', '-o', 'many.csv', '--jobs', '3']);
    expect(r).toMatchObject({ code: 0, stderr: 'secure-sign: opened 3000 of 3000 records\n' });
    const rows = lines(await readFile(t.path('many.csv'), 'utf8')).slice(1);
    expect(rows).toHaveLength(3000);
    // Every cell follows the spreadsheet rule, ids included: one starting with '-' gets a leading '.
    expect(rows.map((row) => row.split(',')[0])).toEqual(many.map((e) => (e.sid.startsWith('-') ? `'${e.sid}` : e.sid)));
    expect(many.some((e) => e.sid.startsWith('-'))).toBe(true);
    expect(rows.map((row) => row.split(',')[4])).toEqual(many.map((_, i) => `Signer ${i}`));
  });

  it('writes CSV to a new 0600 file, and refuses to overwrite it', async () => {
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'good.ndjson', '-o', 'out.csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect((await stat(t.path('out.csv'))).mode & 0o777).toBe(0o600);
    const csv = lines(await readFile(t.path('out.csv'), 'utf8'));
    expect(csv[0]).toBe('submissionId,campaign,createdAt,kind,name,email,organisation,role,country,comment,listPublicly,contactLater,extra,seq,receivedAt');
    expect(csv).toHaveLength(41);
    // Bare envelope lines carry no arrival: the seq and receivedAt cells stay empty.
    expect(csv[1]).toBe(`${good[0]!.sid},open-letter,2026-11-01T00:00:00.000Z,individual,Signer 0,signer0@example.org,,,,,true,false,,,`);
    const again = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'good.ndjson', '-o', 'out.csv']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('secure-sign: error: output file out.csv already exists\nsecure-sign: hint: choose another name, or pass --force to overwrite it\n');
  });

  it('writes one JSON array, reading stdin', async () => {
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'json'], { stdin: ndjson(good.slice(0, 3)) });
    expect(r.code).toBe(0);
    const array = JSON.parse(r.stdout);
    expect(array.map((x: { submissionId: string }) => x.submissionId)).toEqual(good.slice(0, 3).map((e) => e.sid));
    const empty = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'json'], { stdin: '' });
    expect(empty).toMatchObject({ code: 0, stdout: '[]\n', stderr: 'secure-sign: opened 0 of 0 records\n' });
  });

  it('neutralises spreadsheet formulas in CSV cells', async () => {
    const hostile = await sealSubmission({
      publicKey: keys.publicKey,
      campaign: 'open-letter',
      signer: signer(1, { name: '=HYPERLINK("http://evil.example","x")', organisation: '@SUM(A1)', kind: 'organisation', comment: '-2+3\nsecond line', role: '+role' }),
      createdAt: 0,
    });
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'csv'], { stdin: ndjson([hostile]) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${hostile.sid},open-letter,1970-01-01T00:00:00.000Z,organisation,"'=HYPERLINK(""http://evil.example"",""x"")",signer1@example.org,'@SUM(A1),'+role,,"'-2+3\nsecond line",false,false,,,\n`);
  });

  it('reads export lines (as pull writes them) and bare envelopes, and keeps seq and receivedAt in every format', async () => {
    const exported = good.slice(0, 2).map((envelope, i) => ({ seq: 7 + i, receivedAt: `2026-11-27T10:00:0${i}.000Z`, envelope }));
    const input = ndjson([...exported, good[2]]);
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key'], { stdin: input });
    expect(r).toMatchObject({ code: 0, stderr: 'secure-sign: opened 3 of 3 records\n' });
    const records = lines(r.stdout).map((l) => JSON.parse(l));
    expect(records.map((x) => [x.submissionId, x.seq, x.receivedAt])).toEqual([
      [good[0]!.sid, 7, '2026-11-27T10:00:00.000Z'],
      [good[1]!.sid, 8, '2026-11-27T10:00:01.000Z'],
      [good[2]!.sid, undefined, undefined],
    ]);
    const csv = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'csv'], { stdin: input });
    expect(lines(csv.stdout).map((row) => row.split(',').slice(-2).join(','))).toEqual(['seq,receivedAt', '7,2026-11-27T10:00:00.000Z', '8,2026-11-27T10:00:01.000Z', ',']);
    const json = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'json'], { stdin: input });
    expect(JSON.parse(json.stdout).map((x: { seq?: number }) => x.seq)).toEqual([7, 8, undefined]);
  });

  it('refuses export lines whose seq or receivedAt is not what a collector writes', async () => {
    const bad = [
      `{"seq":0,"receivedAt":"2026-11-27T10:00:00.000Z","envelope":${JSON.stringify(good[0])}}`,
      `{"seq":1,"receivedAt":"2026-13-45T25:61:61.000Z","envelope":${JSON.stringify(good[1])}}`,
      `{"seq":2,"receivedAt":"2026-11-27T10:00:00.000Z","envelope":${JSON.stringify(good[2])},"x":1}`,
      `{"seq":"3","receivedAt":"2026-11-27T10:00:00.000Z","envelope":${JSON.stringify(good[3])}}`,
    ];
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key'], { stdin: bad.join('\n') + '\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('secure-sign: rejected 4: MALFORMED_ENVELOPE 4\n');
  });
});

describe('records that fail', () => {
  it('counts each reason exactly, writes the rejects file, keeps going and exits 3', async () => {
    const other = await generateCampaignKeys();
    const wrongKey = (await envelopes(other, 'open-letter', 2))[0]!;
    const otherCampaign = (await envelopes(keys, 'another-letter', 1))[0]!;
    const ct = good[1]!.ct;
    const tampered = { ...good[1]!, ct: ct.slice(0, 10) + (ct[10] === 'A' ? 'B' : 'A') + ct.slice(11) };
    const moved = { ...good[2]!, campaign: 'another-letter' };
    const resid = { ...good[3]!, sid: good[4]!.sid };
    const input = Buffer.concat([
      Buffer.from(ndjson([good[0], tampered, wrongKey, moved, resid, good[5]])),
      Buffer.from('this is not json\n'),
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), // invalid UTF-8
      Buffer.from('{"v":2}\n'),
      Buffer.from(`{"v":1,"pad":"${'x'.repeat(200_000)}"}\n`), // longer than any envelope
      Buffer.from('\n   \n'), // blank lines are not records
      Buffer.from(ndjson([good[6], otherCampaign])),
    ]);
    await writeFile(t.path('mixed.ndjson'), input);
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'mixed.ndjson', '--rejects', 'rejects.ndjson', '--jobs', '2']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'secure-sign: opened 4 of 12 records\n' +
        'secure-sign: rejected 8: AUTHENTICATION_FAILED 1, CAMPAIGN_MISMATCH 1, INVALID_UTF8 1, KEY_MISMATCH 1, MALFORMED_ENVELOPE 1, OVERSIZE 1, SUBMISSION_MISMATCH 1, UNSUPPORTED_VERSION 1\n' +
        'secure-sign: error: 8 of 12 records could not be opened\n' +
        'secure-sign: hint: the counts above give the reasons; --rejects FILE keeps those lines for inspection\n',
    );
    // The envelope for another campaign opens when no --campaign is given: it is authentic.
    expect(lines(r.stdout).map((l) => JSON.parse(l).submissionId)).toEqual([good[0]!.sid, good[5]!.sid, good[6]!.sid, otherCampaign.sid]);
    const rejects = lines(await readFile(t.path('rejects.ndjson'), 'utf8')).map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.line, x.reason])).toEqual([
      [2, 'AUTHENTICATION_FAILED'],
      [3, 'KEY_MISMATCH'],
      [4, 'CAMPAIGN_MISMATCH'],
      [5, 'SUBMISSION_MISMATCH'],
      [7, 'MALFORMED_ENVELOPE'],
      [8, 'INVALID_UTF8'],
      [9, 'UNSUPPORTED_VERSION'],
      [10, 'OVERSIZE'],
    ]);
    expect(rejects[0].text).toBe(JSON.stringify(tampered));
    expect(rejects[5].text).toBeUndefined();
    expect((await stat(t.path('rejects.ndjson'))).mode & 0o777).toBe(0o600);

    const strict = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'mixed.ndjson', '--campaign', 'open-letter']);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain('secure-sign: rejected 9: AUTHENTICATION_FAILED 1, CAMPAIGN_MISMATCH 2, INVALID_UTF8 1,');
    expect(lines(strict.stdout)).toHaveLength(3);
  });

  it('rejects everything sealed to another key, and opens rotated keys when both are given', async () => {
    const t2 = await tempDir();
    try {
      const oldKeys = await keygen(t2.dir, 'old.key');
      const newKeys = await keygen(t2.dir, 'new.key');
      const mixed = [...(await envelopes(oldKeys, 'open-letter', 3)), ...(await envelopes(newKeys, 'open-letter', 3))];
      await writeFile(t2.path('in.ndjson'), ndjson(mixed));
      const one = await run(t2.dir, ['decrypt', '--key', 'new.key', '-i', 'in.ndjson']);
      expect(one.code).toBe(3);
      expect(one.stderr).toContain('secure-sign: rejected 3: KEY_MISMATCH 3\n');
      const both = await run(t2.dir, ['decrypt', '--key', 'new.key', '--key', 'old.key', '-i', 'in.ndjson']);
      expect(both.code).toBe(0);
      expect(lines(both.stdout).map((l) => JSON.parse(l).submissionId)).toEqual(mixed.map((e) => e.sid));
    } finally {
      await t2.cleanup();
    }
  });

  it('survives a huge line without a line break, and a wrong passphrase stops before any output', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key'], { stdin: huge });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('secure-sign: rejected 1: OVERSIZE 1\n');
    const wrong = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'good.ndjson', '-o', 'never.csv'], { env: { SECURE_SIGN_PASSPHRASE: 'nope' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('secure-sign: error: wrong passphrase for key file campaign.key');
    await expect(stat(t.path('never.csv'))).rejects.toThrow();
  });
});

describe('--dedupe-email: arrival order, never createdAt', () => {
  const seal = (i: number, email: string, createdAt: number, more: Parameters<typeof signer>[1] = {}) =>
    sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, { email, ...more }), createdAt });
  const exported = (seq: number, envelope: Envelope) => ({ seq, receivedAt: new Date(Date.UTC(2026, 10, 27) + seq * 1000).toISOString(), envelope });

  it('keeps the first arrival by seq, even against a createdAt of 0, and reports the conflict for review', async () => {
    const t2 = await tempDir();
    try {
      const ada = signer(0, { name: 'Ada Lovelace', email: 'ada@example.org', consent: { listPublicly: false, contactLater: false } });
      const real = await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: ada, createdAt: Date.UTC(2026, 10, 20) });
      // Anyone who knows her address can seal this, and choose its createdAt.
      const forged = await sealSubmission({
        publicKey: keys.publicKey,
        campaign: 'open-letter',
        signer: { ...ada, name: 'Mallory', email: ' ADA@example.org', consent: { listPublicly: true, contactLater: true } },
        createdAt: 0,
      });
      const bob = await seal(1, 'bob@example.org', 1000);
      // Lines are not in arrival order: seq decides (the forged one arrived last).
      await writeFile(t2.path('in.ndjson'), ndjson([exported(30, forged), exported(10, real), exported(20, bob)]));
      await keygenCopy(t2.dir);
      const r = await run(t2.dir, ['decrypt', '--key', 'campaign.key', '-i', 'in.ndjson', '-o', 'out.ndjson', '--dedupe-email']);
      expect(r.stderr).toBe(
        'secure-sign: opened 3 of 3 records\n' +
          'secure-sign: dropped 0 duplicates by e-mail; wrote 2 records\n' +
          'secure-sign: warning: 1 conflicting records left out (1 with the e-mail address of an earlier record but other content); the first arrival was kept\n' +
          'secure-sign: warning: both sides of each conflict are in out.ndjson.conflicts.ndjson: review them\n',
      );
      expect(r.code).toBe(0);
      const out = lines(await readFile(t2.path('out.ndjson'), 'utf8')).map((l) => JSON.parse(l));
      expect(out.map((x) => [x.signer.name, x.seq, x.signer.consent])).toEqual([
        ['Ada Lovelace', 10, { listPublicly: false, contactLater: false }],
        ['Signer 1', 20, { listPublicly: false, contactLater: false }],
      ]);
      expect((await stat(t2.path('out.ndjson.conflicts.ndjson'))).mode & 0o777).toBe(0o600);
      const review = lines(await readFile(t2.path('out.ndjson.conflicts.ndjson'), 'utf8')).map((l) => JSON.parse(l));
      expect(review).toEqual([
        { conflict: 'e-mail', key: 'ada@example.org', kept: true, line: 2, seq: 10, records: 1, record: out[0] },
        { conflict: 'e-mail', key: 'ada@example.org', kept: false, line: 1, seq: 30, records: 1, record: expect.objectContaining({ submissionId: forged.sid, seq: 30 }) },
      ]);
      expect(review[1].record.signer.name).toBe('Mallory');

      // The review file is not overwritten by the next run; --conflicts names another.
      const again = await run(t2.dir, ['decrypt', '--key', 'campaign.key', '-i', 'in.ndjson', '-o', 'again.ndjson', '--dedupe-email', '--conflicts', 'out.ndjson.conflicts.ndjson']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('secure-sign: error: conflicts file out.ndjson.conflicts.ndjson already exists\n');
      const piped = await run(t2.dir, ['decrypt', '--key', 'campaign.key', '-i', 'in.ndjson', '--dedupe-email']);
      expect(piped.stderr).toContain('are in conflicts.ndjson: review them\n');
      expect(lines(await readFile(t2.path('conflicts.ndjson'), 'utf8'))).toHaveLength(2);
    } finally {
      await t2.cleanup();
    }
  });

  it('merges records with the same e-mail and content into the first arrival, consents narrowed', async () => {
    const t2 = await tempDir();
    try {
      const base = { name: 'Grace Hopper', organisation: 'Navy', kind: 'organisation' as const };
      const list = [
        exported(5, await seal(0, 'grace@example.org', 9000, { ...base, consent: { listPublicly: true, contactLater: true } })),
        exported(6, await seal(1, 'carol@example.org', 1000)),
        exported(9, await seal(2, ' Grace@Example.org', 0, { ...base, consent: { listPublicly: true, contactLater: false } })),
        exported(12, await seal(3, 'grace@example.org', 5, { ...base, consent: { listPublicly: false, contactLater: true } })),
      ];
      await keygenCopy(t2.dir);
      const r = await run(t2.dir, ['decrypt', '--key', 'campaign.key', '--dedupe-email', '--format', 'csv'], { stdin: ndjson(list) });
      expect(r.stderr).toBe('secure-sign: opened 4 of 4 records\nsecure-sign: dropped 2 duplicates by e-mail; wrote 2 records\n');
      expect(r.code).toBe(0);
      const rows = lines(r.stdout).slice(1).map((row) => row.split(','));
      // The first arrival's id, time and address; consent true only where every record said so.
      expect(rows.map((c) => [c[0], c[4], c[5], c[10], c[11], c[13]])).toEqual([
        [list[0]!.envelope.sid.replace(/^-/, "'-"), 'Grace Hopper', 'grace@example.org', 'false', 'false', '5'],
        [list[1]!.envelope.sid.replace(/^-/, "'-"), 'Signer 1', 'carol@example.org', 'false', 'false', '6'],
      ]);
      await expect(stat(t2.path('conflicts.ndjson'))).rejects.toThrow();
    } finally {
      await t2.cleanup();
    }
  });

  it('takes bare envelope lines (an older pull) as earlier than export lines, in input order', async () => {
    const early = await seal(0, 'dan@example.org', 9_000_000, { name: 'Dan (first)' });
    const late = await seal(1, 'dan@example.org', 1, { name: 'Dan (second)' });
    const lateBare = await seal(2, 'erin@example.org', 5, { name: 'Erin (second)' });
    const earlyBare = await seal(3, 'erin@example.org', 7, { name: 'Erin (first)' });
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--dedupe-email', '--conflicts', 'bare-conflicts.ndjson'], { stdin: ndjson([exported(1, late), early, earlyBare, lateBare]) });
    expect(lines(r.stdout).map((l) => JSON.parse(l).signer.name)).toEqual(['Dan (first)', 'Erin (first)']);
    expect(r.stderr).toContain('secure-sign: warning: 2 conflicting records left out');
  });
});

describe('replays', () => {
  it('drops exact repeats of a submission id and counts them, with or without --dedupe-email', async () => {
    const input = ndjson([good[0], good[1], good[0], { seq: 9, receivedAt: '2026-11-27T10:00:00.000Z', envelope: good[1] }, good[2]]);
    for (const extra of [[], ['--dedupe-email']]) {
      const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', ...extra], { stdin: input });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('secure-sign: opened 5 of 5 records\nsecure-sign: dropped 2 replays (same submission id and ciphertext as an earlier line)\n');
      expect(lines(r.stdout).map((l) => JSON.parse(l).submissionId)).toEqual([good[0]!.sid, good[1]!.sid, good[2]!.sid]);
    }
  });

  it('never writes two records for one submission id: another ciphertext under it is a conflict', async () => {
    const t2 = await tempDir();
    try {
      await keygenCopy(t2.dir);
      // A second envelope sealed under the same submission id (another name inside).
      const twin = await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', submissionId: good[4]!.sid, signer: signer(4, { name: 'Someone Else' }), createdAt: 0 });
      for (const format of ['ndjson', 'csv']) {
        const out = `out.${format}`;
        const r = await run(t2.dir, ['decrypt', '--key', 'campaign.key', '-o', out, '--format', format, '--jobs', '2'], { stdin: ndjson([good[4], good[5], twin, twin]) });
        expect(r.stderr).toBe(
          'secure-sign: opened 4 of 4 records\n' +
            'secure-sign: dropped 1 replays (same submission id and ciphertext as an earlier line)\n' +
            'secure-sign: warning: 1 conflicting records left out (1 with the submission id of an earlier record but another ciphertext); the first arrival was kept\n' +
            `secure-sign: warning: both sides of each conflict are in ${out}.conflicts.ndjson: review them\n`,
        );
        expect(r.code).toBe(0);
        expect(lines(await readFile(t2.path(out), 'utf8'))).toHaveLength(format === 'csv' ? 3 : 2);
        const review = lines(await readFile(t2.path(`${out}.conflicts.ndjson`), 'utf8')).map((l) => JSON.parse(l));
        expect(review).toEqual([
          { conflict: 'submission-id', key: good[4]!.sid, kept: true, line: 1 },
          { conflict: 'submission-id', key: good[4]!.sid, kept: false, line: 3, record: expect.objectContaining({ submissionId: good[4]!.sid, signer: expect.objectContaining({ name: 'Someone Else' }) }) },
        ]);
      }
    } finally {
      await t2.cleanup();
    }
  });
});

describe('one envelope size limit, the format\'s', () => {
  it('rejects the oversize vector, and an envelope of MAX_ENVELOPE_BYTES + 1 bytes, as OVERSIZE; opens one of exactly MAX_ENVELOPE_BYTES', async () => {
    const vector = await readFile(new URL('../../crypto/test-vectors/envelope-oversize-text.txt', import.meta.url), 'utf8');
    const body = vector.slice(vector.indexOf('\n\n') + 2).replace(/\n$/, '');
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_ENVELOPE_BYTES);
    // A real envelope, padded with JSON white space to an exact size: only its size can refuse it.
    const padded = (size: number): string => {
      const text = JSON.stringify(good[0]);
      return text.slice(0, -1) + ' '.repeat(size - Buffer.byteLength(text)) + '}';
    };
    expect(Buffer.byteLength(padded(MAX_ENVELOPE_BYTES + 1))).toBe(MAX_ENVELOPE_BYTES + 1);
    const input = [body, padded(MAX_ENVELOPE_BYTES + 1), padded(MAX_ENVELOPE_BYTES), `{"seq":4,"receivedAt":"2026-11-27T10:00:00.000Z","envelope":${padded(MAX_ENVELOPE_BYTES + 1)}}`].join('\n') + '\n';
    await writeFile(t.path('sizes.ndjson'), input);
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'sizes.ndjson', '--rejects', 'sizes-rejects.ndjson']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('secure-sign: opened 1 of 4 records\nsecure-sign: rejected 3: OVERSIZE 3\n');
    expect(lines(r.stdout).map((l) => JSON.parse(l).submissionId)).toEqual([good[0]!.sid]);
    const rejects = lines(await readFile(t.path('sizes-rejects.ndjson'), 'utf8')).map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.line, x.reason])).toEqual([[1, 'OVERSIZE'], [2, 'OVERSIZE'], [4, 'OVERSIZE']]);
  });
});

describe('a reader that goes away', () => {
  it('reports a closed pipe as an incomplete output, not a crash or a hang', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, baseEnv } = await import('./helpers.js');
    // 2,000 distinct records (a replay is not written): far more than a pipe buffers, so writing must hit the closed pipe.
    await writeFile(t.path('pipe.ndjson'), ndjson(await envelopes(keys, 'open-letter', 2000)));
    const child = spawn(process.execPath, [BIN, 'decrypt', '--key', 'campaign.key', '-i', 'pipe.ndjson', '--jobs', '2'], { cwd: t.dir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('secure-sign: error: cannot write to stdout: EPIPE\nsecure-sign: hint: the output is incomplete\n');
    expect(code).toBe(1);
  });
});

describe('memory', () => {
  it('stays flat: 40,000 lines (20,000 records, each replayed once) decrypt under a 16 MB JavaScript heap limit (per thread)', async () => {
    const distinct = await envelopes(keys, 'open-letter', 20_000);
    const block = ndjson(distinct);
    await writeFile(t.path('big.ndjson'), block.repeat(2));
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'big.ndjson', '-o', 'big.ndjson.out', '--jobs', '2'], {
      env: { NODE_OPTIONS: '--max-old-space-size=16' },
    });
    expect(r.stderr).toBe('secure-sign: opened 40000 of 40000 records\nsecure-sign: dropped 20000 replays (same submission id and ciphertext as an earlier line)\n');
    expect(r.code).toBe(0);
    const out = await readFile(t.path('big.ndjson.out'), 'utf8');
    expect(out.split('\n')).toHaveLength(20001);
  }, 180_000);
});
