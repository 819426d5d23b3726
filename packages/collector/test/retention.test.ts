// Retention (docs/operations.md "Retention", docs/api.md "Closing a campaign") on both engines,
// with a fake clock: closing refuses new signatures, nothing is deleted before the deletion date,
// then the job deletes every ciphertext once (also with two processes racing on one database),
// export says `removed`, the count, the log and its signed checkpoint stay and still verify,
// withdrawals after the deletion are refused alike; the command and the admin API.
import { formatEnvelope, formatWithdrawalCode, sealWithdrawable } from '@secure-sign/crypto';
import { MemoryTree, checkpointCount, decodeEntry, leafHash, verifyInclusion } from '@secure-sign/crypto/log';
import { pino } from 'pino';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { updateCampaign } from '../src/campaigns.js';
import { resolveConfig } from '../src/config.js';
import { issueCheckpoints, loadLogKey } from '../src/log.js';
import { main } from '../src/main.js';
import { createMetrics } from '../src/metrics.js';
import { MAX_RETENTION_DAYS, parseRetentionPeriod, runRetention } from '../src/retention.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, addCampaign, expectDocumented, solve, submissionInsert, type EngineFixture, type TestCampaign } from './helpers.js';
import { logClient } from './log-client.js';

const LOG_NAME = 'collector.example';
const ADMIN = 'admin-token-for-the-retention-tests-0123456789';
const DAY = 86_400_000;
const START = Date.parse('2026-12-01T09:00:00.000Z');
const quiet = pino({ level: 'silent' });
const BIN = fileURLToPath(new URL('../bin/secure-sign-collector.js', import.meta.url));
/** The real binary's environment: periods in seconds, the job every half second (tests only). */
const BIN_ENV = { ...process.env, DATABASE_URL: '', SECURE_SIGN_DATA_DIR: '', SECURE_SIGN_TEST_SHORT_RETENTION: '1' };

/** Starts the real collector (needs the build, dist/); its URL and its stderr so far. */
async function startBinary(flags: string[], children: ChildProcess[]): Promise<{ url: string; stderr: string[] }> {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--pow-difficulty', '20', '--rate-limit', '100000', ...flags], { stdio: ['ignore', 'pipe', 'pipe'], env: BIN_ENV });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:[0-9]+)\n/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`collector exited (${code}) before listening: ${stderr.join('')}`)));
  });
  return { url, stderr };
}

type Http = (path: string, init?: RequestInit) => Promise<Response>;
type Line = { seq: number; receivedAt: string; envelope?: { sid: string; ct: string }; removed?: { sid: string; hash: string; wh?: string }; withdrawal?: { sid: string; secret: string } };
type Closed = { campaign: string; retention: { closedAt: string; deleteAt: string; deletedAt?: string } };
const closedRetention = async (response: Response) => ((await response.json()) as Closed).retention;
type CampaignAnswer = { count: number; open: boolean; log: { size: number }; retention?: { closedAt: string; deleteAt: string; deletedAt?: string } };

const post = (http: Http, path: string, body: unknown, headers: Record<string, string> = {}) =>
  http(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const admin = { authorization: `Bearer ${ADMIN}` };

/** A real signer: seals with a withdrawal secret, solves a challenge, submits (201). */
async function sign(http: Http, campaign: TestCampaign, name: string) {
  const { envelope, withdrawalSecret } = await sealWithdrawable({
    publicKey: campaign.keys.publicKey,
    campaign: campaign.id,
    signer: { kind: 'individual', name, email: `${name.toLowerCase()}@example.org`, consent: { listPublicly: true, contactLater: false } },
  });
  const challenge = await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
  const response = await post(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope, pow: await solve(challenge) });
  expect(response.status).toBe(201);
  return { envelope, secret: withdrawalSecret };
}

