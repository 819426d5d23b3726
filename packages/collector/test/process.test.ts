// The real `secure-sign-collector` binary as operators run it: the campaign commands, SIGKILL in
// the middle of a burst (nothing acknowledged is lost or doubled), and two processes sharing one
// PostgreSQL under concurrent load. Needs the build (dist/), as `npm test` does first.
import { generateCampaignKeys, sealWithdrawable, type Envelope } from '@secure-sign/crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeKeyString } from '../../crypto/src/keys.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { NATIVE_MODULE_HINT } from '../src/store/native.js';
import { EntryCounter, checkpointCount, decodeEntry, MemoryTree } from '@secure-sign/crypto/log';
import { createHash } from 'node:crypto';
import { ENGINES, envelopeFor, postgresFixture, solve, type EngineFixture, type TestCampaign } from './helpers.js';
import { logClient } from './log-client.js';

/**
 * Checks the campaign's public log against the export: entry i is the envelope of seq i + 1 (its
 * sid, SHA-256 of its stored text), nothing more, nothing less; and a signed checkpoint of that
 * size, opened with the published key, has the root of exactly those entries.
 */
async function expectLogMatchesExport(url: string, campaign: string, exported: readonly { seq: number; envelope: Envelope }[]): Promise<void> {
  const log = logClient((path) => fetch(url + path), campaign);
  const { size } = await log.identity();
  expect(size).toBe(exported.length);
  expect(exported.map((line) => line.seq)).toEqual(Array.from({ length: size }, (_, i) => i + 1));
  const entries = await log.entries(size);
  expect(entries.map((e) => decodeEntry(e))).toEqual(
    exported.map((line) => ({ kind: 'stored', submissionId: line.envelope.sid, envelopeHash: new Uint8Array(createHash('sha256').update(JSON.stringify(line.envelope)).digest()) })),
  );
  const { checkpoint } = await log.waitForCheckpoint(size);
  const tree = new MemoryTree();
  for (const entry of entries) tree.appendEntry(entry);
  expect(checkpoint.checkpoint.rootHash).toEqual(tree.root(checkpoint.checkpoint.size));
}

const BIN = fileURLToPath(new URL('../bin/secure-sign-collector.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(DIST)) throw new Error('packages/collector/dist is missing: build first (npm run build, or tsc -b + rollup for the collector)');

const LISTENING = /^secure-sign-collector: listening on (http:\/\/127\.0\.0\.1:[0-9]+)\n$/;

interface Running {
  readonly child: ChildProcess;
  /** Resolves when stderr has shown a line matching the pattern. */
  waitForLog(pattern: RegExp): Promise<void>;
  readonly url: string;
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function run(args: string[], nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', SECURE_SIGN_DATA_DIR: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function start(flags: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--pow-difficulty', '20', '--rate-limit', '100000', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '', SECURE_SIGN_DATA_DIR: '' },
  });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = LISTENING.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(({ code }) => reject(new Error(`collector exited (${code}) before listening: ${stderr.join('')}`)));
  });
  const waitForLog = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (pattern.test(stderr.join(''))) {
          child.stderr!.off('data', check);
          resolve();
        }
      };
      child.stderr!.on('data', check);
      check();
    });
  return { child, url, stderr, exited, waitForLog };
}

