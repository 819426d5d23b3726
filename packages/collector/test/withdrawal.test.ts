// Withdrawal by the signer (docs/api.md "Withdrawal"), end to end over HTTP on both engines: the
// ciphertext goes, a 0x02 entry revealing the secret is appended with the next seq, the count and
// the signed checkpoint's count line drop, export says it line by line; the page; races with
// submissions; several processes on one PostgreSQL keeping one sequence.
import { formatEnvelope, formatWithdrawalCode, sealWithdrawable, type Envelope } from '@secure-sign/crypto';
import {
  EntryCounter,
  checkpointCount,
  decodeEntry,
  ed25519NoteVerifier,
  leafHash,
  openNote,
  verifyInclusion,
  withdrawalMatches,
} from '@secure-sign/crypto/log';
import { pino } from 'pino';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { issueCheckpoints, loadLogKey } from '../src/log.js';
import { WITHDRAW_PAGE_CSP } from '../src/routes/withdrawals.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, addCampaign, expectDocumented, postgresFixture, solve, type EngineFixture, type TestCampaign } from './helpers.js';
import { ed25519Verify, logClient } from './log-client.js';

const LOG_NAME = 'collector.example';
const quiet = pino({ level: 'silent' });

type Receipt = { campaign: string; sid: string; receivedAt: string; log: { origin: string; index: number; entry: string; promise: string } };
type Line = { seq: number; receivedAt: string; envelope?: Envelope; removed?: { sid: string; hash: string; wh?: string }; withdrawal?: { sid: string; secret: string }; removal?: { sid: string } };

/** Something that answers HTTP requests: a real server (fetch) or the app in memory. */
type Http = (path: string, init?: RequestInit) => Promise<Response>;

const json = (http: Http, path: string, body: unknown, headers: Record<string, string> = {}) =>
  http(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const form = (http: Http, path: string, body: string, headers: Record<string, string> = {}) =>
  http(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

/** Signs: seals with a fresh withdrawal secret, solves a challenge, submits; the receipt and the secret. */
async function sign(http: Http, campaign: TestCampaign, name = 'Ada Lovelace') {
  const { envelope, withdrawalSecret } = await sealWithdrawable({
    publicKey: campaign.keys.publicKey,
    campaign: campaign.id,
    signer: { kind: 'individual', name, email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } },
  });
  const challenge = await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
  const response = await json(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope, pow: await solve(challenge) });
  expect(response.status).toBe(201);
  return { envelope, secret: withdrawalSecret, receipt: (await response.json()) as Receipt };
}

