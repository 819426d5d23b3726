// The collector-facing commands against a small HTTP server that follows docs/api.md, and that can
// also misbehave the ways a hostile or broken collector might (the real one never does).
import { createConfirmationSecret, createWithdrawalSecret, generateCampaignKeys, sealWithdrawable, signDocument, verifyDocument, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import {
  MemoryTree,
  SIGNATURE_TYPE_COSIGNATURE_ED25519,
  ed25519Cosigner,
  ed25519NoteSigner,
  encodeEntry,
  envelopeHash,
  formatCheckpoint,
  formatEntryBundle,
  formatVerifierKey,
  leafHash,
  readTile,
  signNote,
  tileWidth,
  type NoteSigner,
} from '@secure-sign/crypto/log';
import { createHash, createPrivateKey, generateKeyPairSync, sign as edSign } from 'node:crypto';
import { appendFile, lstat, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { envelopes, keygen, run, signer, tempDir } from './helpers.js';
import { writeFileAtomic } from '../src/io.js';

const TOKEN = 'sst_' + 'A'.repeat(43);
const ADMIN = 'admin-token-'.padEnd(40, 'x');

/** An Ed25519 log key: its verifier key string and a note signer. */
function logKey(origin = LOG_ORIGIN) {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
  return { vkey: formatVerifierKey(origin, publicKey), signer: ed25519NoteSigner(origin, publicKey, (m) => new Uint8Array(edSign(null, m, key))) };
}

const LOG_ORIGIN = 'localhost/open-letter';
/** The log key of every fake (so tests can pin it). */
const LOG_KEY = logKey();

/** The log entry of a stored line, from the crypto core (docs/log.md §7), independent of the CLI's code. */
function entryOf(item: Stored): Uint8Array {
  if ('envelope' in item) {
    const e = item.envelope as Envelope;
    const text = JSON.stringify({ v: e.v, campaign: e.campaign, kid: e.kid, sid: e.sid, wh: e.wh, ch: e.ch, ct: e.ct });
    return encodeEntry({ kind: 'stored', submissionId: e.sid, envelopeHash: envelopeHash(text) });
  }
  const line = item.line as Record<string, { sid: string; hash?: string; secret?: string; decision?: string }>;
  if (line['confirmation']) {
    const { sid, secret, decision } = line['confirmation'];
    return encodeEntry({ kind: decision === 'confirm' ? 'confirmed' : 'disowned', submissionId: sid, confirmationSecret: new Uint8Array(Buffer.from(secret!, 'base64url')) });
  }
  if (line['removed']) return encodeEntry({ kind: 'stored', submissionId: line['removed'].sid, envelopeHash: new Uint8Array(Buffer.from(line['removed'].hash!, 'base64')) });
  if (line['withdrawal']) return encodeEntry({ kind: 'withdrawal', submissionId: line['withdrawal'].sid, withdrawalSecret: new Uint8Array(Buffer.from(line['withdrawal'].secret!, 'base64url')) });
  const removal = new Uint8Array(49);
  removal[0] = 3;
  removal.set(Buffer.from(line['removal']!.sid, 'base64url'), 1);
  return removal;
}

/** What the fake stores: an envelope, or another export line (withdrawal, removal, removed). */
type Stored = { seq: number; envelope: unknown } | { seq: number; line: Record<string, unknown> };

interface Fake {
  url: string;
  stored: Stored[];
  /** The log's entries; by default those of `stored`, in order. */
  logged: (() => Uint8Array[]) | undefined;
  /** The log key it signs checkpoints with, and the one it publishes. */
  key: ReturnType<typeof logKey>;
  publishedKey: string | undefined;
  /** A false signed count, when set. */
  count: number | undefined;
  /** Whether the checkpoint carries a confirmed line (as collectors since issue 16 do), and a false one when a number. */
  confirmed: boolean | number | undefined;
  /** Witnesses' cosigners whose cosignatures the served checkpoint carries (none by default). */
  cosigners: NoteSigner[];
  /** False: the checkpoint carries only the cosignatures, not the log's own signature. */
  logSigns: boolean;
  /** The `retention` member of the campaign answer, when set. */
  retention: unknown;
  /** Changes an entry bundle before it is served. */
  bundleLie: ((body: Uint8Array) => Uint8Array) | undefined;
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
  const fake = { stored: [], requests: [], exportOverride: undefined, files: new Map(), key: LOG_KEY, cosigners: [], logSigns: true } as unknown as Fake;
  const entries = (): Uint8Array[] => (fake.logged ? fake.logged() : fake.stored.map(entryOf));
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
        const log = { origin: LOG_ORIGIN, vkey: fake.publishedKey ?? fake.key.vkey, size: entries().length };
        const retention = fake.retention === undefined ? {} : { retention: fake.retention };
        return void res.end(JSON.stringify({ campaign: 'open-letter', keyId: 'x', count: fake.stored.length, goal: null, opensAt: null, closesAt: null, open: true, log, ...retention }));
      }
      // The public log (tlog-tiles), built from the entries at each request.
      if (rest.startsWith('/log/') && req.method === 'GET') {
        const list = entries();
        const tree = new MemoryTree();
        tree.appendAll(list.map((e) => leafHash(e)));
        if (rest === '/log/checkpoint') {
          const counted = list.filter((e) => e[0] === 1).length - list.filter((e) => e[0] === 2 || e[0] === 3 || e[0] === 5).length;
          // Confirmed: sids with a 04 entry not cancelled after it (the fake's own simple recount).
          const confirmedSids = new Set<string>();
          for (const e of list) {
            const sid = Buffer.from(e.subarray(1, 17)).toString('base64url');
            if (e[0] === 4) confirmedSids.add(sid);
            else if (e[0] === 2 || e[0] === 3) confirmedSids.delete(sid);
          }
          const confirmedLine = fake.confirmed === undefined || fake.confirmed === false ? [] : [`confirmed ${fake.confirmed === true ? confirmedSids.size : fake.confirmed}`];
          const body = formatCheckpoint({ origin: LOG_ORIGIN, size: tree.size, rootHash: tree.root(), extensions: [`count ${fake.count ?? counted}`, ...confirmedLine] });
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          return void res.end(await signNote(body, [...(fake.logSigns ? [fake.key.signer] : []), ...fake.cosigners]));
        }
        const tile = /^\/log\/tile\/(\d+)\/(\d{3})(?:\.p\/(\d+))?$/.exec(rest);
        if (tile && tileWidth(Number(tile[1]), Number(tile[2]), tree.size) >= Number(tile[3] ?? 256)) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return void res.end(await readTile(tree, Number(tile[1]), Number(tile[2]), Number(tile[3] ?? 256)));
        }
        const bundle = /^\/log\/tile\/entries\/(\d{3})(?:\.p\/(\d+))?$/.exec(rest);
        if (bundle) {
          const start = Number(bundle[1]) * 256;
          const body = formatEntryBundle(list.slice(start, start + Number(bundle[2] ?? 256)));
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return void res.end(fake.bundleLie ? fake.bundleLie(body) : body);
        }
        return problem(res, 404, 'not-found');
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
        return void res.end(page.map((s) => JSON.stringify({ seq: s.seq, receivedAt: '2026-11-27T10:00:00.000Z', ...('envelope' in s ? { envelope: s.envelope } : s.line) }) + '\n').join(''));
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
const pullArgs = (out: string, ...more: string[]) => ['pull', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--out', out, '--log-key', LOG_KEY.vkey, ...more];

describe('pull (against a fake collector)', () => {
  it('pulls page by page, then only what is new, never twice', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 7).map((envelope, i) => ({ seq: i + 1, envelope }));
    const verified = (n: number) => `secure-sign: verified against the log: the ${n} entries of its latest checkpoint are exactly the lines pulled; signed count ${n} recounted\n`;
    const first = await run(t.dir, pullArgs('a.ndjson', '--page-size', '3'));
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toBe('secure-sign: pulled 7 new envelopes into a.ndjson (last seq 7)\n' + verified(7));
    expect(fake.requests.filter((r) => r.url.includes('/export')).map((r) => r.url)).toEqual([
      '/v1/campaigns/open-letter/export?after=0&limit=3',
      '/v1/campaigns/open-letter/export?after=3&limit=3',
      '/v1/campaigns/open-letter/export?after=6&limit=3',
    ]);
    expect(fake.requests.filter((r) => r.url.includes('/export')).every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    // The token goes only to the staff export, never to the public log.
    expect(fake.requests.filter((r) => r.url.includes('/log/')).every((r) => r.auth === undefined)).toBe(true);
    // Each envelope keeps the collector's seq and receivedAt: its arrival order.
    expect(await lines('a.ndjson')).toEqual(all.slice(0, 7).map((e, i) => exportLine(i + 1, e)));
    expect((await stat(t.path('a.ndjson'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(t.path('a.ndjson.state.json'), 'utf8'))).toMatchObject({ v: 1, campaign: 'open-letter', lastSeq: 7, logKey: LOG_KEY.vkey, checkpoint: { size: 7 } });

    fake.stored.push(...all.slice(7).map((envelope, i) => ({ seq: 8 + i, envelope })));
    const second = await run(t.dir, pullArgs('a.ndjson'));
    expect(second.stderr).toBe('secure-sign: pulled 5 new envelopes into a.ndjson (last seq 12)\n' + verified(12));
    const third = await run(t.dir, pullArgs('a.ndjson'));
    expect(third.stderr).toBe('secure-sign: pulled 0 new envelopes into a.ndjson (last seq 12)\n' + verified(12));
    expect(await lines('a.ndjson')).toEqual(all.map((e, i) => exportLine(i + 1, e)));

    // A pull that died after writing but before saving its state leaves extra bytes: cut, fetched again.
    await appendFile(t.path('a.ndjson'), exportLine(13, all[0]) + '\n{"partial');
    fake.stored.push({ seq: 13, envelope: all[0] });
    const resumed = await run(t.dir, pullArgs('a.ndjson'));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^secure-sign: removed \d+ bytes left by an interrupted pull\nsecure-sign: pulled 1 new envelopes/);
    expect(await lines('a.ndjson')).toEqual([...all.map((e, i) => exportLine(i + 1, e)), exportLine(13, all[0])]);
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
    const r = await run(t.dir, ['pull', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'wrong.token', '--out', 'w.ndjson', '--log-key', LOG_KEY.vkey]);
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


describe('pull checks the collector against its log (issue 11)', () => {
  const stored = (list: readonly Envelope[]): Stored[] => list.map((envelope, i) => ({ seq: i + 1, envelope }));
  const bytesOf = async (name: string): Promise<string> => readFile(t.path(name), 'utf8');

  it('pins the published log key on the first pull, loudly; refuses another key or a checkpoint it did not sign', async () => {
    fake = await startFake();
    fake.stored = stored(all.slice(0, 3));
    const args = ['pull', '--collector', fake.url, '--campaign', 'open-letter', '--token-file', 'staff.token', '--out', 'pin.ndjson'];
    const first = await run(t.dir, args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`secure-sign: warning: no log key was pinned for this campaign; pinning the key the collector publishes now:\nsecure-sign: warning:   ${LOG_KEY.vkey}\n`);
    expect(JSON.parse(await bytesOf('pin.ndjson.state.json')).logKey).toBe(LOG_KEY.vkey);
    const again = await run(t.dir, args);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stderr).not.toContain('pinning');

    // The collector now publishes (and signs with) another key: refused, nothing written.
    fake.stored = stored(all.slice(0, 5));
    const before = await bytesOf('pin.ndjson');
    const state = await bytesOf('pin.ndjson.state.json');
    fake.key = logKey();
    const swapped = await run(t.dir, args);
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toContain('secure-sign: error: the collector publishes another log key than the one pinned\n');
    // It still publishes the pinned key, but signs with another.
    fake.publishedKey = LOG_KEY.vkey;
    const unsigned = await run(t.dir, args);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('secure-sign: error: checking the log: the checkpoint is not signed by the pinned log key\n');
    expect(await bytesOf('pin.ndjson')).toBe(before);
    expect(await bytesOf('pin.ndjson.state.json')).toBe(state);
    // --log-key other than the pinned one is refused too.
    const other = await run(t.dir, [...args, '--log-key', logKey().vkey]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('secure-sign: error: --log-key is not the log key pinned in pin.ndjson.state.json\n');
  });

  it('catches a rewritten history (an entry changed after it was verified) before writing anything', async () => {
    fake = await startFake();
    fake.stored = stored(all.slice(0, 5));
    expect((await run(t.dir, pullArgs('hist.ndjson'))).code).toBe(0);
    const before = await bytesOf('hist.ndjson');
    const state = await bytesOf('hist.ndjson.state.json');
    // The collector replaces the third envelope and signs the new tree with its (pinned) key.
    fake.stored = stored([...all.slice(0, 2), all[9]!, ...all.slice(3, 6)]);
    const r = await run(t.dir, pullArgs('hist.ndjson'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "secure-sign: error: the collector's log rewrote its history: its checkpoint of 6 entries does not extend the one of 5 entries verified earlier; nothing was pulled\n" +
        "secure-sign: hint: this is proof that the collector misbehaved: keep hist.ndjson.state.json (it holds the checkpoint verified earlier) and the collector's current log/checkpoint, and tell the campaign's partners\n",
    );
    expect(await bytesOf('hist.ndjson')).toBe(before);
    expect(await bytesOf('hist.ndjson.state.json')).toBe(state);
    // A log that shrank is a rewritten history too.
    fake.stored = stored(all.slice(0, 4));
    const shrunk = await run(t.dir, pullArgs('hist.ndjson'));
    expect(shrunk.code).toBe(1);
    expect(shrunk.stderr).toContain('its checkpoint has 4 entries, fewer than the 5 verified earlier');
  });

  it('catches an envelope withheld from staff, a changed one, and a lying entry bundle', async () => {
    fake = await startFake();
    const full = stored(all.slice(0, 6));
    const entriesOf = (list: Stored[]) => () => list.map(entryOf);
    // Dropped after it was acknowledged: in the log, not in the export.
    fake.logged = entriesOf(full);
    fake.stored = full.filter((s) => s.seq !== 3);
    const dropped = await run(t.dir, pullArgs('w1.ndjson'));
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toContain('secure-sign: error: the export skipped seq 3: the log holds 1 entries that were not given to staff\n');
    expect(JSON.parse(await bytesOf('w1.ndjson.state.json')).checkpoint).toBeUndefined();
    // Withheld at the end.
    fake.stored = full.slice(0, 4);
    const tail = await run(t.dir, pullArgs('w2.ndjson'));
    expect(tail.code).toBe(1);
    expect(tail.stderr).toContain("secure-sign: error: the log's checkpoint holds 6 entries but the export ended at seq 4: 2 entries were not given to staff\n");
    // Staff get another envelope than the one logged at seq 5.
    fake.stored = full.map((s) => (s.seq === 5 ? { seq: 5, envelope: all[10] } : s));
    const changed = await run(t.dir, pullArgs('w3.ndjson'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(`secure-sign: error: the export line seq 5 (a stored envelope of submission ${all[10]!.sid}) is not the log's entry 4 (a stored envelope of submission ${all[4]!.sid})`);
    // The export is honest but the entry bundle lies.
    fake.stored = full;
    fake.bundleLie = (body) => {
      const copy = body.slice();
      copy[2 + 49 + 2 + 20] ^= 1; // inside entry 1's hash
      return copy;
    };
    const lying = await run(t.dir, pullArgs('w4.ndjson'));
    expect(lying.code).toBe(1);
    expect(lying.stderr).toContain("secure-sign: error: the collector's log serves entries that do not match its signed checkpoint (entries 0 to 5)\n");
    fake.bundleLie = undefined;
    // A false signed count.
    fake.count = 99;
    const count = await run(t.dir, pullArgs('w5.ndjson'));
    expect(count.code).toBe(1);
    expect(count.stderr).toContain("secure-sign: error: the log's checkpoint signs a count of 99, but its 6 entries count 6 (6 stored, 0 withdrawn, 0 removed)\n");
    fake.count = undefined;
    fake.logged = undefined;
    const honest = await run(t.dir, pullArgs('w6.ndjson'));
    expect(honest.code).toBe(0);
  });

  it('keeps lines past the checkpoint and checks them on the next pull', async () => {
    fake = await startFake();
    fake.stored = stored(all.slice(0, 5));
    fake.logged = () => fake.stored.slice(0, 3).map(entryOf);
    const first = await run(t.dir, pullArgs('p.ndjson'));
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('secure-sign: verified against the log: the 3 entries of its latest checkpoint are exactly the lines pulled; signed count 3 recounted\n');
    expect(first.stderr).toContain('secure-sign: 2 lines past the checkpoint are not yet covered by it: they are checked on the next pull\n');
    expect(await lines('p.ndjson')).toHaveLength(5);
    // Next time the log holds them, but the fourth is not what staff received.
    fake.logged = () => [...fake.stored.slice(0, 3).map(entryOf), entryOf({ seq: 4, envelope: all[11] }), entryOf(fake.stored[4]!)];
    const second = await run(t.dir, pullArgs('p.ndjson'));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('secure-sign: error: the export line seq 4 (');
    fake.logged = undefined;
    const third = await run(t.dir, pullArgs('p.ndjson'));
    expect(third.stderr).toBe('secure-sign: pulled 0 new envelopes into p.ndjson (last seq 5)\nsecure-sign: verified against the log: the 5 entries of its latest checkpoint are exactly the lines pulled; signed count 5 recounted\n');
  });

  it('pulls withdrawals and removals; decrypt and wall build leave those signatures out and name forged withdrawals', async () => {
    fake = await startFake();
    const sealed = [];
    for (let i = 0; i < 4; i++) sealed.push(await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, { consent: { listPublicly: true, contactLater: false } }) }));
    const [a, b, c, d] = sealed.map((s) => s.envelope) as [Envelope, Envelope, Envelope, Envelope];
    const secretOf = (e: Envelope) => sealed.find((s) => s.envelope === e)!.withdrawalSecret;
    const textOf = (e: Envelope) => JSON.stringify({ v: e.v, campaign: e.campaign, kid: e.kid, sid: e.sid, wh: e.wh, ct: e.ct });
    fake.stored = [
      { seq: 1, envelope: a },
      { seq: 2, envelope: b },
      { seq: 3, envelope: c },
      { seq: 4, envelope: d },
    ];
    // Staff pull the four envelopes and decrypt them (before anything was withdrawn).
    expect((await run(t.dir, pullArgs('wd.ndjson'))).code).toBe(0);
    const early = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'wd.ndjson', '-o', 'early.ndjson']);
    expect(early.stderr).toBe('secure-sign: opened 4 of 4 records\n');
    // Then: B withdrawn by its signer, C withdrawn (its ciphertext gone: a removed line), D removed
    // by the operator, and a withdrawal of A whose secret is not A's: forged.
    const hashOfText = (e: Envelope) => createHashB64(textOf(e));
    fake.stored = [
      { seq: 1, envelope: a },
      { seq: 2, line: { removed: { sid: b.sid, hash: hashOfText(b), wh: b.wh } } },
      { seq: 3, line: { removed: { sid: c.sid, hash: hashOfText(c), wh: c.wh } } },
      { seq: 4, line: { removed: { sid: d.sid, hash: hashOfText(d), wh: d.wh } } },
      { seq: 5, line: { withdrawal: { sid: b.sid, secret: secretOf(b) } } },
      { seq: 6, line: { withdrawal: { sid: c.sid, secret: secretOf(c) } } },
      { seq: 7, line: { removal: { sid: d.sid } } },
      { seq: 8, line: { withdrawal: { sid: a.sid, secret: createWithdrawalSecret().secret } } },
    ];
    const pulled = await run(t.dir, pullArgs('wd.ndjson'));
    expect(pulled.stderr).toBe(
      'secure-sign: pulled 0 new envelopes (and 3 withdrawals, 1 removals by the operator, 0 envelopes whose ciphertext is gone) into wd.ndjson (last seq 8)\n' +
        'secure-sign: verified against the log: the 8 entries of its latest checkpoint are exactly the lines pulled; signed count 0 recounted\n',
    );
    expect(pulled.code).toBe(0);
    expect((await lines('wd.ndjson')).slice(4)).toEqual([
      `{"seq":5,"receivedAt":"2026-11-27T10:00:00.000Z","withdrawal":{"sid":"${b.sid}","secret":"${secretOf(b)}"}}`,
      `{"seq":6,"receivedAt":"2026-11-27T10:00:00.000Z","withdrawal":{"sid":"${c.sid}","secret":"${secretOf(c)}"}}`,
      `{"seq":7,"receivedAt":"2026-11-27T10:00:00.000Z","removal":{"sid":"${d.sid}"}}`,
      expect.stringMatching(new RegExp(`^\\{"seq":8,"receivedAt":"[^"]+","withdrawal":\\{"sid":"${a.sid}","secret":"[A-Za-z0-9_-]{43}"\\}\\}$`)),
    ]);

    const late = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'wd.ndjson', '-o', 'late.ndjson']);
    expect(late.stderr).toBe(
      'secure-sign: opened 4 of 4 records\n' +
        'secure-sign: 2 signatures withdrawn by their signers, 1 removed by the operator, left out\n' +
        `secure-sign: error: 1 forged withdrawals (the revealed secret does not hash to the envelope's wh), signatures kept: ${a.sid}\n` +
        'secure-sign: hint: only the signer knows the withdrawal secret: the collector logged withdrawals no signer made; keep the envelope file as proof\n',
    );
    expect(late.code).toBe(6);
    expect((await lines('late.ndjson')).map((l) => JSON.parse(l).submissionId)).toEqual([a.sid]);
    // The same through a pipe.
    const piped = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-o', 'piped.ndjson'], { stdin: await bytesOf('wd.ndjson') });
    expect(piped.code).toBe(6);
    expect((await lines('piped.ndjson')).map((l) => JSON.parse(l).submissionId)).toEqual([a.sid]);

    // A wall built from the records decrypted before the withdrawals leaves B and D out with --envelopes.
    const wall = await run(t.dir, ['wall', 'build', '--from', 'early.ndjson', '--envelopes', 'wd.ndjson', '-o', 'wall-data.json', '--force']);
    expect(wall.code).toBe(6);
    expect(wall.stderr).toContain('secure-sign: 2 signatures withdrawn by their signers, 1 removed by the operator, left out\n');
    expect(JSON.parse(await bytesOf('wall-data.json')).entries.map((e: { name: string }) => e.name)).toEqual(['Signer 0']);
    const without = await run(t.dir, ['wall', 'build', '--from', 'early.ndjson', '-o', 'wall-all.json', '--force']);
    expect(without.code).toBe(0);
    expect(JSON.parse(await bytesOf('wall-all.json')).entries).toHaveLength(4);
  });
});

function createHashB64(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

describe('receipt check (against a fake collector, issue 11)', () => {
  /** A receipt file for `envelope` at `index`, its promise signed by `key` (the fake's by default). */
  async function receipt(name: string, envelope: Envelope, index: number, options: { key?: ReturnType<typeof logKey>; secret?: string } = {}): Promise<string> {
    const key = options.key ?? fake.key;
    const entry = Buffer.from(entryOf({ seq: index + 1, envelope })).toString('base64');
    const promise = await signNote(`secure-sign promise/v1\n${LOG_ORIGIN}\n${index}\n${entry}\n`, [key.signer]);
    const file = {
      secureSignReceipt: 1,
      collector: fake.url,
      campaign: 'open-letter',
      sid: envelope.sid,
      receivedAt: '2026-11-27T10:00:00.000Z',
      log: { origin: LOG_ORIGIN, vkey: key.vkey, index, entry, promise },
      ...(options.secret === undefined ? {} : { withdrawal: { code: `${envelope.sid}.${options.secret}`, page: `${fake.url}/v1/campaigns/open-letter/withdraw` } }),
    };
    await writeFile(t.path(name), JSON.stringify(file));
    return name;
  }
  const check = (file: string, ...more: string[]) => run(t.dir, ['receipt', 'check', file, ...more]);

  it('says "counted at position N of M", not yet, or missing although promised', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 5).map((envelope, i) => ({ seq: i + 1, envelope }));
    const counted = await check(await receipt('r1.json', all[1]!, 1), '--log-key', LOG_KEY.vkey);
    expect(counted).toMatchObject({ code: 0, stdout: 'counted in the log of open-letter at position 2 of 5\n' });
    expect(counted.stderr).toContain('secure-sign: using the log key given with --log-key\n');
    // Without --log-key it says it relies on the receipt's own key.
    const unpinned = await check('r1.json');
    expect(unpinned.code).toBe(0);
    expect(unpinned.stderr).toContain('using the log key written in the receipt');

    const pending = await check(await receipt('r2.json', all[6]!, 6));
    expect(pending).toMatchObject({ code: 4, stdout: 'not yet in a checkpoint of the log of open-letter: the latest holds 5 entries, the receipt is for position 7; retry in a minute\n' });

    // The collector promised position 3, then dropped that envelope and logged another there.
    fake.stored = fake.stored.map((s) => (s.seq === 3 ? { seq: 3, envelope: all[9] } : s));
    const missing = await check(await receipt('r3.json', all[2]!, 2));
    expect(missing.code).toBe(6);
    expect(missing.stdout).toBe('missing although promised: the log of open-letter (5 entries) does not hold the receipt\'s entry at position 3\n');
    expect(missing.stderr).toContain('secure-sign: error: this is proof that the collector misbehaved: keep r3.json and the collector\'s checkpoint');
  });

  it('says withdrawn (or removed) at position K, and calls a withdrawal with another secret forged', async () => {
    fake = await startFake();
    const { envelope, withdrawalSecret } = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(1) });
    fake.stored = [
      { seq: 1, envelope: all[0] },
      { seq: 2, envelope },
      { seq: 3, line: { withdrawal: { sid: envelope.sid, secret: withdrawalSecret } } },
    ];
    const file = await receipt('w.json', envelope, 1, { secret: withdrawalSecret });
    expect(await check(file)).toMatchObject({ code: 5, stdout: 'withdrawn at position 3 of the log of open-letter (it was counted at position 2)\n' });
    fake.stored[2] = { seq: 3, line: { withdrawal: { sid: envelope.sid, secret: createWithdrawalSecret().secret } } };
    const forged = await check(file);
    expect(forged).toMatchObject({ code: 6, stdout: "withdrawn at position 3 of the log of open-letter, but not with this receipt's withdrawal code: a forged withdrawal\n" });
    fake.stored[2] = { seq: 3, line: { removal: { sid: envelope.sid } } };
    expect(await check(file)).toMatchObject({ code: 5, stdout: "removed by the collector's operator at position 3 of the log of open-letter (it was counted at position 2)\n" });
  });

  it('refuses a promise the log key did not sign, and a file that is not a receipt', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 3).map((envelope, i) => ({ seq: i + 1, envelope }));
    const forgedPromise = await receipt('bad.json', all[0]!, 0, { key: logKey() });
    const bad = await check(forgedPromise, '--log-key', LOG_KEY.vkey);
    expect(bad).toMatchObject({ code: 1, stdout: "the receipt's promise is not signed by this log key (bad signature): it proves nothing\n" });
    // Only the promise was looked at: nothing was fetched.
    expect(fake.requests).toHaveLength(0);
    await writeFile(t.path('junk.json'), JSON.stringify({ secureSignReceipt: 1, campaign: 'open-letter' }));
    const junk = await check('junk.json');
    expect(junk.code).toBe(1);
    expect(junk.stderr).toContain('secure-sign: error: junk.json is not a secure-sign receipt\n');
    await writeFile(t.path('huge.json'), ' '.repeat(200 * 1024));
    expect((await check('huge.json')).code).toBe(1);
  });
});