function addCampaign(fixture: EngineFixture, id: string, publicKey: string): string {
  const result = run(['campaign', 'add', id, '--key', publicKey, ...fixture.flags]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

async function testCampaign(fixture: EngineFixture, id: string): Promise<TestCampaign> {
  const keys = await generateCampaignKeys();
  return { id, keys, token: addCampaign(fixture, id, keys.publicKey.keyString) };
}

async function submitBody(url: string, campaign: TestCampaign, envelope?: Envelope): Promise<{ envelope: Envelope; pow: unknown }> {
  const challenge = await (await fetch(`${url}/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
  return { envelope: envelope ?? (await envelopeFor(campaign)), pow: await solve(challenge) };
}

function submit(url: string, campaign: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/campaigns/${campaign}/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function exportAll(url: string, campaign: TestCampaign, after = 0): Promise<{ seq: number; envelope: Envelope }[]> {
  const response = await fetch(`${url}/v1/campaigns/${campaign.id}/export?after=${after}`, { headers: { authorization: `Bearer ${campaign.token}` } });
  expect(response.status).toBe(200);
  return (await response.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { seq: number; envelope: Envelope });
}

describe('secure-sign-collector command', () => {
  it('prints usage, registers campaigns, rotates tokens and lists them', async () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('campaign add ID --key sspk1...');
    expect(help.stdout).toContain('--database-url');

    const fixture = ENGINES[0].make();
    try {
      const keys = await generateCampaignKeys();
      const add = run(['campaign', 'add', 'open-letter', '--key', keys.publicKey.keyString, '--origin', 'https://partner.example', '--goal', '10', '--closes', '2030-01-01T00:00:00Z', ...fixture.flags]);
      expect(add.status).toBe(0);
      expect(add.stdout).toMatch(/^sst_[A-Za-z0-9_-]{43}\n$/);
      const again = run(['campaign', 'add', 'open-letter', '--key', keys.publicKey.keyString, ...fixture.flags]);
      expect(again.status).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toContain('campaign open-letter exists');
      const rotated = run(['campaign', 'token', 'open-letter', ...fixture.flags]);
      expect(rotated.status).toBe(0);
      expect(rotated.stdout).toMatch(/^sst_[A-Za-z0-9_-]{43}\n$/);
      expect(rotated.stdout).not.toBe(add.stdout);
      const list = run(['campaign', 'list', ...fixture.flags]);
      expect(list.stdout).toContain('open-letter\tcount=0\tgoal=10\topen=true\topens=-\tcloses=2030-01-01T00:00:00.000Z\torigins=https://partner.example');
      const set = run(['campaign', 'set', 'open-letter', '--any-origin', '--goal', 'none', '--closes', '2031-01-01T00:00:00+01:00', ...fixture.flags]);
      expect(set.stderr).toBe('');
      expect(set.status).toBe(0);
      expect(set.stdout).toContain('open-letter\tcount=0\tgoal=-\topen=true\topens=-\tcloses=2030-12-31T23:00:00.000Z\torigins=*');
      const reversed = run(['campaign', 'set', 'open-letter', '--opens', '2032-01-01T00:00:00Z', ...fixture.flags]);
      expect(reversed.status).toBe(2);
      expect(reversed.stderr).toContain('closesAt: closesAt must be after opensAt');
      expect(run(['campaign', 'set', 'open-letter', '--origin', 'https://a.example/path', ...fixture.flags]).status).toBe(2);
      expect(run(['campaign', 'set', 'nope', '--goal', '3', ...fixture.flags]).status).toBe(1);
      const badKey = run(['campaign', 'add', 'x', '--key', 'sspk1-not-a-key-secret-looking', ...fixture.flags]);
      expect(badKey.status).toBe(2);
      expect(badKey.stderr).toContain('key:');
      expect(badKey.stderr).not.toContain('sspk1-not-a-key-secret-looking');
      expect(run(['campaign', 'token', 'nope', ...fixture.flags]).status).toBe(1);
      expect(run(['serve', '--port', 'x', ...fixture.flags]).status).toBe(2);
      expect(run(['frobnicate']).status).toBe(2);
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses a key off the curve and out-of-range settings as usage errors (exit 2), naming them', async () => {
    const fixture = ENGINES[0].make();
    try {
      const keys = await generateCampaignKeys();
      const bytes = new Uint8Array(64);
      bytes.set(keys.publicKey.encryptionKey);
      bytes.fill(0xff, 32);
      const offCurve = encodeKeyString('sspk1', bytes);
      const add = run(['campaign', 'add', 'x', '--key', offCurve, ...fixture.flags]);
      expect(add.stderr).toBe('secure-sign-collector: error: key: not a valid public campaign key (its signing key is not a valid Ed25519 point)\n');
      expect(add.status).toBe(2);
      const tooMany = run(['serve', '--rate-limit', '2000000', ...fixture.flags]);
      expect(tooMany.status).toBe(2);
      expect(tooMany.stderr).toContain('secure-sign-collector: error: --rate-limit: at most 1000000\n');
      const prefix = run(['serve', '--ipv6-prefix', '8', ...fixture.flags]);
      expect(prefix.status).toBe(2);
      expect(prefix.stderr).toContain('--ipv6-prefix: at least 32');
    } finally {
      await fixture.cleanup();
    }
  });

  it('says which Node the SQLite driver was built for and how to rebuild it, when it cannot load', async () => {
    // The preload makes Node's loader refuse better_sqlite3.node exactly as a Node of another ABI
    // does; the real build on disk is left alone.
    const preload = fileURLToPath(new URL('./fixtures/dlopen-other-abi.cjs', import.meta.url));
    const built = process.versions.modules === '137' ? 'Node 20 (ABI 115)' : 'Node 24 (ABI 137)';
    const fixture = ENGINES[0].make();
    try {
      for (const args of [['campaign', 'list'], ['--port', '0']]) {
        const result = run([...args, ...fixture.flags], ['--require', preload]);
        expect(result.status, args.join(' ')).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `secure-sign-collector: error: the SQLite driver (better-sqlite3) cannot be loaded: it was built for ${built}, ` +
            `and this is Node ${process.versions.node} (ABI ${process.versions.modules})\n` +
            NATIVE_MODULE_HINT.split('\n').map((line) => `secure-sign-collector: hint: ${line}\n`).join(''),
        );
      }
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses a database migrated by a newer build, saying which versions and to upgrade the collector', async () => {
    const fixture = ENGINES[0].make();
    try {
      await (await fixture.open()).close();
      await fixture.exec(`INSERT INTO schema_migrations (version, description) VALUES (${SCHEMA_VERSION + 1}, 'from the future')`);
      for (const args of [['campaign', 'list'], ['--port', '0']]) {
        const result = run([...args, ...fixture.flags]);
        expect(result.status, args.join(' ')).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `secure-sign-collector: error: the SQLite database ${join(fixture.flags[1]!, 'collector.sqlite')} is at schema version ${SCHEMA_VERSION + 1}, ` +
            `newer than this build of the collector supports (versions up to ${SCHEMA_VERSION}): it was migrated by a newer collector; upgrade the collector\n` +
            'secure-sign-collector: hint: run the collector release that migrated this database, or a newer one; an older build never opens a newer database\n',
        );
      }
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight on SIGTERM, refuses new connections, then exits 0', async () => {
    const fixture = ENGINES[0].make();
    try {
      const campaign = await testCampaign(fixture, 'graceful');
      const collector = await start(fixture.flags);
      const body = Buffer.from(JSON.stringify(await submitBody(collector.url, campaign)));
      const { hostname, port } = new URL(collector.url);
      // Send the headers and half the body, stop the collector, then send the rest.
      const req = request({ hostname, port, method: 'POST', path: '/v1/campaigns/graceful/submissions', headers: { 'content-type': 'application/json', 'content-length': body.length } });
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
      });
      await new Promise<void>((resolve, reject) => req.write(body.subarray(0, 100), (error) => (error ? reject(error) : resolve())));
      // No event tells us the collector has parsed the headers; a short margin after the bytes
      // left our socket does (an idle connection would be closed by the shutdown instead).
      await new Promise((resolve) => setTimeout(resolve, 100));
      collector.child.kill('SIGTERM');
      await collector.waitForLog(/"msg":"shutting down"/);
      await expect(fetch(`${collector.url}/healthz`)).rejects.toThrow();
      req.end(body.subarray(100));
      const answer = await response;
      expect(answer.status).toBe(201);
      expect(answer.text).toContain('"sid"');
      expect(await collector.exited).toEqual({ code: 0, signal: null });
      // And it was stored.
      const again = await start(fixture.flags);
      expect((await exportAll(again.url, campaign)).map((l) => l.envelope.sid)).toEqual([JSON.parse(body.toString()).envelope.sid]);
      again.child.kill('SIGTERM');
      await again.exited;
    } finally {
      await fixture.cleanup();
    }
  });
});

describe.each(ENGINES)('secure-sign-collector on $name', ({ make }) => {
  let fixture: EngineFixture;
  afterEach(async () => {
    await fixture?.cleanup();
  });

  it('loses nothing acknowledged and doubles nothing when SIGKILLed mid-burst', async () => {
    fixture = make();
    const campaign = await testCampaign(fixture, 'burst');
    const first = await start(fixture.flags);
    const COUNT = 200;
    const bodies = await Promise.all(Array.from({ length: COUNT }, () => submitBody(first.url, campaign)));

    const acknowledged = new Set<string>();
    let killed = false;
    const results = await Promise.allSettled(
      bodies.map(async (body) => {
        const response = await submit(first.url, campaign.id, body);
        if (response.status === 201 || response.status === 200) {
          acknowledged.add(body.envelope.sid);
          // Kill once a quarter is acknowledged: the rest are in flight or not yet sent.
          if (acknowledged.size >= COUNT / 4 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } else {
          throw new Error(`unexpected status ${response.status}`);
        }
      }),
    );
    expect((await first.exited).signal).toBe('SIGKILL');
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0); // the kill really cut the burst
    expect(acknowledged.size).toBeGreaterThanOrEqual(COUNT / 4);
    for (const failure of failures) expect(String((failure as PromiseRejectedResult).reason)).not.toContain('unexpected status');

    const second = await start(fixture.flags);
    const exported = await exportAll(second.url, campaign);
    const sids = exported.map((line) => line.envelope.sid);
    expect(new Set(sids).size).toBe(sids.length); // nothing doubled
    for (const sid of acknowledged) expect(sids).toContain(sid); // nothing acknowledged lost
    const seqs = exported.map((line) => line.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The log after the restart: every acknowledged envelope is in it, and no entry lacks its envelope.
    await expectLogMatchesExport(second.url, campaign.id, exported);

    // Retrying every envelope after the restart ends with each stored exactly once.
    for (const body of bodies) {
      const retry = await submit(second.url, campaign.id, sids.includes(body.envelope.sid) ? body : await submitBody(second.url, campaign, body.envelope));
      expect([200, 201]).toContain(retry.status);
    }
    const final = await exportAll(second.url, campaign);
    expect(final).toHaveLength(COUNT);
    expect(new Set(final.map((line) => line.envelope.sid)).size).toBe(COUNT);
    const facts = (await (await fetch(`${second.url}/v1/campaigns/burst`)).json()) as { count: number };
    expect(facts.count).toBe(COUNT);
    await expectLogMatchesExport(second.url, campaign.id, final);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const log = second.stderr.join('') + first.stderr.join('');
    expect(log).toContain('"msg":"stopped"');
    expect(log).not.toContain(campaign.token);
    expect(log).not.toContain(bodies[0]!.envelope.ct);
    expect(log).not.toContain('127.0.0.1');
  });
});

describe('two collector processes on one PostgreSQL', () => {
  let fixture: EngineFixture;
  afterEach(async () => {
    await fixture?.cleanup();
  });

  it('share spent challenges, never lose or double a submission, and keep the export cursor exact', async () => {
    fixture = postgresFixture();
    const campaign = await testCampaign(fixture, 'shared');
    const [a, b] = await Promise.all([start(fixture.flags), start(fixture.flags)]);

    // A challenge issued by A verifies at B, once.
    const crossed = await submitBody(a.url, campaign);
    expect((await submit(b.url, campaign.id, crossed)).status).toBe(201);
    const replay = await submit(a.url, campaign.id, { envelope: await envelopeFor(campaign), pow: crossed.pow });
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { code: string }).code).toBe('pow-replayed');

    // Load: 150 submissions alternating between the processes, 30 of them sent to both at once
    // (same envelope, different proofs), while a reader keeps pulling the export with a cursor.
    const COUNT = 150;
    const bodies = await Promise.all(Array.from({ length: COUNT }, (_, i) => submitBody(i % 2 ? a.url : b.url, campaign)));
    const twins = await Promise.all(bodies.slice(0, 30).map((body) => submitBody(a.url, campaign, body.envelope)));
    const seen: { seq: number; sid: string }[] = [];
    let cursor = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const lines = await exportAll(a.url, campaign, cursor);
        for (const line of lines) seen.push({ seq: line.seq, sid: line.envelope.sid });
        if (lines.length > 0) cursor = lines.at(-1)!.seq;
      }
    })();
    const statuses = await Promise.all([
      ...bodies.map((body, i) => submit(i % 2 ? b.url : a.url, campaign.id, body).then((r) => r.status)),
      ...twins.map((body) => submit(b.url, campaign.id, body).then((r) => r.status)),
    ]);
    writing = false;
    await reader;
    for (const line of await exportAll(b.url, campaign, cursor)) seen.push({ seq: line.seq, sid: line.envelope.sid });

    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(statuses.filter((s) => s === 201)).toHaveLength(COUNT);
    const expected = new Set([crossed.envelope.sid, ...bodies.map((body) => body.envelope.sid)]);
    const seenSids = seen.map((s) => s.sid);
    expect(new Set(seenSids).size).toBe(seenSids.length); // the cursor never delivered a row twice
    expect(new Set(seenSids)).toEqual(expected); // nor skipped one
    expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: COUNT + 1 }, (_, i) => i + 1));
    const facts = (await (await fetch(`${b.url}/v1/campaigns/shared`)).json()) as { count: number };
    expect(facts.count).toBe(COUNT + 1);
    // One log, in the export's order, whichever process is asked; their checkpoints agree.
    const all = await exportAll(a.url, campaign);
    await expectLogMatchesExport(a.url, campaign.id, all);
    await expectLogMatchesExport(b.url, campaign.id, all);
    const note = async (url: string) => (await fetch(`${url}/v1/campaigns/shared/log/checkpoint`)).text();
    const [noteA, noteB] = [await note(a.url), await note(b.url)];
    expect(noteA).toBe(noteB);

    a.child.kill('SIGTERM');
    b.child.kill('SIGINT');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });
  it('keep one sequence while withdrawals, removals and submissions race through both, and sign the same counted checkpoint', async () => {
    fixture = postgresFixture();
    const campaign = await testCampaign(fixture, 'shared');
    const [a, b] = await Promise.all([start(fixture.flags), start(fixture.flags)]);
    const urls = [a.url, b.url];
    const seal = () =>
      sealWithdrawable({
        publicKey: campaign.keys.publicKey,
        campaign: campaign.id,
        signer: { kind: 'individual', name: 'Ada Lovelace', email: 'ada@example.org', consent: { listPublicly: false, contactLater: false } },
      });
    const prepare = (n: number) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const sealed = await seal();
          return { ...sealed, body: await submitBody(urls[i % 2]!, campaign, sealed.envelope) };
        }),
      );
    const first = await prepare(20);
    for (const [i, s] of first.entries()) expect((await submit(urls[i % 2]!, campaign.id, s.body)).status).toBe(201);
    const later = await prepare(20);
    const withdraw = (url: string, sid: string, secret: string) =>
      fetch(`${url}/v1/campaigns/${campaign.id}/withdrawals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sid, secret }) });
    const statuses = await Promise.all([
      // Each of 10 withdrawals sent to both processes at once.
      ...first.slice(0, 10).flatMap((s) => urls.map((url) => withdraw(url, s.envelope.sid, s.withdrawalSecret).then((r) => r.status))),
      ...first.slice(10, 13).map((s, i) =>
        fetch(`${urls[i % 2]}/v1/campaigns/${campaign.id}/submissions/${s.envelope.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } }).then((r) => r.status),
      ),
      ...later.map((s, i) => submit(urls[i % 2]!, campaign.id, s.body).then((r) => r.status)),
    ]);
    expect(statuses).toEqual([...Array(20).fill(200), 204, 204, 204, ...Array(20).fill(201)]);
    const size = 20 + 10 + 3 + 20;
    const count = 40 - 10 - 3;
    // Export: a line for every seq, no gap, each the log's entry at that index.
    const lines = (await (await fetch(`${b.url}/v1/campaigns/${campaign.id}/export`, { headers: { authorization: `Bearer ${campaign.token}` } })).text())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { seq: number; envelope?: Envelope; removed?: { sid: string }; withdrawal?: { sid: string; secret: string }; removal?: { sid: string } });
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: size }, (_, i) => i + 1));
    expect(lines.filter((l) => l.withdrawal)).toHaveLength(10);
    expect(lines.filter((l) => l.removal)).toHaveLength(3);
    expect(lines.filter((l) => l.removed)).toHaveLength(13);
    for (const url of urls) {
      const log = logClient((path) => fetch(url + path), campaign.id);
      const { checkpoint } = await log.waitForCheckpoint(size);
      expect(checkpoint.checkpoint.size).toBe(size);
      expect(checkpointCount(checkpoint.checkpoint)).toBe(count);
      const entries = await log.entries(size);
      const counter = new EntryCounter();
      entries.forEach((e, i) => {
        counter.add(e);
        expect(decodeEntry(e).submissionId).toBe((lines[i]!.envelope ?? lines[i]!.removed ?? lines[i]!.withdrawal ?? lines[i]!.removal)!.sid);
      });
      expect(counter.count).toBe(count);
      expect(((await (await fetch(`${url}/v1/campaigns/shared`)).json()) as { count: number }).count).toBe(count);
    }
    const note = async (url: string) => (await fetch(`${url}/v1/campaigns/shared/log/checkpoint`)).text();
    expect(await note(a.url)).toBe(await note(b.url));

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });
});
