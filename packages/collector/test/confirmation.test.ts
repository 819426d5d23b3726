// Confirmation by the owner of a signature's e-mail address (docs/api.md "Confirmation"), end to
// end over HTTP on both engines: 0x04/0x05 entries revealing the secret with the next seq, the
// count and the confirmed count, the checkpoint's two lines, export's confirmation lines, the two
// pages (a GET never changes anything), the retention deletion, rate limits, countShown; then the
// real binary (needs dist/): the commands and a server, with a scanner following every link.
import { createConfirmationSecret, formatEnvelope, formatSecretCode, generateCampaignKeys, sealWithdrawable, type Envelope } from '@secure-sign/crypto';
import {
  checkpointConfirmed,
  checkpointCount,
  confirmationMatches,
  decodeEntry,
  ed25519NoteVerifier,
  encodeEntry,
  leafHash,
  openNote,
  tallyEntries,
  verifyInclusion,
} from '@secure-sign/crypto/log';
import { pino } from 'pino';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { issueCheckpoints, loadLogKey } from '../src/log.js';
import { main } from '../src/main.js';
import { PAGE_CSP } from '../src/routes/page.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, addCampaign, expectDocumented, postgresFixture, solve, type EngineFixture, type TestCampaign } from './helpers.js';
import { ed25519Verify, logClient } from './log-client.js';

const LOG_NAME = 'collector.example';
const ADMIN_TOKEN = 'admin-token-for-confirmation-tests-0123456789';
const quiet = pino({ level: 'silent' });

type Receipt = { campaign: string; sid: string; receivedAt: string; log: { origin: string; index: number; entry: string; promise: string } };
type Line = {
  seq: number;
  receivedAt: string;
  envelope?: Envelope;
  removed?: { sid: string; hash: string; wh?: string; ch?: string };
  withdrawal?: { sid: string; secret: string };
  removal?: { sid: string };
  confirmation?: { sid: string; secret: string; decision: 'confirm' | 'disown' };
};
type Facts = { count: number; confirmed: number; countShown: string; log: { size: number } };
type Http = (path: string, init?: RequestInit) => Promise<Response>;