/** A witness (a partner organisation): its cosignature verifier key (type 0x04) and its cosigner. */
function witness(name: string) {
  const { privateKey, publicKey: pub } = generateKeyPairSync('ed25519');
  const publicKey = new Uint8Array(Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url'));
  const cosigner = ed25519Cosigner(name, publicKey, (m) => new Uint8Array(edSign(null, m, privateKey)));
  return { name, vkey: formatVerifierKey(name, publicKey, SIGNATURE_TYPE_COSIGNATURE_ED25519), cosigner };
}

/** A cosigner that claims to be `w` (its name and key id) but signs with another key. */
function forged(w: ReturnType<typeof witness>): NoteSigner {
  return { name: w.name, keyId: w.cosigner.keyId, sign: witness(w.name).cosigner.sign };
}

describe('pull requires the pinned witnesses\' cosignatures (issue 11, witnessing)', () => {
  const A = witness('witness.partner-a.example');
  const B = witness('witness.partner-b.example');
  const C = witness('witness.stranger.example');
  const stored = (n: number): Stored[] => all.slice(0, n).map((envelope, i) => ({ seq: i + 1, envelope }));
  const state = async (name: string) => JSON.parse(await readFile(t.path(`${name}.state.json`), 'utf8'));

  it('pins the witnesses, and counts valid cosignatures of pinned witnesses only (an unknown witness is ignored)', async () => {
    fake = await startFake();
    fake.stored = stored(3);
    fake.cosigners = [C.cosigner, A.cosigner];
    const first = await run(t.dir, pullArgs('wit.ndjson', '--witness', A.vkey, '--witness', B.vkey, '--witness-quorum', '1'));
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`secure-sign: pinning the witnesses 1 of ${A.name}, ${B.name}: later pulls require their cosignatures\n`);
    expect(first.stderr).toContain(`secure-sign: the checkpoint is cosigned by 1 of the 2 pinned witnesses (${A.name}); 1 required\n`);
    const pinned = await state('wit.ndjson');
    expect(pinned.witnesses).toEqual({ keys: [A.vkey, B.vkey], quorum: 1 });
    // The checkpoint kept as evidence carries the log's signature and the pinned witness's cosignature, not the stranger's.
    expect(pinned.checkpoint.note).toContain(`\n— ${LOG_ORIGIN} `);
    expect(pinned.checkpoint.note).toContain(`\n— ${A.name} `);
    expect(pinned.checkpoint.note).not.toContain(C.name);

    // Later pulls use the pinned witnesses without --witness. Only the stranger cosigned: refused, nothing written.
    fake.stored = stored(5);
    fake.cosigners = [C.cosigner];
    const before = await readFile(t.path('wit.ndjson'), 'utf8');
    const stranger = await run(t.dir, pullArgs('wit.ndjson'));
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain(
      `secure-sign: error: checking the log: the checkpoint is cosigned by 0 of the 1 witnesses required (cosigned: none; no cosignature: ${A.name}, ${B.name}); the checkpoint is refused\n`,
    );
    expect(await readFile(t.path('wit.ndjson'), 'utf8')).toBe(before);
    expect(await state('wit.ndjson')).toEqual(pinned);
    fake.cosigners = [B.cosigner];
    const other = await run(t.dir, pullArgs('wit.ndjson'));
    expect(other.code).toBe(0);
    expect(other.stderr).toContain(`secure-sign: the checkpoint is cosigned by 1 of the 2 pinned witnesses (${B.name}); 1 required\n`);
    expect((await lines('wit.ndjson')).length).toBe(5);
  });

  it('refuses a checkpoint short of the quorum, with a bad cosignature, or cosigned without the log’s own signature', async () => {
    fake = await startFake();
    fake.stored = stored(4);
    const args = pullArgs('wq.ndjson', '--witness', A.vkey, '--witness', B.vkey);
    fake.cosigners = [A.cosigner];
    const short = await run(t.dir, args);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain(
      `secure-sign: error: checking the log: the checkpoint is cosigned by 1 of the 2 witnesses required (cosigned: ${A.name}; no cosignature: ${B.name}); the checkpoint is refused\n`,
    );
    // Refused before anything was written.
    await expect(stat(t.path('wq.ndjson'))).rejects.toThrow();
    await expect(stat(t.path('wq.ndjson.state.json'))).rejects.toThrow();

    fake.cosigners = [A.cosigner, forged(B)];
    const bad = await run(t.dir, args);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`secure-sign: error: checking the log: the checkpoint carries a cosignature of witness ${B.name} that does not verify; the checkpoint is refused\n`);
    // A bad cosignature refuses the checkpoint even when the quorum is met without it.
    expect((await run(t.dir, pullArgs('wq.ndjson', '--witness', A.vkey, '--witness', B.vkey, '--witness-quorum', '1'))).code).toBe(1);

    // Both witnesses cosigned, but the log key did not sign: witnesses alone are not enough.
    fake.cosigners = [A.cosigner, B.cosigner];
    fake.logSigns = false;
    const unsigned = await run(t.dir, args);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('secure-sign: error: checking the log: the checkpoint is not signed by the pinned log key\n');

    fake.logSigns = true;
    const good = await run(t.dir, args);
    expect(good.code).toBe(0);
    expect(good.stderr).toContain(`secure-sign: the checkpoint is cosigned by 2 of the 2 pinned witnesses (${A.name}, ${B.name}); 2 required\n`);
    expect((await lines('wq.ndjson')).length).toBe(4);
  });

  it('refuses other witnesses or another quorum than pinned unless --repin-witnesses says so, and checks the keys given', async () => {
    fake = await startFake();
    fake.stored = stored(2);
    fake.cosigners = [A.cosigner, B.cosigner];
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness', A.vkey, '--witness', B.vkey))).code).toBe(0);
    const fewer = await run(t.dir, pullArgs('wr.ndjson', '--witness', A.vkey));
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toContain(`secure-sign: error: --witness and --witness-quorum are not the witnesses pinned in wr.ndjson.state.json (2 of ${A.name}, ${B.name})\n`);
    expect(fewer.stderr).toContain('add --repin-witnesses');
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness', A.vkey, '--witness', B.vkey, '--witness-quorum', '1'))).code).toBe(2);
    // The same set in another order is the same set.
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness', B.vkey, '--witness', A.vkey))).code).toBe(0);
    expect((await state('wr.ndjson')).witnesses).toEqual({ keys: [A.vkey, B.vkey], quorum: 2 });

    const repinned = await run(t.dir, pullArgs('wr.ndjson', '--witness', C.vkey, '--repin-witnesses'));
    expect(repinned.stderr).toContain(`secure-sign: pinning the witnesses 1 of ${C.name} in place of 2 of ${A.name}, ${B.name}\n`);
    // C has not cosigned: the repinned witness is required at once.
    expect(repinned.code).toBe(1);
    expect((await state('wr.ndjson')).witnesses).toEqual({ keys: [A.vkey, B.vkey], quorum: 2 });
    fake.cosigners = [C.cosigner];
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness', C.vkey, '--repin-witnesses'))).code).toBe(0);
    expect((await state('wr.ndjson')).witnesses).toEqual({ keys: [C.vkey], quorum: 1 });

    // Usage errors: a log key is not a witness key, a quorum larger than the witnesses, a witness twice.
    const notWitness = await run(t.dir, pullArgs('wr.ndjson', '--witness', LOG_KEY.vkey));
    expect(notWitness).toMatchObject({ code: 2 });
    expect(notWitness.stderr).toContain('secure-sign: error: --witness is not a witness verifier key\n');
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness', C.vkey, '--witness-quorum', '2'))).stderr).toContain('--witness-quorum 2 is more than the 1 witnesses given');
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness', C.vkey, '--witness', C.vkey))).stderr).toContain(`--witness names the witness ${C.name} twice`);
    expect((await run(t.dir, pullArgs('wr.ndjson', '--witness-quorum', '1'))).stderr).toContain('--witness-quorum needs --witness');
  });

  it('receipt check requires the cosignatures of the --witness keys on the checkpoint it proves against', async () => {
    fake = await startFake();
    fake.stored = stored(3);
    const entry = Buffer.from(entryOf({ seq: 2, envelope: all[1] })).toString('base64');
    const promise = await signNote(`secure-sign promise/v1\n${LOG_ORIGIN}\n1\n${entry}\n`, [LOG_KEY.signer]);
    const file = { secureSignReceipt: 1, collector: fake.url, campaign: 'open-letter', sid: all[1]!.sid, receivedAt: '2026-11-27T10:00:00.000Z', log: { origin: LOG_ORIGIN, vkey: LOG_KEY.vkey, index: 1, entry, promise } };
    await writeFile(t.path('wr.json'), JSON.stringify(file));
    const check = (...more: string[]) => run(t.dir, ['receipt', 'check', 'wr.json', '--log-key', LOG_KEY.vkey, ...more]);
    fake.cosigners = [A.cosigner, C.cosigner];
    const one = await check('--witness', A.vkey);
    expect(one).toMatchObject({ code: 0, stdout: 'counted in the log of open-letter at position 2 of 3\n' });
    expect(one.stderr).toContain(`secure-sign: the checkpoint is cosigned by 1 of the 1 witnesses given (${A.name}); 1 required\n`);
    const short = await check('--witness', A.vkey, '--witness', B.vkey);
    expect(short).toMatchObject({ code: 1, stdout: '' });
    expect(short.stderr).toContain(`secure-sign: error: reading the log: the checkpoint is cosigned by 1 of the 2 witnesses required (cosigned: ${A.name}; no cosignature: ${B.name}); the checkpoint is refused\n`);
    expect((await check('--witness', A.vkey, '--witness', B.vkey, '--witness-quorum', '1')).code).toBe(0);
    fake.cosigners = [forged(A), B.cosigner];
    const bad = await check('--witness', A.vkey, '--witness', B.vkey, '--witness-quorum', '1');
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toContain(`the checkpoint carries a cosignature of witness ${A.name} that does not verify`);
    fake.cosigners = [A.cosigner];
    fake.logSigns = false;
    expect((await check('--witness', A.vkey)).stderr).toContain('secure-sign: error: reading the log: the checkpoint is not signed by the pinned log key\n');
  });
});

