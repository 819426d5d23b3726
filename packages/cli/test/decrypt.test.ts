import { sealSubmission, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
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
    expect(csv[0]).toBe('submissionId,campaign,createdAt,kind,name,email,organisation,role,country,comment,listPublicly,contactLater,extra');
    expect(csv).toHaveLength(41);
    expect(csv[1]).toBe(`${good[0]!.sid},open-letter,2026-11-01T00:00:00.000Z,individual,Signer 0,signer0@example.org,,,,,true,false,`);
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
    expect(r.stdout).toContain(`${hostile.sid},open-letter,1970-01-01T00:00:00.000Z,organisation,"'=HYPERLINK(""http://evil.example"",""x"")",signer1@example.org,'@SUM(A1),'+role,,"'-2+3\nsecond line",false,false,\n`);
  });

  it('accepts collector export lines too', async () => {
    const exported = good.slice(0, 2).map((envelope, i) => ({ seq: i + 1, receivedAt: '2026-11-27T10:00:00.000Z', envelope }));
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key'], { stdin: ndjson(exported) });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(2);
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

describe('--dedupe-email', () => {
  it('keeps the earliest record per normalised e-mail, in input order', async () => {
    const seal = (i: number, email: string, createdAt: number) =>
      sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, { email }), createdAt });
    const list = [
      await seal(0, 'Ada@Example.org', 5000),
      await seal(1, 'bob@example.org', 1000),
      await seal(2, '  ada@example.ORG ', 2000), // earlier: wins over line 1
      await seal(3, 'BOB@example.org', 3000),
      await seal(4, 'carol@example.org', 4000),
    ];
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--dedupe-email'], { stdin: ndjson(list) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('secure-sign: opened 5 of 5 records\nsecure-sign: dropped 2 duplicates by e-mail; wrote 3 records\n');
    expect(lines(r.stdout).map((l) => JSON.parse(l).signer.name)).toEqual(['Signer 1', 'Signer 2', 'Signer 4']);
  });
});

describe('a reader that goes away', () => {
  it('reports a closed pipe as an incomplete output, not a crash or a hang', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, baseEnv } = await import('./helpers.js');
    // 20,000 records: far more than a pipe buffers, so writing must hit the closed pipe.
    await writeFile(t.path('pipe.ndjson'), ndjson(good).repeat(500));
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
  it('stays flat: 40,000 records decrypt under a 16 MB JavaScript heap limit (per thread)', async () => {
    const distinct = await envelopes(keys, 'open-letter', 500);
    const block = ndjson(distinct);
    await writeFile(t.path('big.ndjson'), block.repeat(80));
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'big.ndjson', '-o', 'big.ndjson.out', '--jobs', '2'], {
      env: { NODE_OPTIONS: '--max-old-space-size=16' },
    });
    expect(r.stderr).toBe('secure-sign: opened 40000 of 40000 records\n');
    expect(r.code).toBe(0);
    const out = await readFile(t.path('big.ndjson.out'), 'utf8');
    expect(out.split('\n')).toHaveLength(40001);
  }, 120_000);
});