async function exportLines(http: Http, campaign: TestCampaign): Promise<Line[]> {
  const response = await http(`/v1/campaigns/${campaign.id}/export`, { headers: { authorization: `Bearer ${campaign.token}` } });
  return (await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as Line[];
}

const count = async (http: Http, campaign: string) => ((await (await http(`/v1/campaigns/${campaign}`)).json()) as { count: number }).count;

/**
 * Checks export against the log, the way staff's pull does: a line for every seq with no gap, line
 * N is entry N - 1 (0x01 hashes the exported bytes, 0x02 reveals the exported secret, whose hash is
 * the envelope's wh, 0x03 is a removal), and the count recomputed from the entries.
 */
async function expectExportMatchesLog(http: Http, campaign: TestCampaign, entries: readonly Uint8Array[]): Promise<number> {
  const lines = await exportLines(http, campaign);
  expect(lines.map((l) => l.seq)).toEqual(entries.map((_, i) => i + 1));
  const wh = new Map<string, string>();
  lines.forEach((line, i) => {
    const entry = decodeEntry(entries[i]!);
    if (line.envelope) {
      expect(entry).toEqual({ kind: 'stored', submissionId: line.envelope.sid, envelopeHash: new Uint8Array(createHash('sha256').update(formatEnvelope(line.envelope)).digest()) });
      wh.set(line.envelope.sid, line.envelope.wh);
    } else if (line.removed) {
      expect(entry).toEqual({ kind: 'stored', submissionId: line.removed.sid, envelopeHash: new Uint8Array(Buffer.from(line.removed.hash, 'base64')) });
      wh.set(line.removed.sid, line.removed.wh!);
    } else if (line.withdrawal) {
      expect(entry.kind).toBe('withdrawal');
      expect(entry.submissionId).toBe(line.withdrawal.sid);
      expect(Buffer.from((entry as { withdrawalSecret: Uint8Array }).withdrawalSecret).toString('base64url')).toBe(line.withdrawal.secret);
      expect(withdrawalMatches(entry, wh.get(line.withdrawal.sid)!)).toBe(true);
    } else {
      expect(entry).toEqual({ kind: 'removed', submissionId: line.removal!.sid });
    }
  });
  const counter = new EntryCounter();
  for (const e of entries) counter.add(e);
  return counter.count;
}

const appConfig = (over: Record<string, unknown> = {}) => resolveConfig({ powDifficulty: 50, rateLimit: 10_000, logName: LOG_NAME, ...over });

describe.each(ENGINES)('withdrawal on $name', ({ make }) => {
  const fixtures: EngineFixture[] = [];
  const stores: Store[] = [];
  const servers: RunningServer[] = [];
  const fresh = async () => {
    const fixture = make();
    fixtures.push(fixture);
    const store = await fixture.open();
    stores.push(store);
    return { fixture, store };
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('withdraws over HTTP: count drops, the 0x02 entry with the secret is in the entry bundle, export and the checkpoint count line say so, a repeat answers the same receipt', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    const app = createApp({ store, config: appConfig(), logger: pino({ level: 'debug' }, sink) });
    const server = await startServer({ app, store, logger: quiet, host: '127.0.0.1', port: 0, logName: LOG_NAME });
    servers.push(server);
    stores.splice(stores.indexOf(store), 1); // the server closes it
    const http: Http = (path, init) => fetch(server.url + path, init);
    const log = logClient(http, campaign.id);

    const signers = [await sign(http, campaign, 'A'), await sign(http, campaign, 'B'), await sign(http, campaign, 'C')];
    expect(await count(http, campaign.id)).toBe(3);
    const target = signers[1]!;

    const response = await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: target.envelope.sid, secret: target.secret }, { origin: 'https://partner.example' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const receipt = (await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/withdrawals')) as Receipt;
    const secretBytes = new Uint8Array(Buffer.from(target.secret, 'base64url'));
    // Its own index (the next seq), its 0x02 entry revealing the secret, and the log key's promise.
    expect(receipt).toMatchObject({ campaign: campaign.id, sid: target.envelope.sid, log: { origin: `${LOG_NAME}/open-letter`, index: 3 } });
    const entryBytes = new Uint8Array(Buffer.from(receipt.log.entry, 'base64'));
    expect(decodeEntry(entryBytes)).toEqual({ kind: 'withdrawal', submissionId: target.envelope.sid, withdrawalSecret: secretBytes });
    const { vkey } = await log.identity();
    expect((await openNote(receipt.log.promise, [ed25519NoteVerifier(vkey, ed25519Verify)])).text).toBe(
      `secure-sign promise/v1\n${LOG_NAME}/open-letter\n3\n${receipt.log.entry}\n`,
    );
    expect(await count(http, campaign.id)).toBe(2);

    // A repeat: the same receipt, nothing changes.
    const repeat = await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: target.envelope.sid, secret: target.secret });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(receipt);
    expect(await count(http, campaign.id)).toBe(2);
    expect((await log.identity()).size).toBe(4);

    // The signed checkpoint: size 4, `count 2`, and the withdrawal provably in it.
    const { checkpoint } = await log.waitForCheckpoint(4, 5000);
    expect(checkpoint.checkpoint.size).toBe(4);
    expect(checkpointCount(checkpoint.checkpoint)).toBe(2);
    const entries = await log.entries(4);
    expect(Buffer.from(entries[3]!).toString('base64')).toBe(receipt.log.entry);
    verifyInclusion(leafHash(entryBytes), 3, 4, await log.inclusion(3, 4), checkpoint.checkpoint.rootHash);

    // Export: the envelope's line is `removed` (hash and wh, no ciphertext), then the withdrawal.
    const lines = await exportLines(http, campaign);
    expect(lines[1]).toEqual({
      seq: 2,
      receivedAt: target.receipt.receivedAt,
      removed: { sid: target.envelope.sid, hash: createHash('sha256').update(formatEnvelope(target.envelope)).digest('base64'), wh: target.envelope.wh },
    });
    expect(lines[3]).toEqual({ seq: 4, receivedAt: receipt.receivedAt, withdrawal: { sid: target.envelope.sid, secret: target.secret } });
    expect(lines[0]!.envelope).toEqual(signers[0]!.envelope);
    expect(JSON.stringify(lines)).not.toContain(target.envelope.ct);
    expect(await expectExportMatchesLog(http, campaign, entries)).toBe(2);

    // A retry of the withdrawn envelope does not bring it back.
    const retry = await json(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope: target.envelope, pow: null });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as Receipt).log.index).toBe(1);
    expect(await count(http, campaign.id)).toBe(2);
    // The collector logged the route and status only: never the secret, the sid or the ciphertext.
    const text = logged.join('');
    expect(text).toContain('/v1/campaigns/:campaign/withdrawals');
    for (const secret of [target.secret, target.envelope.sid, target.envelope.ct]) expect(text).not.toContain(secret);
  });

  it('refuses a wrong secret (403), an unknown sid (404), a malformed body (400), a removed submission (409); none changes anything', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter', { origins: ['https://partner.example'] });
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const a = await sign(http, campaign);
    const b = await sign(http, campaign);
    const path = `/v1/campaigns/${campaign.id}/withdrawals`;
    const problem = async (response: Response) => ((await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/withdrawals')) as { code: string; detail: string }).code;

    expect(await problem(await json(http, path, { sid: a.envelope.sid, secret: b.secret }))).toBe('withdrawal-refused');
    expect(await problem(await json(http, path, { sid: 'AAAAAAAAAAAAAAAAAAAAAA', secret: a.secret }))).toBe('not-found');
    for (const body of [{}, { sid: a.envelope.sid }, { sid: a.envelope.sid, secret: `${a.secret}=` }, { sid: a.envelope.sid, secret: a.secret, extra: 1 }, [], 'x', null]) {
      expect(await problem(await json(http, path, body)), JSON.stringify(body)).toBe('invalid-request');
    }
    expect(await problem(await http(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }))).toBe('unsupported-media-type');
    expect(await problem(await json(http, path, { sid: a.envelope.sid, secret: a.secret }, { origin: 'https://evil.example' }))).toBe('origin-not-allowed');
    expect(await problem(await json(http, '/v1/campaigns/nope/withdrawals', { sid: a.envelope.sid, secret: a.secret }))).toBe('unknown-campaign');
    expect(await count(http, campaign.id)).toBe(2);
    expect((await store.getCampaign(campaign.id))!.logSize).toBe(2);

    // Removed by the operator: the signer's secret finds nothing left to withdraw.
    expect((await http(`/v1/campaigns/${campaign.id}/submissions/${b.envelope.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } })).status).toBe(204);
    expect(await problem(await json(http, path, { sid: b.envelope.sid, secret: b.secret }))).toBe('submission-removed');
    expect((await store.getCampaign(campaign.id))!).toMatchObject({ count: 1, logSize: 3 });

    // The preflight lets the campaign's origins POST withdrawals.
    const preflight = await http(path, { method: 'OPTIONS', headers: { origin: 'https://partner.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
  });

  it('is rate limited per client like submissions', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig({ rateLimit: 3 }), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const a = await sign(http, campaign);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: a.envelope.sid, secret: a.secret })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: a.envelope.sid, secret: a.secret });
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(((await expectDocumented(limited, 'POST', '/v1/campaigns/{campaign}/withdrawals')) as { code: string }).code).toBe('rate-limited');
  });

  it('serves the withdrawal page: plain HTML under a strict CSP, in the signer language, a GET changes nothing, the form withdraws and says what happened', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const a = await sign(http, campaign);
    const b = await sign(http, campaign);
    const page = `/v1/campaigns/${campaign.id}/withdraw`;
    const code = formatWithdrawalCode(a.envelope.sid, a.secret);

    const get = await http(`${page}?code=${encodeURIComponent(code)}`, { headers: { 'accept-language': 'fr-CH, fr;q=0.9, en;q=0.8' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = get.headers.get('content-security-policy')!;
    expect(csp).toBe(WITHDRAW_PAGE_CSP);
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; form-action 'self'; /);
    expect(get.headers.get('cache-control')).toBe('no-store');
    expect(get.headers.get('vary')).toBe('Accept-Language');
    const html = (await expectDocumented(get, 'GET', '/v1/campaigns/{campaign}/withdraw')) as string;
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Retirer ma signature');
    expect(html).toContain(`<form method="post" action="/v1/campaigns/${campaign.id}/withdraw">`);
    expect(html).toContain('name="code"');
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
    // The inline style is exactly the one the CSP hash allows.
    const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    // A GET (even carrying a code) changed nothing.
    expect(await count(http, campaign.id)).toBe(2);
    expect((await store.getCampaign(campaign.id))!.logSize).toBe(2);
    expect(html).not.toContain(a.secret);

    expect(await (await http(page, { headers: { 'accept-language': 'de-DE,de;q=0.9' } })).text()).toContain('Meine Unterschrift zurückziehen');
    expect(await (await http(page, { headers: { 'accept-language': 'es, it;q=0.5' } })).text()).toContain('<html lang="en">');
    expect(await (await http(page, { headers: { 'accept-language': 'de;q=0.2, fr;q=0.7' } })).text()).toContain('<html lang="fr">');
    expect(await (await http(page)).text()).toContain('Withdraw my signature');

    // Hostile or mistaken codes: an HTML answer with the right status, never echoing the input.
    const wrong = formatWithdrawalCode(a.envelope.sid, b.secret);
    const unknown = formatWithdrawalCode('AAAAAAAAAAAAAAAAAAAAAA', a.secret);
    for (const [body, status, words] of [
      [`code=${encodeURIComponent(wrong)}`, 403, 'does not withdraw'],
      [`code=${encodeURIComponent(unknown)}`, 404, 'No signature with this code'],
      ['code=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 400, 'not a withdrawal code'],
      [`code=${encodeURIComponent(code)}&code=${encodeURIComponent(code)}`, 400, 'not a withdrawal code'],
      ['nothing=here', 400, 'not a withdrawal code'],
      [`code=${'x'.repeat(5000)}`, 413, 'not a withdrawal code'],
    ] as const) {
      const response = await form(http, page, body);
      expect(response.status, body.slice(0, 40)).toBe(status);
      const text = (await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/withdraw')) as string;
      expect(response.headers.get('content-security-policy')).toBe(WITHDRAW_PAGE_CSP);
      expect(text).toContain(words);
      for (const echoed of ['<script>', b.secret, a.secret, 'xxxxxxxx']) expect(text).not.toContain(echoed);
    }
    const json415 = await json(http, page, { code });
    expect(json415.status).toBe(415);
    expect(await count(http, campaign.id)).toBe(2);

    // The real code, pasted with white space around it: withdrawn, in German.
    const done = await form(http, page, `code=${encodeURIComponent(`  ${code}\n`)}`, { 'accept-language': 'de' });
    expect(done.status).toBe(200);
    const doneText = (await expectDocumented(done, 'POST', '/v1/campaigns/{campaign}/withdraw')) as string;
    expect(doneText).toContain('Ihre Unterschrift ist zurückgezogen');
    expect(doneText).toContain('Position 3');
    expect(doneText).not.toContain(a.secret);
    expect(await count(http, campaign.id)).toBe(1);
    const again = await form(http, page, `code=${encodeURIComponent(code)}`);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('already withdrawn');
    expect((await store.getCampaign(campaign.id))!).toMatchObject({ count: 1, logSize: 3 });
  });

  it('settles a withdrawal racing the submission of the same envelope either way, consistently', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    for (let round = 0; round < 6; round++) {
      const { envelope, withdrawalSecret } = await sealWithdrawable({
        publicKey: campaign.keys.publicKey,
        campaign: campaign.id,
        signer: { kind: 'individual', name: `r${round}`, email: 'r@example.org', consent: { listPublicly: false, contactLater: false } },
      });
      const pow = await solve(await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json());
      const submitting = json(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope, pow });
      const withdrawing = json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: envelope.sid, secret: withdrawalSecret });
      const [s, w] = await Promise.all([submitting, withdrawing]);
      expect(s.status).toBe(201);
      // The withdrawal came first (nothing to withdraw yet) or after (withdrawn): never half of it.
      expect([200, 404]).toContain(w.status);
      if (w.status === 404) expect((await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: envelope.sid, secret: withdrawalSecret })).status).toBe(200);
      const receipt = (await s.json()) as Receipt;
      const withdrawal = (await (await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: envelope.sid, secret: withdrawalSecret })).json()) as Receipt;
      expect(withdrawal.log.index).toBe(receipt.log.index + 1);
    }
    expect((await store.getCampaign(campaign.id))!).toMatchObject({ count: 0, logSize: 12 });
    await issueCheckpoints(store, await loadLogKey(store), LOG_NAME);
    const log = logClient(http, campaign.id);
    expect(checkpointCount((await log.checkpoint()).checkpoint)).toBe(0);
    expect(await expectExportMatchesLog(http, campaign, await log.entries(12))).toBe(0);
  });

  it('keeps one gap-free sequence when withdrawals, removals and submissions race', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const early = await Promise.all(Array.from({ length: 12 }, (_, i) => sign(http, campaign, `early ${i}`)));
    // At once: 12 new signatures, the withdrawal of 8 early ones (each sent twice), the removal of 2 others.
    const late = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const { envelope, withdrawalSecret } = await sealWithdrawable({
          publicKey: campaign.keys.publicKey,
          campaign: campaign.id,
          signer: { kind: 'individual', name: `late ${i}`, email: 'x@example.org', consent: { listPublicly: false, contactLater: false } },
        });
        const challenge = await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
        return { envelope, secret: withdrawalSecret, pow: await solve(challenge) };
      }),
    );
    const withdrawn = early.slice(0, 8);
    const responses = await Promise.all([
      ...late.map((l) => json(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope: l.envelope, pow: l.pow })),
      ...[...withdrawn, ...withdrawn].map((s) => json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: s.envelope.sid, secret: s.secret })),
      ...early.slice(8, 10).map((s) => http(`/v1/campaigns/${campaign.id}/submissions/${s.envelope.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } })),
    ]);
    expect(responses.map((r) => r.status)).toEqual([...late.map(() => 201), ...[...withdrawn, ...withdrawn].map(() => 200), 204, 204]);
    const withdrawals = (await Promise.all(responses.slice(12, 28).map((r) => r.json()))) as Receipt[];
    // Each withdrawal has one index, whichever of its two requests did it.
    for (let i = 0; i < 8; i++) expect(withdrawals[i]).toEqual(withdrawals[i + 8]);
    const size = 12 + 12 + 8 + 2;
    expect((await store.getCampaign(campaign.id))!).toMatchObject({ logSize: size, count: 12 + 12 - 8 - 2 });
    const key = await loadLogKey(store);
    await issueCheckpoints(store, key, LOG_NAME);
    const log = logClient(http, campaign.id);
    const { checkpoint } = await log.checkpoint();
    expect(checkpoint.size).toBe(size);
    expect(checkpointCount(checkpoint)).toBe(14);
    expect(await expectExportMatchesLog(http, campaign, await log.entries(size))).toBe(14);
    expect(await count(http, campaign.id)).toBe(14);
  });
});