describe('pull warns before the collector deletes a closed campaign\'s ciphertexts (issue 16)', () => {
  const DAY = 24 * 3600 * 1000;
  const iso = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY).toISOString();

  it('warns within 30 days of deleteAt and after it (not before), and after the deletion says what is gone', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 2).map((envelope, i) => ({ seq: i + 1, envelope }));
    const soon = iso(10);
    fake.retention = { closedAt: iso(-20), deleteAt: soon };
    const near = await run(t.dir, pullArgs('ret.ndjson'));
    expect(near.code).toBe(0);
    expect(near.stderr).toContain(`secure-sign: warning: the collector deletes this campaign's ciphertexts on ${soon}: pull and decrypt before then\n`);
    fake.retention = { closedAt: iso(-1), deleteAt: iso(60) };
    const far = await run(t.dir, pullArgs('ret.ndjson'));
    expect(far.code).toBe(0);
    expect(far.stderr).not.toContain('delete');
    const due = iso(-1);
    fake.retention = { closedAt: iso(-31), deleteAt: due };
    expect((await run(t.dir, pullArgs('ret.ndjson'))).stderr).toContain(
      `secure-sign: warning: the collector was to delete this campaign's ciphertexts on ${due} and may do so at any moment: pull and decrypt now\n`,
    );

    // Deleted: the export now has "removed" lines in place of the envelopes; pull says so and goes on.
    const { envelope } = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(3) });
    const text = JSON.stringify({ v: envelope.v, campaign: envelope.campaign, kid: envelope.kid, sid: envelope.sid, wh: envelope.wh, ct: envelope.ct });
    fake.stored.push({ seq: 3, line: { removed: { sid: envelope.sid, hash: createHashB64(text), wh: envelope.wh } } });
    const deletedAt = iso(-0.5);
    fake.retention = { closedAt: iso(-31), deleteAt: due, deletedAt };
    const gone = await run(t.dir, pullArgs('ret.ndjson'));
    expect(gone.code).toBe(0);
    expect(gone.stderr).toContain(
      `secure-sign: warning: the collector deleted this campaign's ciphertexts on ${deletedAt}: those envelopes are gone, only the log's hashes of them remain (pulled as "removed" lines, which decrypt cannot open)\n`,
    );
    expect(gone.stderr).toContain('(and 0 withdrawals, 0 removals by the operator, 1 envelopes whose ciphertext is gone)');
    expect((await lines('ret.ndjson')).at(-1)).toContain('"removed":');
  });

  it('ignores a malformed retention member with a warning (the pull goes on), and says nothing without one', async () => {
    fake = await startFake();
    fake.stored = all.slice(0, 2).map((envelope, i) => ({ seq: i + 1, envelope }));
    for (const retention of [{ closedAt: iso(-1), deleteAt: 'tomorrow' }, { closedAt: iso(-1), deleteAt: iso(5), extra: 1 }, { closedAt: iso(-1), deleteAt: iso(-2) }, 'soon']) {
      fake.retention = retention;
      const r = await run(t.dir, pullArgs('retbad.ndjson'));
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('secure-sign: warning: the collector announces a retention period in a form this version does not understand; it is ignored');
      expect(r.stderr).not.toContain('tomorrow');
    }
    fake.retention = undefined;
    const none = await run(t.dir, pullArgs('retbad.ndjson'));
    expect(none.code).toBe(0);
    expect(none.stderr).not.toContain('warning');
  });
});