const json = (http: Http, path: string, body: unknown, headers: Record<string, string> = {}) =>
  http(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const form = (http: Http, path: string, body: string, headers: Record<string, string> = {}) =>
  http(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
const facts = async (http: Http, campaign: string) => (await expectDocumented(await http(`/v1/campaigns/${campaign}`), 'GET', '/v1/campaigns/{campaign}')) as Facts;
const appConfig = (over: Record<string, unknown> = {}) => resolveConfig({ powDifficulty: 50, rateLimit: 10_000, logName: LOG_NAME, ...over });

/** A signer: seals (confirmable unless told), solves a challenge, submits. */
async function sign(http: Http, campaign: TestCampaign, name: string, confirmable = true) {
  const sealed = await sealWithdrawable({
    publicKey: campaign.keys.publicKey,
    campaign: campaign.id,
    signer: { kind: 'individual', name, email: `${name.toLowerCase()}@example.org`, consent: { listPublicly: false, contactLater: false } },
    confirmable,
    lang: 'fr',
  });
  const challenge = await (await http(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
  const response = await json(http, `/v1/campaigns/${campaign.id}/submissions`, { envelope: sealed.envelope, pow: await solve(challenge) });
  expect(response.status).toBe(201);
  return { envelope: sealed.envelope, withdrawal: sealed.withdrawalSecret, cs: sealed.confirmationSecret, receipt: (await response.json()) as Receipt };
}
type Signer = Awaited<ReturnType<typeof sign>>;

const decide = (http: Http, campaign: string, s: Signer, decision: 'confirm' | 'disown', secret = s.cs) =>
  json(http, `/v1/campaigns/${campaign}/confirmations`, { sid: s.envelope.sid, secret, decision });
const problem = async (response: Response) => ((await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/confirmations')) as { code: string }).code;

async function exportLines(http: Http, campaign: TestCampaign): Promise<Line[]> {
  const response = await http(`/v1/campaigns/${campaign.id}/export`, { headers: { authorization: `Bearer ${campaign.token}` } });
  return (await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as Line[];
}

/** Checks export line N against entry N - 1 as staff's pull does; the tally of the entries. */
async function expectExportMatchesLog(http: Http, campaign: TestCampaign, entries: readonly Uint8Array[]) {
  const lines = await exportLines(http, campaign);
  expect(lines.map((l) => l.seq)).toEqual(entries.map((_, i) => i + 1));
  const ch = new Map<string, string | undefined>();
  lines.forEach((line, i) => {
    const entry = decodeEntry(entries[i]!);
    if (line.envelope) {
      expect(entry).toEqual({ kind: 'stored', submissionId: line.envelope.sid, envelopeHash: new Uint8Array(createHash('sha256').update(formatEnvelope(line.envelope)).digest()) });
      ch.set(line.envelope.sid, line.envelope.ch);
    } else if (line.removed) {
      expect(entry).toEqual({ kind: 'stored', submissionId: line.removed.sid, envelopeHash: new Uint8Array(Buffer.from(line.removed.hash, 'base64')) });
      ch.set(line.removed.sid, line.removed.ch);
    } else if (line.confirmation) {
      const { sid, secret, decision } = line.confirmation;
      expect(entries[i]).toEqual(encodeEntry({ kind: decision === 'confirm' ? 'confirmed' : 'disowned', submissionId: sid, confirmationSecret: new Uint8Array(Buffer.from(secret, 'base64url')) }));
      expect(confirmationMatches(entry, ch.get(sid))).toBe(true);
    } else if (line.withdrawal) {
      expect(entry.kind).toBe('withdrawal');
    } else {
      expect(entry).toEqual({ kind: 'removed', submissionId: line.removal!.sid });
    }
  });
  return tallyEntries(entries);
}

describe.each(ENGINES)('confirmation on $name', ({ make }) => {
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
    vi.restoreAllMocks();
    for (const server of servers.splice(0)) await server.close();
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('confirms and disowns over HTTP: 04 and 05 entries revealing the secret, both counts, the checkpoint lines, export, the first decision stands, repeats answer the same receipt', async () => {
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
    const id = campaign.id;

    const [a, b, c, d, e, f] = [await sign(http, campaign, 'A'), await sign(http, campaign, 'B'), await sign(http, campaign, 'C'), await sign(http, campaign, 'D'), await sign(http, campaign, 'E', false), await sign(http, campaign, 'F')] as const;
    expect(a.envelope.ch).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(e.envelope.ch).toBeUndefined();
    expect(await facts(http, id)).toMatchObject({ count: 6, confirmed: 0, countShown: 'all' });

    // A confirms: its receipt names entry 6, a 0x04 revealing the secret, under the log key's promise.
    const confirmed = await decide(http, id, a, 'confirm', a.cs);
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    const receipt = (await expectDocumented(confirmed, 'POST', '/v1/campaigns/{campaign}/confirmations')) as Receipt;
    expect(receipt).toMatchObject({ campaign: id, sid: a.envelope.sid, log: { origin: `${LOG_NAME}/open-letter`, index: 6 } });
    const entryBytes = new Uint8Array(Buffer.from(receipt.log.entry, 'base64'));
    expect(decodeEntry(entryBytes)).toEqual({ kind: 'confirmed', submissionId: a.envelope.sid, confirmationSecret: new Uint8Array(Buffer.from(a.cs!, 'base64url')) });
    expect(confirmationMatches(entryBytes, a.envelope.ch)).toBe(true);
    const { vkey } = await log.identity();
    expect((await openNote(receipt.log.promise, [ed25519NoteVerifier(vkey, ed25519Verify)])).text).toBe(`secure-sign promise/v1\n${LOG_NAME}/open-letter\n6\n${receipt.log.entry}\n`);
    expect(await facts(http, id)).toMatchObject({ count: 6, confirmed: 1, log: { size: 7 } });
    // The same decision again: the same receipt, nothing changes.
    const repeat = await decide(http, id, a, 'confirm');
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(receipt);
    expect(await facts(http, id)).toMatchObject({ count: 6, confirmed: 1, log: { size: 7 } });

    // B disowns: the signature no longer counts; its ciphertext is gone.
    const disowned = (await (await decide(http, id, b, 'disown')).json()) as Receipt;
    expect(decodeEntry(new Uint8Array(Buffer.from(disowned.log.entry, 'base64')))).toMatchObject({ kind: 'disowned', submissionId: b.envelope.sid });
    expect(await facts(http, id)).toMatchObject({ count: 5, confirmed: 1, log: { size: 8 } });
    // The first decision stands, both ways.
    expect(await problem(await decide(http, id, b, 'confirm'))).toBe('already-decided');
    expect(await problem(await decide(http, id, a, 'disown'))).toBe('already-decided');
    // A secret that is not the envelope's, or an envelope without ch: the same refusal.
    expect(await problem(await decide(http, id, c, 'confirm', d.cs))).toBe('confirmation-refused');
    expect(await problem(await decide(http, id, e, 'confirm', createConfirmationSecret().secret))).toBe('confirmation-refused');
    expect(await problem(await json(http, `/v1/campaigns/${id}/confirmations`, { sid: 'AAAAAAAAAAAAAAAAAAAAAA', secret: a.cs, decision: 'confirm' }))).toBe('not-found');
    // Withdrawn by the signer, removed by the operator: nothing left to decide.
    expect((await json(http, `/v1/campaigns/${id}/withdrawals`, { sid: c.envelope.sid, secret: c.withdrawal })).status).toBe(200);
    expect(await problem(await decide(http, id, c, 'confirm'))).toBe('submission-withdrawn');
    expect((await http(`/v1/campaigns/${id}/submissions/${d.envelope.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } })).status).toBe(204);
    expect(await problem(await decide(http, id, d, 'disown'))).toBe('submission-removed');
    // A disowned signature cannot be withdrawn any more.
    const late = await json(http, `/v1/campaigns/${id}/withdrawals`, { sid: b.envelope.sid, secret: b.withdrawal });
    expect(((await expectDocumented(late, 'POST', '/v1/campaigns/{campaign}/withdrawals')) as { code: string }).code).toBe('submission-disowned');
    // F confirms, then withdraws: it no longer counts, nor as confirmed.
    expect((await decide(http, id, f, 'confirm')).status).toBe(200);
    expect(await facts(http, id)).toMatchObject({ count: 3, confirmed: 2 });
    expect((await json(http, `/v1/campaigns/${id}/withdrawals`, { sid: f.envelope.sid, secret: f.withdrawal })).status).toBe(200);
    expect(await facts(http, id)).toMatchObject({ count: 2, confirmed: 1, log: { size: 12 } });

    // The signed checkpoint: `count 2` and `confirmed 1`, the confirmation provably in it.
    const { checkpoint } = await log.waitForCheckpoint(12, 5000);
    expect(checkpoint.checkpoint.extensions).toEqual(['count 2', 'confirmed 1']);
    expect(checkpointCount(checkpoint.checkpoint)).toBe(2);
    expect(checkpointConfirmed(checkpoint.checkpoint)).toBe(1);
    const entries = await log.entries(12);
    expect(Buffer.from(entries[6]!).toString('base64')).toBe(receipt.log.entry);
    verifyInclusion(leafHash(entryBytes), 6, 12, await log.inclusion(6, 12), checkpoint.checkpoint.rootHash);
    expect(await expectExportMatchesLog(http, campaign, entries)).toEqual({ count: 2, confirmed: 1 });

    // Export: each decision in its own line; the disowned envelope is `removed` with its ch.
    const lines = await exportLines(http, campaign);
    expect(lines[6]).toEqual({ seq: 7, receivedAt: receipt.receivedAt, confirmation: { sid: a.envelope.sid, secret: a.cs, decision: 'confirm' } });
    expect(lines[7]).toEqual({ seq: 8, receivedAt: disowned.receivedAt, confirmation: { sid: b.envelope.sid, secret: b.cs, decision: 'disown' } });
    expect(lines[1]).toEqual({
      seq: 2,
      receivedAt: b.receipt.receivedAt,
      removed: { sid: b.envelope.sid, hash: createHash('sha256').update(formatEnvelope(b.envelope)).digest('base64'), wh: b.envelope.wh, ch: b.envelope.ch },
    });
    expect(lines[0]!.envelope).toEqual(a.envelope);
    expect(lines[4]!.envelope).toEqual(e.envelope);
    expect(JSON.stringify(lines)).not.toContain(b.envelope.ct);

    // The collector logged the route and status only: never a secret, a sid or a ciphertext.
    const text = logged.join('');
    expect(text).toContain('/v1/campaigns/:campaign/confirmations');
    for (const secret of [a.cs!, b.cs!, a.envelope.sid, b.envelope.sid, a.envelope.ct]) expect(text).not.toContain(secret);
  });

  it('serves the confirm and disown pages: a GET or HEAD of either link, with or without the code, changes neither the count, the confirmed count nor the log size, and only the button decides', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const a = await sign(http, campaign, 'A');
    const b = await sign(http, campaign, 'B');
    const code = formatSecretCode(a.envelope.sid, a.cs!);
    const state = async () => {
      const { count, confirmed, log } = await facts(http, campaign.id);
      return { count, confirmed, size: log.size, lines: (await exportLines(http, campaign)).length };
    };
    const before = await state();
    expect(before).toEqual({ count: 2, confirmed: 0, size: 2, lines: 2 });

    // What a mail scanner does: every link, every method that must not change anything.
    for (const decision of ['confirm', 'disown'] as const) {
      const page = `/v1/campaigns/${campaign.id}/${decision}`;
      for (const query of [`?code=${encodeURIComponent(code)}&lang=fr`, `?code=${encodeURIComponent(code)}`, '', '?lang=de', `?code=${code}&code=${code}`]) {
        for (const method of ['GET', 'HEAD']) {
          const response = await http(page + query, { method, headers: { 'accept-language': 'de' } });
          expect(response.status, `${method} ${decision}${query}`).toBe(query.includes('code=') && !query.includes('&code=') ? 200 : 400);
          expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
          await response.arrayBuffer();
        }
      }
    }
    expect(await state()).toEqual(before);

    // The confirm page: its language from ?lang= before Accept-Language, one button posting the code.
    const get = await http(`/v1/campaigns/${campaign.id}/confirm?code=${encodeURIComponent(code)}&lang=fr`, { headers: { 'accept-language': 'de' } });
    expect(get.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(get.headers.get('cache-control')).toBe('no-store');
    expect(get.headers.get('referrer-policy')).toBe('no-referrer');
    expect(get.headers.get('x-frame-options')).toBe('DENY');
    const html = (await expectDocumented(get, 'GET', '/v1/campaigns/{campaign}/confirm')) as string;
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Confirmer ma signature');
    expect(html).toContain(`<form method="post" action="/v1/campaigns/${campaign.id}/confirm">`);
    expect(html).toContain(`<input type="hidden" name="code" value="${code}">`);
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
    const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    expect(PAGE_CSP).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(await (await http(`/v1/campaigns/${campaign.id}/disown?code=${encodeURIComponent(code)}&lang=pt-BR`, { headers: { 'accept-language': 'de-CH' } })).text()).toContain(
      'Das war ich nicht: diese Unterschrift entfernen',
    );
    expect(await (await http(`/v1/campaigns/${campaign.id}/disown?code=${encodeURIComponent(code)}`)).text()).toContain('This wasn’t me: remove this signature');
    // A malformed code: a 400 page with no form, echoing nothing.
    const bad = await http(`/v1/campaigns/${campaign.id}/confirm?code=%3Cscript%3ECANARY1${a.cs}`);
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).not.toContain('<form');
    for (const echoed of ['CANARY1', '<script', a.cs!]) expect(badHtml).not.toContain(echoed);
    expect(await state()).toEqual(before);

    // The button: confirmed, in the language the form carried, the code never repeated.
    const done = await form(http, `/v1/campaigns/${campaign.id}/confirm`, `code=${encodeURIComponent(code)}&lang=de`);
    expect(done.status).toBe(200);
    const doneHtml = (await expectDocumented(done, 'POST', '/v1/campaigns/{campaign}/confirm')) as string;
    expect(doneHtml).toContain('Danke: Ihre Unterschrift ist bestätigt');
    expect(doneHtml).toContain('Position 3');
    for (const secret of [a.cs!, code]) expect(doneHtml).not.toContain(secret);
    expect(await state()).toEqual({ count: 2, confirmed: 1, size: 3, lines: 3 });
    const again = await form(http, `/v1/campaigns/${campaign.id}/confirm`, `code=${encodeURIComponent(code)}`);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('already confirmed');
    // Its disown button now: the first decision stands (409, a page).
    const refused = await form(http, `/v1/campaigns/${campaign.id}/disown`, `code=${encodeURIComponent(code)}`);
    expect(refused.status).toBe(409);
    expect((await expectDocumented(refused, 'POST', '/v1/campaigns/{campaign}/disown')) as string).toContain('already confirmed');
    // Mistakes at the button, each a page with the problem's status.
    const wrong = formatSecretCode(b.envelope.sid, a.cs!);
    for (const [body, status, words] of [
      [`code=${encodeURIComponent(wrong)}`, 403, 'does not belong to that signature'],
      [`code=${encodeURIComponent(formatSecretCode('AAAAAAAAAAAAAAAAAAAAAA', a.cs!))}`, 404, 'No signature of this campaign'],
      ['code=x', 400, 'incomplete or damaged'],
      [`code=${'x'.repeat(5000)}`, 413, 'incomplete or damaged'],
    ] as const) {
      const response = await form(http, `/v1/campaigns/${campaign.id}/disown`, body);
      expect(response.status, body.slice(0, 30)).toBe(status);
      const text = (await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/disown')) as string;
      expect(text).toContain(words);
      expect(text).not.toContain('<form');
    }
    expect((await json(http, `/v1/campaigns/${campaign.id}/disown`, { code })).status).toBe(415);
    // B disowns with the button: the count drops.
    const gone = await form(http, `/v1/campaigns/${campaign.id}/disown`, `code=${encodeURIComponent(formatSecretCode(b.envelope.sid, b.cs!))}`);
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('The signature is removed');
    expect(await state()).toEqual({ count: 1, confirmed: 1, size: 4, lines: 4 });
  });

  it('allows decisions while the campaign is closed, and after the retention deletion a new decision answers 410 and one made before still answers 200', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const [a, b, c] = [await sign(http, campaign, 'A'), await sign(http, campaign, 'B'), await sign(http, campaign, 'C')];
    const now = Date.now();
    await store.closeCampaign(campaign.id, new Date(now).toISOString(), new Date(now + 60_000).toISOString());
    const first = await decide(http, campaign.id, a, 'confirm');
    expect(first.status).toBe(200);
    const receipt = await first.json();
    expect(await store.deleteExpired(new Date(now + 60_000).toISOString())).toHaveLength(1);
    for (const [signer, decision] of [[b, 'confirm'], [c, 'disown']] as const) {
      const response = await decide(http, campaign.id, signer, decision);
      expect(response.status).toBe(410);
      expect(await problem(response)).toBe('signatures-deleted');
    }
    const page = await form(http, `/v1/campaigns/${campaign.id}/confirm`, `code=${encodeURIComponent(formatSecretCode(b.envelope.sid, b.cs!))}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('signatures were deleted');
    const repeat = await decide(http, campaign.id, a, 'confirm');
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(receipt);
    expect(await store.getCampaign(campaign.id)).toMatchObject({ count: 3, confirmed: 1, logSize: 4 });
  });

  it('is rate limited per client in its own buckets, apart from withdrawals', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig({ rateLimit: 3 }), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const a = await sign(http, campaign, 'A');
    for (let i = 0; i < 3; i++) expect((await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: a.envelope.sid, secret: createConfirmationSecret().secret })).status).toBe(403);
    expect((await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: a.envelope.sid, secret: a.withdrawal })).status).toBe(429);
    // The withdrawal bucket is spent; the confirmation bucket is not.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await decide(http, campaign.id, a, 'confirm')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await decide(http, campaign.id, a, 'confirm');
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(await problem(limited)).toBe('rate-limited');
    const page = await form(http, `/v1/campaigns/${campaign.id}/confirm`, `code=${encodeURIComponent(formatSecretCode(a.envelope.sid, a.cs!))}`);
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  });

  it('refuses malformed bodies (400) and other origins (403), and answers the preflight, changing nothing', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter', { origins: ['https://partner.example'] });
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const a = await sign(http, campaign, 'A');
    const path = `/v1/campaigns/${campaign.id}/confirmations`;
    const sid = a.envelope.sid;
    for (const body of [{}, { sid, secret: a.cs }, { sid, secret: a.cs, decision: 'maybe' }, { sid, secret: `${a.cs}=`, decision: 'confirm' }, { sid, secret: a.cs, decision: 'confirm', extra: 1 }, [], null]) {
      expect(await problem(await json(http, path, body)), JSON.stringify(body)).toBe('invalid-request');
    }
    expect(await problem(await http(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }))).toBe('unsupported-media-type');
    expect(await problem(await json(http, path, { sid, secret: a.cs, decision: 'confirm' }, { origin: 'https://evil.example' }))).toBe('origin-not-allowed');
    expect(await problem(await json(http, '/v1/campaigns/nope/confirmations', { sid, secret: a.cs, decision: 'confirm' }))).toBe('unknown-campaign');
    expect(await store.getCampaign(campaign.id)).toMatchObject({ count: 1, confirmed: 0, logSize: 1 });
    const preflight = await http(path, { method: 'OPTIONS', headers: { origin: 'https://partner.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    const allowed = await json(http, path, { sid, secret: a.cs, decision: 'confirm' }, { origin: 'https://partner.example' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://partner.example');
  });

  it('keeps one gap-free sequence and right counts when decisions, withdrawals and submissions race, a confirm and a disown of one signature settling once', async () => {
    const { store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const early = await Promise.all(Array.from({ length: 10 }, (_, i) => sign(http, campaign, `E${i}`)));
    const responses = await Promise.all([
      // 0-3: confirm and disown the same four at once; exactly one of each pair wins.
      ...early.slice(0, 4).flatMap((s) => [decide(http, campaign.id, s, 'confirm'), decide(http, campaign.id, s, 'disown')]),
      // 4-6: confirmed while being withdrawn.
      ...early.slice(4, 7).flatMap((s) => [decide(http, campaign.id, s, 'confirm'), json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: s.envelope.sid, secret: s.withdrawal })]),
      // 7-9: confirmed twice, while others sign.
      ...early.slice(7).flatMap((s) => [decide(http, campaign.id, s, 'confirm'), decide(http, campaign.id, s, 'confirm')]),
      ...Array.from({ length: 5 }, (_, i) => sign(http, campaign, `L${i}`)),
    ]);
    const statuses = responses.slice(0, 20).map((r) => (r as Response).status);
    for (let i = 0; i < 4; i++) expect([statuses[2 * i], statuses[2 * i + 1]].sort()).toEqual([200, 409]);
    for (let i = 4; i < 7; i++) expect(statuses[2 * i + 1]).toBe(200);
    for (let i = 4; i < 7; i++) expect([200, 409]).toContain(statuses[2 * i]);
    for (let i = 7; i < 10; i++) expect([statuses[2 * i], statuses[2 * i + 1]]).toEqual([200, 200]);
    const campaignNow = (await store.getCampaign(campaign.id))!;
    await issueCheckpoints(store, await loadLogKey(store), LOG_NAME);
    const log = logClient(http, campaign.id);
    const { checkpoint } = await log.checkpoint();
    expect(checkpoint.size).toBe(campaignNow.logSize);
    const tally = await expectExportMatchesLog(http, campaign, await log.entries(checkpoint.size));
    expect(tally).toEqual({ count: campaignNow.count, confirmed: campaignNow.confirmed });
    expect(checkpointCount(checkpoint)).toBe(tally.count);
    expect(checkpointConfirmed(checkpoint)).toBe(tally.confirmed);
    // 10 early + 5 late, minus the disowned of pairs 0-3 and the 3 withdrawn.
    const disownedWins = [0, 1, 2, 3].filter((i) => statuses[2 * i + 1] === 200).length;
    expect(tally.count).toBe(15 - disownedWins - 3);
    expect(tally.confirmed).toBe(4 - disownedWins + 3);
  });

  it('signs the right confirmed count at a size whose row has none (a row of an older release during a rolling upgrade)', async () => {
    const { fixture, store } = await fresh();
    const campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: appConfig(), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const [a, b] = [await sign(http, campaign, 'A'), await sign(http, campaign, 'B')];
    await sign(http, campaign, 'C');
    expect((await decide(http, campaign.id, a, 'confirm')).status).toBe(200);
    expect((await decide(http, campaign.id, b, 'confirm')).status).toBe(200);
    expect((await json(http, `/v1/campaigns/${campaign.id}/withdrawals`, { sid: b.envelope.sid, secret: b.withdrawal })).status).toBe(200);
    const forget = async () => {
      for (const table of ['submissions', 'log_events']) await fixture.query(`UPDATE ${table} SET log_confirmed = NULL WHERE campaign = 'open-letter'`);
    };
    await forget();
    // The row at size 6 is B's withdrawal: A's confirmation counts, B's no longer does.
    expect(await store.pendingCheckpoints()).toEqual([{ campaign: campaign.id, size: 6, count: 2, confirmed: 1 }]);
    await sign(http, campaign, 'D');
    await forget();
    expect(await store.pendingCheckpoints()).toEqual([{ campaign: campaign.id, size: 7, count: 3, confirmed: 1 }]);
    await issueCheckpoints(store, await loadLogKey(store), LOG_NAME);
    const log = logClient(http, campaign.id);
    const { checkpoint } = await log.checkpoint();
    expect(tallyEntries(await log.entries(7))).toEqual({ count: checkpointCount(checkpoint), confirmed: checkpointConfirmed(checkpoint) });
  });

  it('sets countShown at creation and changes it later: the admin body and PATCH, the commands, the campaign answer', async () => {
    const { fixture, store } = await fresh();
    const app = createApp({ store, config: appConfig({ adminToken: ADMIN_TOKEN }), logger: quiet });
    const http: Http = (path, init) => app.request(path, init);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const { publicKey } = (await addCampaign(store, 'keys-only')).keys;
    const created = await json(http, '/v1/admin/campaigns', { campaign: 'shown', key: publicKey.keyString, countShown: 'confirmed' }, admin);
    expect(created.status).toBe(201);
    expect(await facts(http, 'shown')).toMatchObject({ countShown: 'confirmed', confirmed: 0 });
    const patch = (body: unknown, headers: Record<string, string> = admin, id = 'shown') =>
      http(`/v1/admin/campaigns/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const changed = await patch({ countShown: 'all' });
    expect(await expectDocumented(changed, 'PATCH', '/v1/admin/campaigns/{campaign}')).toEqual({ campaign: 'shown', countShown: 'all' });
    expect(await facts(http, 'shown')).toMatchObject({ countShown: 'all' });
    for (const body of [{}, { countShown: 'some' }, { countShown: 'all', goal: 3 }, []]) {
      const response = await patch(body);
      expect(((await expectDocumented(response, 'PATCH', '/v1/admin/campaigns/{campaign}')) as { code: string }).code, JSON.stringify(body)).toBe('invalid-request');
    }
    expect((await patch({ countShown: 'confirmed' }, {})).status).toBe(401);
    expect((await patch({ countShown: 'confirmed' }, admin, 'nope')).status).toBe(404);
    const badCreate = await json(http, '/v1/admin/campaigns', { campaign: 'other', key: publicKey.keyString, countShown: 'yes' }, admin);
    expect(badCreate.status).toBe(400);
    expect(await facts(http, 'shown')).toMatchObject({ countShown: 'all' });

    // The commands.
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    const env = { DATABASE_URL: '', SECURE_SIGN_DATA_DIR: '' };
    expect(await main(['campaign', 'add', 'by-command', '--key', publicKey.keyString, '--count-shown', 'confirmed', ...fixture.flags], env)).toBe(0);
    expect(out.join('')).toMatch(/^sst_/);
    expect((await store.getCampaign('by-command'))!.countShown).toBe('confirmed');
    out.length = 0;
    expect(await main(['campaign', 'set', 'by-command', '--count-shown', 'all', ...fixture.flags], env)).toBe(0);
    expect(out.join('')).toMatch(/^by-command\tcount=0\t.*\tconfirmed=0\tcount-shown=all\n$/);
    expect((await store.getCampaign('by-command'))!.countShown).toBe('all');
    expect(await main(['campaign', 'set', 'by-command', '--count-shown', 'most', ...fixture.flags], env)).toBe(2);
    expect(err.join('')).toContain('--count-shown: expected all or confirmed');
    out.length = 0;
    expect(await main(['--help'], env)).toBe(0);
    expect(out.join('')).toContain('[--count-shown all|confirmed]');
  });
});

describe('confirmation with two collector apps on one PostgreSQL', () => {
  let fixture: EngineFixture | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await fixture?.cleanup();
  });

  it('settles each decision once across processes, keeps one sequence, and signs the counts right at the size', async () => {
    fixture = postgresFixture();
    const [a, b] = [await fixture.open(), await fixture.open()];
    stores.push(a, b);
    const campaign = await addCampaign(a, 'shared');
    const apps = [createApp({ store: a, config: appConfig(), logger: quiet }), createApp({ store: b, config: appConfig(), logger: quiet })];
    const https: Http[] = apps.map((app) => (path, init) => app.request(path, init));
    const signed = await Promise.all(Array.from({ length: 12 }, (_, i) => sign(https[i % 2]!, campaign, `S${i}`)));
    // Each signature: confirmed through one process and disowned through the other, at once.
    const responses = await Promise.all(signed.flatMap((s, i) => [decide(https[i % 2]!, campaign.id, s, 'confirm'), decide(https[(i + 1) % 2]!, campaign.id, s, 'disown')]));
    const statuses = responses.map((r) => r.status);
    for (let i = 0; i < 12; i++) expect([statuses[2 * i], statuses[2 * i + 1]].sort()).toEqual([200, 409]);
    const confirms = signed.filter((_, i) => statuses[2 * i] === 200).length;
    for (const store of [a, b]) expect(await store.getCampaign(campaign.id)).toMatchObject({ logSize: 24, count: confirms, confirmed: confirms });
    await Promise.all([issueCheckpoints(a, await loadLogKey(a), LOG_NAME), issueCheckpoints(b, await loadLogKey(b), LOG_NAME)]);
    const log = logClient(https[1]!, campaign.id);
    const { checkpoint } = await log.checkpoint();
    expect(checkpoint.size).toBe(24);
    expect([checkpointCount(checkpoint), checkpointConfirmed(checkpoint)]).toEqual([confirms, confirms]);
    expect(await expectExportMatchesLog(https[0]!, campaign, await log.entries(24))).toEqual({ count: confirms, confirmed: confirms });
  });
});

const BIN = fileURLToPath(new URL('../bin/secure-sign-collector.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe.each(ENGINES)('confirmation with the real binary on $name', ({ make }) => {
  let fixture: EngineFixture | undefined;
  afterEach(async () => {
    await fixture?.cleanup();
  });

  it('campaign add --count-shown confirmed, a scanner following both links, the button, the counts served, signed and listed, campaign set --count-shown all', async () => {
    if (!existsSync(DIST)) throw new Error('packages/collector/dist is missing: build first');
    fixture = make();
    const env = { ...process.env, DATABASE_URL: '', SECURE_SIGN_DATA_DIR: '' };
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args, ...fixture!.flags], { encoding: 'utf8', env });
    const keys = await generateCampaignKeys();
    const added = run(['campaign', 'add', 'open-letter', '--key', keys.publicKey.keyString, '--count-shown', 'confirmed']);
    expect([added.status, added.stderr]).toEqual([0, '']);
    const campaign: TestCampaign = { id: 'open-letter', keys, token: added.stdout.trim() };
    const child = spawn(process.execPath, [BIN, '--port', '0', '--pow-difficulty', '20', '--log-name', LOG_NAME, ...fixture.flags], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const match = /listening on (http:\/\/[^\s]+)\n/.exec(out);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`collector exited (${code}): ${stderr.join('')}`)));
      });
      const http: Http = (path, init) => fetch(url + path, init);
      const a = await sign(http, campaign, 'A');
      const b = await sign(http, campaign, 'B');
      // A mail scanner follows both links of both e-mails: nothing changes.
      for (const s of [a, b]) {
        for (const decision of ['confirm', 'disown']) {
          const link = `/v1/campaigns/open-letter/${decision}?code=${encodeURIComponent(formatSecretCode(s.envelope.sid, s.cs!))}&lang=fr`;
          expect((await http(link)).status).toBe(200);
          expect((await http(link, { method: 'HEAD' })).status).toBe(200);
        }
      }
      expect(await facts(http, 'open-letter')).toMatchObject({ count: 2, confirmed: 0, countShown: 'confirmed', log: { size: 2 } });
      // A presses the confirm button; B disowns through the JSON endpoint.
      const pressed = await form(http, '/v1/campaigns/open-letter/confirm', `code=${encodeURIComponent(formatSecretCode(a.envelope.sid, a.cs!))}&lang=fr`);
      expect(pressed.status).toBe(200);
      expect(await pressed.text()).toContain('Merci : votre signature est confirmée');
      expect((await decide(http, 'open-letter', b, 'disown')).status).toBe(200);
      expect(await facts(http, 'open-letter')).toMatchObject({ count: 1, confirmed: 1, countShown: 'confirmed', log: { size: 4 } });
      const { checkpoint } = await logClient(http, 'open-letter').waitForCheckpoint(4, 5000);
      expect(checkpoint.checkpoint.extensions).toEqual(['count 1', 'confirmed 1']);
      const lines = await exportLines(http, campaign);
      expect(lines.slice(2).map((l) => l.confirmation?.decision)).toEqual(['confirm', 'disown']);
      // The commands, beside the running server.
      const list = run(['campaign', 'list']);
      expect(list.stdout).toMatch(/^open-letter\tcount=1\t.*\tconfirmed=1\tcount-shown=confirmed\n$/);
      const set = run(['campaign', 'set', 'open-letter', '--count-shown', 'all']);
      expect(set.status).toBe(0);
      expect(await facts(http, 'open-letter')).toMatchObject({ count: 1, confirmed: 1, countShown: 'all' });
      const bad = run(['campaign', 'add', 'other', '--key', keys.publicKey.keyString, '--count-shown', 'some']);
      expect([bad.status, bad.stderr]).toEqual([2, 'secure-sign-collector: error: --count-shown: expected all or confirmed\nsecure-sign-collector: hint: run secure-sign-collector --help\n']);
      // The logs never carried a secret.
      for (const secret of [a.cs!, b.cs!]) expect(stderr.join('')).not.toContain(secret);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
