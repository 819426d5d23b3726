// The collector-facing commands against a small HTTP server that follows docs/api.md, and that can
// also misbehave the ways a hostile or broken collector might (the real one never does).
import { generateCampaignKeys, signDocument, verifyDocument, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { appendFile, lstat, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { envelopes, keygen, run, tempDir } from './helpers.js';
import { writeFileAtomic } from '../src/io.js';

const TOKEN = 'sst_' + 'A'.repeat(43);
const ADMIN = 'admin-token-'.padEnd(40, 'x');

interface Fake {
  url: string;
  stored: { seq: number; envelope: unknown }[];
  requests: { method: string; url: string; auth: string | undefined; body: string }[];
  /** Replaces the export answer when set. */
  exportOverride: ((res: ServerResponse) => void) | undefined;
  files: Map<string, string>;
  server: Server;
}

function problem(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: `https://secure-sign.org/problems/${code}`, title: code, status, code }));
}

async function startFake(): Promise<Fake> {
  const fake = { stored: [], requests: [], exportOverride: undefined, files: new Map() } as unknown as Fake;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    fake.requests.push({ method: req.method ?? '', url: url.pathname + url.search, auth: req.headers.authorization, body });
    let m;
    if (req.method === 'POST' && url.pathname === '/v1/admin/campaigns') {
      if (req.headers.authorization !== `Bearer ${ADMIN}`) return problem(res, 401, 'unauthorized');
      res.writeHead(201, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ campaign: JSON.parse(body).campaign, token: TOKEN }));
    }
    if ((m = /^\/v1\/campaigns\/open-letter(\/.*)?$/.exec(url.pathname))) {
      const rest = m[1] ?? '';
      if (rest === '' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ campaign: 'open-letter', keyId: 'x', count: fake.stored.length, goal: null, opensAt: null, closesAt: null, open: true }));
      }
      if ((m = /^\/files\/([a-z0-9][a-z0-9-]{0,62}\.json)$/.exec(rest)) && req.method === 'GET') {
        const file = fake.files.get(m[1]!);
        if (file === undefined) return problem(res, 404, 'not-found');
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(file);
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return problem(res, 401, 'unauthorized');
      if (rest === '/export' && req.method === 'GET') {
        if (fake.exportOverride) return fake.exportOverride(res);
        const after = Number(url.searchParams.get('after') ?? '0');
        const limit = Number(url.searchParams.get('limit') ?? '100000');
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const page = fake.stored.filter((s) => s.seq > after).slice(0, limit);
        return void res.end(page.map((s) => JSON.stringify({ seq: s.seq, receivedAt: '2026-11-27T10:00:00.000Z', envelope: s.envelope }) + '\n').join(''));
      }
      if ((m = /^\/files\/([a-z0-9][a-z0-9-]{0,62}\.json)$/.exec(rest)) && req.method === 'PUT') {
        // As the real one: a serial not above the one served is refused (serials read, not verified, here).
        const serial = (text: string | undefined): number => (text === undefined ? 0 : JSON.parse(text).payload.serial);
        const current = serial(fake.files.get(m[1]!));
        if (serial(body) <= current) {
          res.writeHead(409, { 'content-type': 'application/problem+json' });
          return void res.end(JSON.stringify({ type: 'https://secure-sign.org/problems/stale-document', title: 'stale', status: 409, code: 'stale-document', currentSerial: current }));
        }
        fake.files.set(m[1]!, body);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ name: m[1], issuedAt: '2026-11-27T10:00:00.000Z' }));
      }
    }
    problem(res, 404, 'unknown-campaign');
  };
  fake.server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
let all: Envelope[];
let fake: Fake;

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  all = await envelopes(keys, 'open-letter', 12);
  await writeFile(t.path('staff.token'), TOKEN + '\n', { mode: 0o600 });
  await writeFile(t.path('admin.token'), ADMIN + '\n', { mode: 0o600 });
});
afterAll(() => t.cleanup());
afterEach(async () => {
  fake.server.closeAllConnections();
  await new Promise((resolve) => fake.server.close(resolve));
});