async function exportLines(http: Http, campaign: TestCampaign): Promise<Line[]> {
  const response = await http(`/v1/campaigns/${campaign.id}/export`, { headers: { authorization: `Bearer ${campaign.token}` } });
  return (await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as Line[];
}

async function campaignAnswer(http: Http, campaign: string): Promise<CampaignAnswer> {
  return (await expectDocumented(await http(`/v1/campaigns/${campaign}`), 'GET', '/v1/campaigns/{campaign}')) as CampaignAnswer;
}

/** A pino logger whose lines are kept. */
function recordingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('parseRetentionPeriod', () => {
  it('takes Nd and Nw from 1 day to the maximum, nothing else, seconds only when asked', () => {
    expect(parseRetentionPeriod('180d')).toBe(180 * DAY);
    expect(parseRetentionPeriod('1d')).toBe(DAY);
    expect(parseRetentionPeriod('26w')).toBe(182 * DAY);
    expect(parseRetentionPeriod(`${MAX_RETENTION_DAYS}d`)).toBe(MAX_RETENTION_DAYS * DAY);
    for (const bad of ['0d', '01d', '-1d', '1.5d', '180', 'd', '180D', '180 d', ' 180d', '6m', '12h', '1y', '', `${MAX_RETENTION_DAYS + 1}d`, '522w', '30s', 180, null, undefined, ['180d']]) {
      expect(() => parseRetentionPeriod(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(() => parseRetentionPeriod('30s')).toThrow(/^deleteAfter: expected a period like 180d/);
    expect(parseRetentionPeriod('30s', { allowSeconds: true })).toBe(30_000);
    expect(() => parseRetentionPeriod('0s', { allowSeconds: true })).toThrow(RangeError);
  });
});

describe.each(ENGINES)('retention on $name', ({ make }) => {
  const fixtures: EngineFixture[] = [];
  const stores: Store[] = [];
  const servers: RunningServer[] = [];
  const children: ChildProcess[] = [];
  const fresh = async () => {
    const fixture = make();
    fixtures.push(fixture);
    const store = await fixture.open();
    stores.push(store);
    return { fixture, store };
  };
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    for (const server of servers.splice(0)) await server.close();
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('close refuses new signatures (403), nothing is deleted before deleteAt, then every ciphertext is (none left in the SQLite files): export says removed, the count, the log and its checkpoint stay and verify', async () => {
    const { fixture, store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    let now = START;
    const metrics = createMetrics();
    const app = createApp({ store, config: resolveConfig({ powDifficulty: 50, rateLimit: 10_000, logName: LOG_NAME, adminToken: ADMIN }), logger: quiet, clock: { now: () => now }, metrics });
    const http: Http = async (path, init) => app.request(path, init);

    const signers = [await sign(http, campaign, 'Ada'), await sign(http, campaign, 'Grace'), await sign(http, campaign, 'Alan')];
    const withdrawn = signers[2]!;
    const spare = await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();

    // Close with 180 days, by the admin API.
    now += 1000;
    const closed = await post(http, `/v1/admin/campaigns/${campaign.id}/close`, { deleteAfter: '180d' }, admin);
    expect(closed.status).toBe(200);
    const retention = { closedAt: new Date(now).toISOString(), deleteAt: new Date(now + 180 * DAY).toISOString() };
    expect(await expectDocumented(closed, 'POST', '/v1/admin/campaigns/{campaign}/close')).toEqual({ campaign: campaign.id, retention });

    // No new signature: a challenge is refused, and so is a submission with a challenge issued before.
    const refusedChallenge = await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' });
    expect(((await expectDocumented(refusedChallenge, 'POST', '/v1/campaigns/{campaign}/challenge')) as { code: string }).code).toBe('campaign-closed');
    const late = await sealWithdrawable({ publicKey: campaign.keys.publicKey, campaign: campaign.id, signer: { kind: 'individual', name: 'Late', email: 'late@example.org', consent: { listPublicly: false, contactLater: false } } });
    const refused = await post(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope: late.envelope, pow: await solve(spare) });
    expect(refused.status).toBe(403);
    expect(((await expectDocumented(refused, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('campaign-closed');
    // A retry of a stored envelope still gets its receipt (idempotent), and stores nothing new.
    const retry = await post(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope: signers[0]!.envelope, pow: null });
    expect(retry.status).toBe(200);
    // Withdrawing stays possible until the deletion.
    expect((await post(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: withdrawn.envelope.sid, secret: withdrawn.secret })).status).toBe(200);

    const before = await campaignAnswer(http, campaign.id);
    expect(before).toMatchObject({ count: 2, open: false, retention, log: { size: 4 } });
    expect(before.retention).not.toHaveProperty('deletedAt');

    // The signed checkpoint of the whole log, before anything is deleted.
    await issueCheckpoints(store, await loadLogKey(store), LOG_NAME);
    const log = logClient(http, campaign.id);
    const checkpointBefore = await log.checkpoint();
    expect(checkpointBefore.checkpoint.size).toBe(4);
    const entriesBefore = await log.entries(4);

    // Up to a millisecond before deleteAt: nothing deleted.
    const recorder = recordingLogger();
    expect(await runRetention(store, START + 1000 + 180 * DAY - 1, recorder.logger, metrics)).toEqual([]);
    let lines = await exportLines(http, campaign);
    expect(lines.filter((l) => l.envelope).map((l) => l.envelope!.sid)).toEqual([signers[0]!.envelope.sid, signers[1]!.envelope.sid]);
    if (fixture.name === 'sqlite') {
      const bytes = readFileSync(join(fixture.flags[1]!, 'collector.sqlite')).toString('latin1') + readFileSync(join(fixture.flags[1]!, 'collector.sqlite-wal')).toString('latin1');
      expect(bytes).toContain(signers[0]!.envelope.ct.slice(0, 64));
    }

    // At deleteAt: the two stored ciphertexts go, once.
    now = START + 1000 + 180 * DAY;
    expect(await runRetention(store, now, recorder.logger, metrics)).toEqual([{ campaign: campaign.id, deleted: 2, deletedAt: retention.deleteAt }]);
    expect(await runRetention(store, now + DAY, recorder.logger, metrics)).toEqual([]);
    const logged = recorder.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ campaign: campaign.id, deleted: 2, deletedAt: retention.deleteAt, msg: 'retention: deleted the ciphertexts of a closed campaign' });
    expect(await (await http('/metrics')).text()).toContain(`secure_sign_retention_deleted_total{campaign="${campaign.id}"} 2`);

    // Export: one line per seq as before; the envelopes are `removed` lines (sid, hash, wh), no ciphertext anywhere.
    lines = await exportLines(http, campaign);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    for (const [i, signer] of signers.entries()) {
      expect(lines[i]).toEqual({
        seq: i + 1,
        receivedAt: expect.any(String),
        removed: { sid: signer.envelope.sid, hash: createHash('sha256').update(formatEnvelope(signer.envelope)).digest('base64'), wh: signer.envelope.wh },
      });
    }
    expect(lines[3]).toMatchObject({ seq: 4, withdrawal: { sid: withdrawn.envelope.sid, secret: withdrawn.secret } });
    const text = JSON.stringify(lines);
    for (const signer of signers) expect(text).not.toContain(signer.envelope.ct);
    // SQLite: not in the database file nor in its WAL either (secure_delete, then the WAL truncated).
    if (fixture.name === 'sqlite') {
      const bytes = ['collector.sqlite', 'collector.sqlite-wal']
        .map((name) => join(fixture.flags[1]!, name))
        .filter((file) => existsSync(file))
        .map((file) => readFileSync(file).toString('latin1'))
        .join('');
      for (const signer of signers) expect(bytes.includes(signer.envelope.ct.slice(0, 64)), 'ciphertext left in the SQLite files').toBe(false);
      expect(bytes).toContain(signers[0]!.envelope.sid);
    }

    // The campaign answer: deletedAt, the same count, the same log size.
    expect(await campaignAnswer(http, campaign.id)).toMatchObject({ count: 2, open: false, log: { size: 4 }, retention: { ...retention, deletedAt: retention.deleteAt } });

    // The log did not change: no new checkpoint to sign, the same signed one, the same entries,
    // each provably in it from the tiles; and each removed line's hash is its logged entry.
    expect(await issueCheckpoints(store, await loadLogKey(store), LOG_NAME)).toBe(0);
    const checkpointAfter = await log.checkpoint();
    expect(checkpointAfter.text).toBe(checkpointBefore.text);
    expect(checkpointCount(checkpointAfter.checkpoint)).toBe(2);
    const entries = await log.entries(4);
    expect(entries).toEqual(entriesBefore);
    const tree = new MemoryTree();
    for (const entry of entries) tree.appendEntry(entry);
    expect(tree.root(4)).toEqual(checkpointAfter.checkpoint.rootHash);
    for (const [i, entry] of entries.entries()) verifyInclusion(leafHash(entry), i, 4, await log.inclusion(i, 4), checkpointAfter.checkpoint.rootHash);
    for (const [i, line] of lines.slice(0, 3).entries()) {
      expect(decodeEntry(entries[i]!)).toEqual({ kind: 'stored', submissionId: line.removed!.sid, envelopeHash: new Uint8Array(Buffer.from(line.removed!.hash, 'base64')) });
    }

    // Withdrawals after the deletion: 410 signatures-deleted (JSON and the page), nothing changes;
    // a withdrawal made before still answers its original receipt.
    const gone = await post(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: signers[0]!.envelope.sid, secret: signers[0]!.secret });
    expect(gone.status).toBe(410);
    expect(((await expectDocumented(gone, 'POST', '/v1/campaigns/{campaign}/withdrawals')) as { code: string }).code).toBe('signatures-deleted');
    const page = await http(`/v1/campaigns/${campaign.id}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
      body: `code=${encodeURIComponent(formatWithdrawalCode(signers[1]!.envelope.sid, signers[1]!.secret))}`,
    });
    expect(page.status).toBe(410);
    expect((await expectDocumented(page, 'POST', '/v1/campaigns/{campaign}/withdraw')) as string).toContain('ihre Unterschriften wurden gelöscht');
    expect((await post(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: withdrawn.envelope.sid, secret: withdrawn.secret })).status).toBe(200);
    expect((await post(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: signers[0]!.envelope.sid, secret: signers[1]!.secret })).status).toBe(403);
    // The operator's removal finds nothing stored either.
    const removal = await http(`/v1/campaigns/${campaign.id}/submissions/${signers[0]!.envelope.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } });
    expect(removal.status).toBe(404);
    expect(await campaignAnswer(http, campaign.id)).toMatchObject({ count: 2, log: { size: 4 } });

    // Closing again after the deletion changes nothing.
    const again = await post(http, `/v1/admin/campaigns/${campaign.id}/close`, { deleteAfter: '1d' }, admin);
    expect(await again.json()).toEqual({ campaign: campaign.id, retention: { ...retention, deletedAt: retention.deleteAt } });
  });

  it('closing again keeps the earliest deleteAt and the first closedAt, new dates do not reopen it, bad periods and bodies are refused without echo, the admin token is required', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    let now = START;
    const app = createApp({ store, config: resolveConfig({ logName: LOG_NAME, adminToken: ADMIN }), logger: quiet, clock: { now: () => now } });
    const http: Http = async (path, init) => app.request(path, init);
    const close = (body: unknown, headers = admin) => post(http, `/v1/admin/campaigns/${campaign.id}/close`, body, headers);
    const closedAt = new Date(START).toISOString();

    expect(await closedRetention(await close({ deleteAfter: '180d' }))).toEqual({ closedAt, deleteAt: new Date(START + 180 * DAY).toISOString() });
    now += DAY;
    // Shorter: brought forward (from the new now). Longer: kept.
    expect(await closedRetention(await close({ deleteAfter: '4w' }))).toEqual({ closedAt, deleteAt: new Date(START + DAY + 28 * DAY).toISOString() });
    now += DAY;
    expect(await closedRetention(await close({ deleteAfter: '365d' }))).toEqual({ closedAt, deleteAt: new Date(START + 29 * DAY).toISOString() });
    expect((await store.getCampaign(campaign.id))!.retention).toEqual({ closedAt, deleteAt: new Date(START + 29 * DAY).toISOString(), deletedAt: null });
    // Changing its dates does not reopen it.
    expect(await updateCampaign(store, campaign.id, { opensAt: null, closesAt: null })).toBe(true);
    expect(((await (await http(`/v1/campaigns/${campaign.id}`)).json()) as CampaignAnswer).open).toBe(false);
    expect((await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).status).toBe(403);

    for (const body of [{}, { deleteAfter: '0d' }, { deleteAfter: '12h' }, { deleteAfter: '30s' }, { deleteAfter: 180 }, { deleteAfter: '180d', secret: '<script>' }, [], 'x']) {
      const response = await close(body);
      const problem = (await expectDocumented(response, 'POST', '/v1/admin/campaigns/{campaign}/close')) as { code: string; detail: string };
      expect(problem.code, JSON.stringify(body)).toBe('invalid-request');
      expect(problem.detail).not.toContain('<script>');
      expect(problem.detail).not.toContain('secret');
    }
    const unknown = await post(http, '/v1/admin/campaigns/nope/close', { deleteAfter: '180d' }, admin);
    expect(((await expectDocumented(unknown, 'POST', '/v1/admin/campaigns/{campaign}/close')) as { code: string }).code).toBe('unknown-campaign');
    const anonymous = await close({ deleteAfter: '1d' }, { authorization: `Bearer sst_${'x'.repeat(43)}` });
    expect(((await expectDocumented(anonymous, 'POST', '/v1/admin/campaigns/{campaign}/close')) as { code: string }).code).toBe('unauthorized');
    expect((await store.getCampaign(campaign.id))!.retention!.deleteAt).toBe(new Date(START + 29 * DAY).toISOString());

    // Without an admin token configured the endpoint does not exist.
    const closedApp = createApp({ store, config: resolveConfig({ logName: LOG_NAME }), logger: quiet });
    expect((await closedApp.request(`/v1/admin/campaigns/${campaign.id}/close`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: '{"deleteAfter":"1d"}' })).status).toBe(404);

    // The test flag accepts seconds.
    const testApp = createApp({ store, config: resolveConfig({ logName: LOG_NAME, adminToken: ADMIN, shortRetentionForTests: true }), logger: quiet, clock: { now: () => now } });
    const other = await addCampaign(store, 'other');
    const short = await testApp.request(`/v1/admin/campaigns/${other.id}/close`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: '{"deleteAfter":"30s"}' });
    expect((await closedRetention(short)).deleteAt).toBe(new Date(now + 30_000).toISOString());
  });

  it('an insert that commits after the close is refused by the store itself (closed), a retry of a stored envelope is still a duplicate, no challenge is spent', async () => {
    const { store } = await fresh();
    await addCampaign(store, 'c1');
    expect((await store.insertSubmission(submissionInsert(1))).status).toBe('created');
    await store.closeCampaign('c1', new Date(START).toISOString(), new Date(START + DAY).toISOString());
    expect(await store.insertSubmission(submissionInsert(2))).toEqual({ status: 'closed' });
    expect(await store.insertSubmission(submissionInsert(1, { powId: 'pow-other' }))).toMatchObject({ status: 'duplicate' });
    expect((await store.getCampaign('c1'))!).toMatchObject({ count: 1, logSize: 1 });
    // pow-2 was not spent: it would be accepted if the campaign were open.
    expect(await store.pruneSpentChallenges(Number.MAX_SAFE_INTEGER)).toBe(1);
  });

  it('two processes racing the job on one database delete once: one reports the count, the other nothing', async () => {
    const { fixture, store } = await fresh();
    const second = await fixture.open();
    stores.push(second);
    const ids = ['race-a', 'race-b', 'race-c'];
    for (const id of ids) {
      await addCampaign(store, id);
      for (let n = 1; n <= 25; n++) expect((await store.insertSubmission(submissionInsert(n, { campaign: id, powId: `${id}-${n}` }))).status).toBe('created');
      await store.closeCampaign(id, new Date(START).toISOString(), new Date(START + DAY).toISOString());
    }
    const a = recordingLogger();
    const b = recordingLogger();
    const [first, other] = await Promise.all([runRetention(store, START + DAY, a.logger), runRetention(second, START + DAY, b.logger)]);
    const all = [...first, ...other];
    // Each campaign deleted exactly once, with all its 25 ciphertexts, whichever process did it.
    expect(all.map((d) => d.campaign).sort()).toEqual(ids);
    expect(all.every((d) => d.deleted === 25)).toBe(true);
    expect(a.lines.length + b.lines.length).toBe(3);
    for (const id of ids) {
      const lines = [];
      for await (const event of store.exportEvents(id, 0, 100)) lines.push(event);
      expect(lines).toHaveLength(25);
      expect(lines.every((e) => e.kind === 'stored' && e.envelope === null && e.envelopeHash === `hash-${e.seq}`)).toBe(true);
      expect((await store.getCampaign(id))!).toMatchObject({ count: 25, logSize: 25, retention: { deletedAt: new Date(START + DAY).toISOString() } });
    }
    expect([...(await runRetention(store, START + 2 * DAY, quiet)), ...(await runRetention(second, START + 2 * DAY, quiet))]).toEqual([]);
  });

  it('the server runs the job on its timer with its clock', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    let now = START;
    const clock = { now: () => now };
    const app = createApp({ store, config: resolveConfig({ powDifficulty: 50, logName: LOG_NAME, adminToken: ADMIN }), logger: quiet, clock });
    const server = await startServer({ app, store, logger: quiet, host: '127.0.0.1', port: 0, clock, logName: LOG_NAME, retentionIntervalMs: 20 });
    servers.push(server);
    stores.splice(stores.indexOf(store), 1); // the server closes it
    const http: Http = (path, init) => fetch(server.url + path, init);
    const signer = await sign(http, campaign, 'Ada');
    expect((await post(http, `/v1/admin/campaigns/${campaign.id}/close`, { deleteAfter: '1d' }, admin)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await exportLines(http, campaign))[0]!.envelope!.ct).toBe(signer.envelope.ct);
    now += DAY;
    const deadline = Date.now() + 5000;
    while (!(await campaignAnswer(http, campaign.id)).retention?.deletedAt) {
      if (Date.now() > deadline) throw new Error('the job did not delete within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await exportLines(http, campaign))[0]!.removed!.sid).toBe(signer.envelope.sid);
  });

  it('the real binary: campaign close with a short period (test flag), the running collectors delete once and log it (two processes on PostgreSQL)', async () => {
    const { fixture, store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const processes = [await startBinary(fixture.flags, children)];
    if (fixture.name === 'postgres') processes.push(await startBinary(fixture.flags, children));
    const [first, last] = [processes[0]!, processes.at(-1)!];
    const http: Http = (path, init) => fetch(first.url + path, init);
    const signers = [await sign(http, campaign, 'Ada'), await sign((path, init) => fetch(last.url + path, init), campaign, 'Grace'), await sign(http, campaign, 'Alan')];

    const close = spawnSync(process.execPath, [BIN, 'campaign', 'close', campaign.id, '--delete-after', '2s', ...fixture.flags], { encoding: 'utf8', env: BIN_ENV });
    expect(close.stderr).toMatch(/^secure-sign-collector: campaign open-letter is closed; its ciphertexts will be deleted at \S+Z\n$/);
    expect(close.status).toBe(0);
    expect(close.stdout).toMatch(/\tclosed=\S+Z\tdelete=\S+Z\n$/);
    const refused = await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
    expect(refused).toMatchObject({ code: 'campaign-closed' });

    const deadline = Date.now() + 15_000;
    let answer = await campaignAnswer(http, campaign.id);
    while (answer.retention?.deletedAt === undefined) {
      if (Date.now() > deadline) throw new Error('no process deleted within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await campaignAnswer(http, campaign.id);
    }
    expect(answer).toMatchObject({ count: 3, open: false, log: { size: 3 } });
    expect(Date.parse(answer.retention!.deletedAt!)).toBeGreaterThanOrEqual(Date.parse(answer.retention!.deleteAt));
    // Give the other process a few more passes: still exactly one deletion line, with the number.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const logged = processes
      .flatMap((p) => p.stderr.join('').split('\n'))
      .filter((line) => line.includes('retention: deleted'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ campaign: campaign.id, deleted: 3, deletedAt: answer.retention!.deletedAt });
    const lines = await exportLines(http, campaign);
    expect(lines.map((l) => l.removed?.sid)).toEqual(signers.map((s) => s.envelope.sid));
    for (const p of processes) for (const signer of signers) expect(p.stderr.join('')).not.toContain(signer.envelope.ct);
  });

  it('campaign close: the command closes, prints the list line with the dates, refuses bad periods (exit 2) and unknown campaigns (exit 1)', async () => {
    const { fixture, store } = await fresh();
    await addCampaign(store, 'open-letter');
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    const env = { DATABASE_URL: '', SECURE_SIGN_DATA_DIR: '' };
    const before = Date.now();
    expect(await main(['campaign', 'close', 'open-letter', '--delete-after', '180d', ...fixture.flags], env)).toBe(0);
    const retention = (await store.getCampaign('open-letter'))!.retention!;
    expect(Date.parse(retention.closedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(retention.deleteAt) - Date.parse(retention.closedAt)).toBe(180 * DAY);
    expect(out.join('')).toMatch(new RegExp(`^open-letter\\tcount=0\\t.*\\topen=false\\t.*\\tclosed=${retention.closedAt}\\tdelete=${retention.deleteAt}\\n$`));
    expect(err.join('')).toBe(`secure-sign-collector: campaign open-letter is closed; its ciphertexts will be deleted at ${retention.deleteAt}\n`);

    out.length = 0;
    err.length = 0;
    expect(await main(['campaign', 'close', 'open-letter', '--delete-after', '6m', ...fixture.flags], env)).toBe(2);
    expect(err.join('')).toBe(
      'secure-sign-collector: error: --delete-after: expected a period like 180d or 26w (days or weeks, at least 1d)\nsecure-sign-collector: hint: run secure-sign-collector --help\n',
    );
    err.length = 0;
    expect(await main(['campaign', 'close', 'open-letter', ...fixture.flags], env)).toBe(2);
    expect(err.join('')).toContain('campaign close: --delete-after PERIOD is required');
    err.length = 0;
    expect(await main(['campaign', 'close', 'nope', '--delete-after', '1d', ...fixture.flags], env)).toBe(1);
    expect(err.join('')).toBe('secure-sign-collector: error: no campaign nope\nsecure-sign-collector: hint: run secure-sign-collector campaign list\n');
    expect(out.join('')).toBe('');
    expect((await store.getCampaign('open-letter'))!.retention).toEqual(retention);

    // --help documents it.
    expect(await main(['--help'], env)).toBe(0);
    expect(out.join('')).toContain('campaign close ID --delete-after PERIOD');
    expect(out.join('')).toContain('Closing again keeps the earlier deletion date');
  });
});