describe('pull brings confirmations and checks them (issue 16)', () => {
  const bytesOf = async (name: string): Promise<string> => readFile(t.path(name), 'utf8');
  it('stores confirmation lines, recounts count and confirmed against the checkpoint, also when a confirmed signature is withdrawn on a later pull', async () => {
    fake = await startFake();
    fake.confirmed = true;
    const sealed = [];
    for (let i = 0; i < 3; i++) sealed.push(await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i, { consent: { listPublicly: true, contactLater: false } }), confirmable: true, lang: 'fr' }));
    const [a, b, c] = sealed;
    fake.stored = [
      { seq: 1, envelope: a!.envelope },
      { seq: 2, envelope: b!.envelope },
      { seq: 3, envelope: c!.envelope },
      { seq: 4, line: { confirmation: { sid: a!.envelope.sid, secret: a!.confirmationSecret, decision: 'confirm' } } },
      { seq: 5, line: { confirmation: { sid: b!.envelope.sid, secret: b!.confirmationSecret, decision: 'confirm' } } },
      { seq: 6, line: { confirmation: { sid: c!.envelope.sid, secret: c!.confirmationSecret, decision: 'disown' } } },
    ];
    const first = await run(t.dir, pullArgs('cf.ndjson'));
    expect(first.stderr).toBe(
      'secure-sign: pulled 3 new envelopes (and 0 withdrawals, 0 removals by the operator, 0 envelopes whose ciphertext is gone, 2 confirmations and 1 disowned by the owners of the e-mail addresses) into cf.ndjson (last seq 6)\n' +
        'secure-sign: verified against the log: the 6 entries of its latest checkpoint are exactly the lines pulled; signed count 2 (2 confirmed) recounted\n',
    );
    expect(first.code).toBe(0);
    // Envelopes keep their ch in the normalised member order; confirmation lines as the collector sent them.
    const pulled = await lines('cf.ndjson');
    expect(pulled[0]).toBe(`{"seq":1,"receivedAt":"2026-11-27T10:00:00.000Z","envelope":{"v":1,"campaign":"open-letter","kid":"${a!.envelope.kid}","sid":"${a!.envelope.sid}","wh":"${a!.envelope.wh}","ch":"${a!.envelope.ch}","ct":"${a!.envelope.ct}"}}`);
    expect(pulled[5]).toBe(`{"seq":6,"receivedAt":"2026-11-27T10:00:00.000Z","confirmation":{"sid":"${c!.envelope.sid}","secret":"${c!.confirmationSecret}","decision":"disown"}}`);

    // Later, the signer of a (confirmed on the first pull) withdraws: confirmed goes down with the count.
    fake.stored.push({ seq: 7, line: { withdrawal: { sid: a!.envelope.sid, secret: a!.withdrawalSecret } } });
    const second = await run(t.dir, pullArgs('cf.ndjson'));
    expect(second.stderr).toContain('signed count 1 (1 confirmed) recounted\n');
    expect(second.code).toBe(0);

    // decrypt: the disowned signature is left out; --confirmed-only keeps b only (a withdrew), in any format.
    const all = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'cf.ndjson', '-o', 'cf-all.ndjson']);
    expect(all.stderr).toBe('secure-sign: opened 3 of 3 records\nsecure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, 1 disowned by the owner of its e-mail address, left out\n');
    expect((await lines('cf-all.ndjson')).map((l) => JSON.parse(l).submissionId)).toEqual([b!.envelope.sid]);
    expect(await bytesOf('cf-all.ndjson')).not.toContain(b!.confirmationSecret!);
    fake.stored.push({ seq: 8, envelope: (await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(3), confirmable: true })).envelope });
    expect((await run(t.dir, pullArgs('cf.ndjson'))).code).toBe(0);
    const confirmed = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'cf.ndjson', '--confirmed-only', '--format', 'csv', '-o', 'cf-confirmed.csv']);
    expect(confirmed.stderr).toBe(
      'secure-sign: opened 4 of 4 records\n' +
        'secure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, 1 disowned by the owner of its e-mail address, left out\n' +
        'secure-sign: --confirmed-only: left out 1 unconfirmed signature (no confirmation by the owner of the e-mail address)\n',
    );
    expect(confirmed.code).toBe(0);
    const rows = await lines('cf-confirmed.csv');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(`${b!.envelope.sid},open-letter,`);

    // wall build --confirmed-only needs the envelope file, and keeps b only.
    const decryptedAll = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'cf.ndjson', '-o', 'cf-records.ndjson']);
    expect(decryptedAll.code).toBe(0);
    const noEnvelopes = await run(t.dir, ['wall', 'build', '--from', 'cf-records.ndjson', '--confirmed-only']);
    expect(noEnvelopes.code).toBe(2);
    expect(noEnvelopes.stderr).toContain('secure-sign: error: --confirmed-only needs --envelopes\n');
    const wall = await run(t.dir, ['wall', 'build', '--from', 'cf-records.ndjson', '--envelopes', 'cf.ndjson', '--confirmed-only', '-o', 'cf-wall.json']);
    expect(wall.code).toBe(0);
    expect(wall.stderr).toContain('secure-sign: --confirmed-only: left out 1 unconfirmed signature (no confirmation by the owner of the e-mail address)\n');
    expect(JSON.parse(await bytesOf('cf-wall.json')).entries.map((e: { name: string }) => e.name)).toEqual(['Signer 1']);
  });

  it("refuses a confirmation line whose secret does not hash to the envelope's ch, and a checkpoint whose confirmed line is wrong", async () => {
    fake = await startFake();
    fake.confirmed = true;
    const sealed = [];
    for (let i = 0; i < 3; i++) sealed.push(await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i), confirmable: true }));
    const [a, b, c] = sealed;
    const plain = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(3) });
    fake.stored = [
      { seq: 1, envelope: a!.envelope },
      { seq: 2, envelope: b!.envelope },
      { seq: 3, envelope: c!.envelope },
      { seq: 4, envelope: plain.envelope },
      { seq: 5, line: { confirmation: { sid: a!.envelope.sid, secret: a!.confirmationSecret, decision: 'confirm' } } },
    ];
    expect((await run(t.dir, pullArgs('forged.ndjson'))).code).toBe(0);
    // The collector logs (and exports) a confirmation of b with a secret it made up: the log is
    // consistent, but only the holder of b's secret could have confirmed it.
    fake.stored.push({ seq: 6, line: { confirmation: { sid: c!.envelope.sid, secret: c!.confirmationSecret, decision: 'confirm' } } });
    fake.stored.push({ seq: 7, line: { confirmation: { sid: b!.envelope.sid, secret: createConfirmationSecret().secret, decision: 'confirm' } } });
    const forged = await run(t.dir, pullArgs('forged.ndjson'));
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain(`secure-sign: error: the collector sent a confirmation line (2, seq 7) whose secret does not hash to the ch of submission ${b!.envelope.sid}: nobody but staff and the owner of the e-mail address could have made it\n`);
    // The good line before it is kept (and checked later), the forged one is not written.
    const kept = await lines('forged.ndjson');
    expect(kept.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The same for an envelope that has no ch at all (it cannot be confirmed).
    fake.stored[6] = { seq: 7, line: { confirmation: { sid: plain.envelope.sid, secret: createConfirmationSecret().secret, decision: 'disown' } } };
    const noCh = await run(t.dir, pullArgs('forged.ndjson'));
    expect(noCh.code).toBe(1);
    expect(noCh.stderr).toContain(`whose secret does not hash to the ch of submission ${plain.envelope.sid} (its envelope has no ch)`);
    // And for a submission the collector never exported: its envelope would have come first.
    const stranger = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(4), confirmable: true });
    fake.stored[6] = { seq: 7, line: { confirmation: { sid: stranger.envelope.sid, secret: stranger.confirmationSecret, decision: 'confirm' } } };
    const unknown = await run(t.dir, pullArgs('forged.ndjson'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`secure-sign: error: the collector sent a confirmation line (1, seq 7) for submission ${stranger.envelope.sid}, which it never sent: neither its envelope nor a removed line for it is in the file\n`);
    expect((await lines('forged.ndjson')).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6]);

    // A checkpoint that signs a false confirmed count (the lines are right).
    fake.stored.pop();
    fake.confirmed = 1;
    const wrong = await run(t.dir, pullArgs('forged.ndjson'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("secure-sign: error: the log's checkpoint signs a confirmed count of 1, but its 6 entries count 2 confirmed signatures\n");
    fake.confirmed = true;
    const right = await run(t.dir, pullArgs('forged.ndjson'));
    expect(right.stderr).toContain('signed count 4 (2 confirmed) recounted\n');
    expect(right.code).toBe(0);

    // decrypt does not trust the file blindly either: a confirmation line written into it by hand
    // with another secret confirms nothing, and is named as forged (status 6).
    const text = await bytesOf('forged.ndjson');
    await writeFile(t.path('forged-edited.ndjson'), text + `{"seq":8,"receivedAt":"2026-11-27T10:00:00.000Z","confirmation":{"sid":"${b!.envelope.sid}","secret":"${createConfirmationSecret().secret}","decision":"confirm"}}\n`, { mode: 0o600 });
    const edited = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'forged-edited.ndjson', '--confirmed-only', '-o', 'forged-confirmed.ndjson']);
    expect(edited.code).toBe(6);
    expect(edited.stderr).toContain(`secure-sign: error: 1 forged confirmation (the revealed secret does not hash to the envelope's ch), not counted: ${b!.envelope.sid}\n`);
    expect(edited.stderr).toContain('secure-sign: --confirmed-only: left out 2 unconfirmed signatures (no confirmation by the owner of the e-mail address)\n');
    expect((await lines('forged-confirmed.ndjson')).map((l) => JSON.parse(l).submissionId)).toEqual([a!.envelope.sid, c!.envelope.sid]);
  });
});