const lines = async (name: string): Promise<string[]> => (await readFile(t.path(name), 'utf8')).split('\n').filter((l) => l !== '');
/** A line as the fake collector exports it, and as pull keeps it. */
const exportLine = (seq: number, envelope: unknown): string => JSON.stringify({ seq, receivedAt: '2026-11-27T10:00:00.000Z', envelope });
const pullArgs = (out: string, ...more: string[]) => ['pull', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--out', out, ...more];

describe('pull (against a fake collector)', () => {
  it('pulls page by page, then only what is new, never twice', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 7).map((envelope, i) => ({ seq: i * 2 + 1, envelope }));
    const first = await run(t.dir, pullArgs('a.ndjson', '--page-size', '3'));
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toBe('secure-sign: pulled 7 new envelopes into a.ndjson (last seq 13)\n');
    expect(fake.requests.filter((r) => r.url.includes('/export')).map((r) => r.url)).toEqual([
      '/v1/campaigns/open-letter/export?after=0&limit=3',
      '/v1/campaigns/open-letter/export?after=5&limit=3',
      '/v1/campaigns/open-letter/export?after=11&limit=3',
    ]);
    expect(fake.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    // Each envelope keeps the collector's seq and receivedAt: its arrival order.
    expect(await lines('a.ndjson')).toEqual(all.slice(0, 7).map((e, i) => exportLine(i * 2 + 1, e)));
    expect((await stat(t.path('a.ndjson'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(t.path('a.ndjson.state.json'), 'utf8'))).toMatchObject({ v: 1, campaign: 'open-letter', lastSeq: 13 });

    fake.stored.push(...all.slice(7).map((envelope, i) => ({ seq: 20 + i, envelope })));
    const second = await run(t.dir, pullArgs('a.ndjson'));
    expect(second.stderr).toBe('secure-sign: pulled 5 new envelopes into a.ndjson (last seq 24)\n');
    const third = await run(t.dir, pullArgs('a.ndjson'));
    expect(third.stderr).toBe('secure-sign: pulled 0 new envelopes into a.ndjson (last seq 24)\n');
    const seqs = [1, 3, 5, 7, 9, 11, 13, 20, 21, 22, 23, 24];
    expect(await lines('a.ndjson')).toEqual(all.map((e, i) => exportLine(seqs[i]!, e)));

    // A pull that died after writing but before saving its state leaves extra bytes: cut, fetched again.
    await appendFile(t.path('a.ndjson'), exportLine(30, all[0]) + '\n{"partial');
    fake.stored.push({ seq: 30, envelope: all[0] });
    const resumed = await run(t.dir, pullArgs('a.ndjson'));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^secure-sign: removed \d+ bytes left by an interrupted pull\nsecure-sign: pulled 1 new envelopes/);
    expect(await lines('a.ndjson')).toEqual([...all.map((e, i) => exportLine(seqs[i]!, e)), exportLine(30, all[0])]);
  });

  it('refuses hostile export answers, keeping only the valid lines before the bad one', async () => {
    fake = await startFake();
    let n = 0;
    const hostile = async (body: string, error: string, kept: [number, Envelope][] = []): Promise<void> => {
      fake.exportOverride = (res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.end(body);
      };
      const out = `h${n++}.ndjson`;
      const r = await run(t.dir, pullArgs(out));
      expect(r.stderr).toContain(`secure-sign: error: ${error}\nsecure-sign: hint: `);
      expect(r.code).toBe(1);
      expect(await readFile(t.path(out), 'utf8')).toBe(kept.map(([seq, e]) => exportLine(seq, e) + '\n').join(''));
    };
    const line = (seq: number, envelope: unknown) => JSON.stringify({ seq, receivedAt: '2026-11-27T10:00:00.000Z', envelope }) + '\n';
    await hostile(line(2, all[0]) + line(2, all[1]), 'the collector sent a bad export line (2): seq is not increasing', [[2, all[0]!]]);
    await hostile(line(1, { ...all[0], campaign: 'another' }), 'the collector sent a bad export line (1): envelope of another campaign');
    await hostile(line(1, { ...all[0], ct: 42 }), 'the collector sent a bad export line (1): malformed envelope');
    await hostile(line(-1, all[0]), 'the collector sent a bad export line (1): not an export line');
    await hostile(JSON.stringify({ seq: 1, receivedAt: '2026-13-45T25:61:61.000Z', envelope: all[0] }) + '\n', 'the collector sent a bad export line (1): not an export line');
    await hostile('x'.repeat(2 * 1024 * 1024), 'the collector sent a bad export line (1): too long');
    await hostile(Buffer.from([0xff, 0xfe, 0x0a]).toString('latin1'), 'the collector sent a bad export line (1): not an export line');
    // A streamed answer cut short: the complete lines are kept, the torn one is not.
    await hostile(line(1, all[0]) + line(2, all[1]).slice(0, 50), "export: the collector's answer ended in the middle of a line (connection lost?)", [[1, all[0]!]]);
    expect(JSON.parse(await readFile(t.path(`h${n - 1}.ndjson.state.json`), 'utf8')).lastSeq).toBe(1);
  });

  it('stops waiting for a collector that goes silent', async () => {
    fake = await startFake();
    fake.exportOverride = (res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(JSON.stringify({ seq: 1, receivedAt: '2026-11-27T10:00:00.000Z', envelope: all[0] }) + '\n');
    };
    const r = await run(t.dir, pullArgs('s.ndjson', '--timeout', '1'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('secure-sign: error: export: connection to the collector lost or timed out\nsecure-sign: hint: run pull again: it resumes after the last envelope saved\n');
    // The line that did arrive is saved, and the state moved past it.
    expect(await readFile(t.path('s.ndjson'), 'utf8')).toBe(exportLine(1, all[0]) + '\n');
    expect(JSON.parse(await readFile(t.path('s.ndjson.state.json'), 'utf8')).lastSeq).toBe(1);
  });

  it('explains a wrong token and never prints it', async () => {
    fake = await startFake();
    await writeFile(t.path('wrong.token'), 'sst_' + 'B'.repeat(43), { mode: 0o600 });
    const r = await run(t.dir, ['pull', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'wrong.token', '--out', 'w.ndjson']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('secure-sign: error: export: the collector answered 401 unauthorized\nsecure-sign: hint: check the token file: is it the staff token of this campaign (or the admin token)?\n');
    expect(r.stderr).not.toContain('BBBB');
  });
});

describe('pull against a collector that sends too much (issue 15)', () => {
  /** `count` valid export lines, seq 1..count, cycling through the test envelopes. */
  const flood = (count: number): string => Array.from({ length: count }, (_, i) => exportLine(i + 1, all[i % all.length]) + '\n').join('');
  const serve = (body: string) => (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end(body);
  };

  it('refuses an answer longer than --page-size, keeping the lines up to the limit', async () => {
    fake = await startFake();
    fake.exportOverride = serve(flood(50));
    const r = await run(t.dir, pullArgs('page.ndjson', '--page-size', '5'));
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      'secure-sign: error: the collector sent more than --page-size 5 envelopes in one answer\n' +
        'secure-sign: hint: the collector (or something between) may be faulty or hostile; the first 5 were checked and kept\n',
    );
    expect(await readFile(t.path('page.ndjson'), 'utf8')).toBe(flood(5));
    expect(JSON.parse(await readFile(t.path('page.ndjson.state.json'), 'utf8')).lastSeq).toBe(5);
    // Only one request: a page that was too long is not followed by another.
    expect(fake.requests.filter((q) => q.url.includes('/export'))).toHaveLength(1);
  });

  it('stops after --max-bytes in one run, keeping every complete line before it', async () => {
    fake = await startFake();
    const body = flood(3000);
    const max = 1024 * 1024;
    expect(body.length).toBeGreaterThan(2 * max);
    fake.exportOverride = serve(body);
    const r = await run(t.dir, pullArgs('bytes.ndjson', '--max-bytes', '1M'));
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `secure-sign: error: the collector sent more than --max-bytes ${max} bytes in this run\n` +
        'secure-sign: hint: the envelopes before that were kept: run pull again to continue (or raise --max-bytes); if the campaign is not that large, the collector may be faulty or hostile\n',
    );
    const complete = body.slice(0, body.lastIndexOf('\n', max - 1) + 1);
    expect(await readFile(t.path('bytes.ndjson'), 'utf8')).toBe(complete);
    expect(JSON.parse(await readFile(t.path('bytes.ndjson.state.json'), 'utf8')).lastSeq).toBe(complete.split('\n').length - 1);
    const bad = await run(t.dir, pullArgs('bytes2.ndjson', '--max-bytes', '10K'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-bytes must be a size of at least 1M, like 512M or 2G');
  });

  it('has a default cap per run, and says so in --help', async () => {
    const help = await run(t.dir, ['pull', '--help']);
    expect(help.stdout).toContain('--max-bytes <size>');
    expect(help.stdout).toContain('default 1G');
  });
});

describe('pull never writes through a symbolic link (issue 15)', () => {
  it('refuses an --out that is a symbolic link, dangling or not', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 2).map((envelope, i) => ({ seq: i + 1, envelope }));
    await symlink(t.path('victim-missing.txt'), t.path('link1.ndjson'));
    const dangling = await run(t.dir, pullArgs('link1.ndjson'));
    expect(dangling.code).toBe(1);
    expect(dangling.stderr).toBe('secure-sign: error: cannot write link1.ndjson: is a symbolic link (refused: give the real path)\n');
    await expect(stat(t.path('victim-missing.txt'))).rejects.toThrow(/ENOENT/);
    await writeFile(t.path('victim-empty.txt'), '');
    await symlink(t.path('victim-empty.txt'), t.path('link2.ndjson'));
    const existing = await run(t.dir, pullArgs('link2.ndjson'));
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain('is a symbolic link');
    expect(await readFile(t.path('victim-empty.txt'), 'utf8')).toBe('');
  });

  it('writes the state through a fresh temporary file with a random name, never a planted link', async () => {
    // The old temporary name was .NAME.PID.tmp: plant a link at this process's one and at a few others.
    const target = t.path('planted-state.json');
    for (const pid of [process.pid, process.pid + 1, 1]) await symlink(t.path(`victim-${pid}.txt`), t.path(`.planted-state.json.${pid}.tmp`));
    await writeFileAtomic(target, '{"v":1}\n');
    expect(await readFile(target, 'utf8')).toBe('{"v":1}\n');
    expect((await lstat(target)).isFile()).toBe(true);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    for (const pid of [process.pid, process.pid + 1, 1]) await expect(stat(t.path(`victim-${pid}.txt`))).rejects.toThrow(/ENOENT/);
    // Nothing left behind but the planted links.
    expect((await readdir(t.dir)).filter((name) => name.startsWith('.planted-state.json.')).sort()).toEqual([1, process.pid, process.pid + 1].map((pid) => `.planted-state.json.${pid}.tmp`).sort());
  });
});

describe('register and wall publish (against a fake collector)', () => {
  it('registers with the admin token and saves the staff token 0600', async () => {
    fake = await startFake();
    const r = await run(t.dir, ['register', '--collector', fake.url, '--campaign', 'open-letter', '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--origin', 'https://partner.example', '--goal', '1000', '--token-out', 'new.token']);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(await readFile(t.path('new.token'), 'utf8')).toBe(TOKEN + '\n');
    expect((await stat(t.path('new.token'))).mode & 0o777).toBe(0o600);
    const request = fake.requests.find((q) => q.url === '/v1/admin/campaigns');
    expect(request?.auth).toBe(`Bearer ${ADMIN}`);
    expect(JSON.parse(request!.body)).toEqual({ campaign: 'open-letter', key: keys.publicKey.keyString, origins: ['https://partner.example'], goal: 1000 });
  });

  it('checks the wall against the key, then PUTs it as files/wall.json', async () => {
    fake = await startFake();
    await writeFile(t.path('data.json'), JSON.stringify({ entries: [{ name: 'Ada', kind: 'individual' }] }));
    expect((await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'data.json', '-o', 'wall.json'])).code).toBe(0);
    const r = await run(t.dir, ['wall', 'publish', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--key', 'campaign.key', 'wall.json']);
    expect(r).toMatchObject({ code: 0, stderr: `secure-sign: published ${fake.url}/v1/campaigns/open-letter/files/wall.json\n` });
    expect(fake.files.get('wall.json')).toBe(await readFile(t.path('wall.json'), 'utf8'));
    const other = await run(t.dir, ['wall', 'publish', '--collector', fake.url, '--campaign', 'another', '--token-file', 'staff.token', '--key', 'campaign.key', 'wall.json']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('document belongs to another campaign');
  });

  it('wall sign reads the serial the collector serves (verified with the key), takes the larger of it and the state file', async () => {
    fake = await startFake();
    const t2 = await tempDir();
    try {
      const k = await keygen(t2.dir);
      await writeFile(t2.path('data.json'), JSON.stringify({ entries: [{ name: 'Ada', kind: 'individual' }] }));
      const sign = (out: string, ...more: string[]) => run(t2.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', '--collector', fake.url, 'data.json', '-o', out, ...more]);
      const serialOf = async (name: string) => (await verifyDocument(k.publicKey, await readFile(t2.path(name), 'utf8'))).serial;
      const served = (serial: number, keys = k, dates: { issuedAt?: Date; validUntil?: Date } = {}) =>
        signDocument(keys, { type: 'wall', campaign: 'open-letter', serial, data: { entries: [] }, ...dates }).then((doc) => fake.files.set('wall.json', JSON.stringify(doc)));

      // Nothing served yet (404 not-found), no state: 1.
      const first = await sign('w1.json');
      expect(first.code).toBe(0);
      expect(await serialOf('w1.json')).toBe(1);
      expect(fake.requests.filter((q) => q.method === 'GET').map((q) => q.url)).toEqual(['/v1/campaigns/open-letter/files/wall.json']);
      // Another staff machine published serial 7: next is 8.
      await served(7);
      await sign('w2.json');
      expect(await serialOf('w2.json')).toBe(8);
      // The state file (8) is ahead of the collector (7, not yet published): 9.
      await sign('w3.json');
      expect(await serialOf('w3.json')).toBe(9);
      // An expired wall still holds the serial to beat.
      await served(20, k, { issuedAt: new Date(Date.UTC(2026, 0, 1)), validUntil: new Date(Date.UTC(2026, 0, 2)) });
      await sign('w4.json');
      expect(await serialOf('w4.json')).toBe(21);

      // A wall the key did not sign does not count: refused, with what to do.
      await served(99, await generateCampaignKeys());
      const foreign = await sign('w5.json');
      expect(foreign).toMatchObject({ code: 1, stdout: '' });
      expect(foreign.stderr).toBe(
        'secure-sign: error: the wall the collector serves does not verify with this key (KEY_MISMATCH)\n' +
          'secure-sign: hint: check --collector, --campaign and --key; or pass --serial N to choose the serial yourself\n',
      );
      await expect(readFile(t2.path('w5.json'))).rejects.toThrow();
      expect(JSON.parse(await readFile(t2.path('campaign.key.walls.json'), 'utf8')).walls['open-letter'].serial).toBe(21);
      // --serial skips the collector.
      const before = fake.requests.length;
      expect((await sign('w6.json', '--serial', '100')).code).toBe(0);
      expect(await serialOf('w6.json')).toBe(100);
      expect(fake.requests.length).toBe(before);
    } finally {
      await t2.cleanup();
    }
  });

  it('wall publish reports a wall older than the one served (409 stale-document) with what to do', async () => {
    fake = await startFake();
    await writeFile(t.path('data.json'), JSON.stringify({ entries: [{ name: 'Ada', kind: 'individual' }] }));
    const sign = (out: string, serial: string) => run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', '--serial', serial, 'data.json', '-o', out]);
    expect((await sign('new.json', '5')).code).toBe(0);
    expect((await sign('older.json', '4')).code).toBe(0);
    const publishArgs = (file: string) => ['wall', 'publish', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--key', 'campaign.key', file];
    expect((await run(t.dir, publishArgs('new.json'))).code).toBe(0);
    for (const file of ['older.json', 'new.json']) {
      const r = await run(t.dir, publishArgs(file));
      expect(r).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr).toBe(
        'secure-sign: error: publish: the collector answered 409 stale-document: it already serves a document with serial 5\n' +
          'secure-sign: hint: sign again so the serial increases (secure-sign wall sign --collector URL ... reads the served serial), then publish the new file\n',
      );
    }
    expect(JSON.parse(fake.files.get('wall.json')!).payload.serial).toBe(5);
  });
});