describe('withdrawal with two collector apps on one PostgreSQL', () => {
  let fixture: EngineFixture | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await fixture?.cleanup();
  });

  it('keeps one sequence: submissions, withdrawals and removals through both get distinct consecutive seqs, and each signed count is right at its size', async () => {
    fixture = postgresFixture();
    const [a, b] = [await fixture.open(), await fixture.open()];
    stores.push(a, b);
    const campaign = await addCampaign(a, 'shared');
    const apps = [createApp({ store: a, config: appConfig(), logger: quiet }), createApp({ store: b, config: appConfig(), logger: quiet })];
    const https: Http[] = apps.map((app) => (path, init) => app.request(path, init));
    const signed = await Promise.all(Array.from({ length: 20 }, (_, i) => sign(https[i % 2]!, campaign, `s${i}`)));
    const more = Array.from({ length: 20 }, (_, i) => i);
    const results = await Promise.all([
      // Each of 10 withdrawals sent to both processes at once: one does it, both answer it.
      ...signed.slice(0, 10).flatMap((s) => https.map((http) => json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: s.envelope.sid, secret: s.secret }))),
      ...signed.slice(10, 13).map((s, i) => https[i % 2]!(`/v1/campaigns/${campaign.id}/submissions/${s.envelope.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } })),
      ...more.map((i) => sign(https[i % 2]!, campaign, `m${i}`)),
    ]);
    const statuses = results.slice(0, 23).map((r) => (r as Response).status);
    expect(statuses).toEqual([...Array(20).fill(200), 204, 204, 204]);
    const size = 20 + 10 + 3 + 20;
    const count = 40 - 10 - 3;
    for (const store of [a, b]) expect((await store.getCampaign(campaign.id))!).toMatchObject({ logSize: size, count });
    // Both sign at once: one checkpoint for the size, with the right count.
    await Promise.all([issueCheckpoints(a, await loadLogKey(a), LOG_NAME), issueCheckpoints(b, await loadLogKey(b), LOG_NAME)]);
    const log = logClient(https[1]!, campaign.id);
    const { checkpoint } = await log.checkpoint();
    expect(checkpoint.size).toBe(size);
    expect(checkpointCount(checkpoint)).toBe(count);
    const entries = await log.entries(size);
    expect(await expectExportMatchesLog(https[0]!, campaign, entries)).toBe(count);
    // Every seq's stored running count is the recount of the entries up to it.
    const counter = new EntryCounter();
    const rows = await fixture.query(
      'SELECT seq, log_count FROM submissions WHERE campaign = $1 UNION ALL SELECT seq, log_count FROM log_events WHERE campaign = $1 ORDER BY seq',
      [campaign.id],
    );
    expect(rows.map((r) => Number(r['seq']))).toEqual(entries.map((_, i) => i + 1));
    entries.forEach((e, i) => {
      counter.add(e);
      expect(Number(rows[i]!['log_count']), `count at ${i + 1}`).toBe(counter.count);
    });
  });
});
