// Every endpoint and every documented error, against a real listening server, on both engines.
// Each response is checked against docs/openapi.json; the captured logs are checked for leaks.
import { formatEnvelope, generateCampaignKeys, sealSubmission, signDocument, type Envelope } from '@secure-sign/crypto';
import { ed25519NoteVerifier, openNote } from '@secure-sign/crypto/log';
import { pino } from 'pino';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, addCampaign, envelopeFor, expectDocumented, solve, type EngineFixture, type TestCampaign } from './helpers.js';
import { ed25519Verify } from './log-client.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
// The app's clock starts at the real time (whole seconds): altcha-lib also checks expiry against
// the wall clock, so a fixed date would make these tests fail once it had passed.
const START = Math.floor(Date.now() / 1000) * 1000;

describe.each(ENGINES)('collector HTTP API on $name', ({ make }) => {
  let fixture: EngineFixture;
  let store: Store;
  let server: RunningServer;
  let now = START;
  const logLines: string[] = [];
  const secretsSeen: string[] = [];
  let open: TestCampaign;
  let partner: TestCampaign;
  let closing: TestCampaign;

  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const staff = (token: string) => ({ authorization: `Bearer ${token}` });
  const challenge = async (campaign: string) => {
    const response = await api(`/v1/campaigns/${campaign}/challenge`, { method: 'POST' });
    expect(response.status).toBe(201);
    return response.json();
  };
  const submission = async (campaign: TestCampaign, envelope?: unknown) => {
    const env = envelope ?? (await envelopeFor(campaign));
    secretsSeen.push((env as { ct: string }).ct);
    return { envelope: env, pow: await solve(await challenge(campaign.id)) };
  };

  beforeAll(async () => {
    fixture = make();
    store = await fixture.open();
    open = await addCampaign(store, 'open-letter', { goal: 1000 });
    partner = await addCampaign(store, 'partner', { origins: ['https://partner.example'] });
    closing = await addCampaign(store, 'closing', { closesAt: new Date(START + 5 * 60_000).toISOString() });
    await addCampaign(store, 'closed', { closesAt: new Date(START - 1000).toISOString() });
    secretsSeen.push(open.token, partner.token, closing.token, ADMIN_TOKEN);
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const app = createApp({
      store,
      config: resolveConfig({ powDifficulty: 50, rateLimit: 10_000, adminToken: ADMIN_TOKEN }),
      clock: { now: () => now },
      logger: pino({ level: 'debug' }, sink),
    });
    server = await startServer({ app, store, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await fixture?.cleanup();
  });

  it('answers /healthz and /metrics', async () => {
    expect(await expectDocumented(await api('/healthz'), 'GET', '/healthz')).toEqual({ status: 'ok' });
    const metrics = await api('/metrics');
    expect(metrics.status).toBe(200);
    const text = (await expectDocumented(metrics, 'GET', '/metrics')) as string;
    expect(text).toContain('secure_sign_http_request_duration_seconds_bucket');
    expect(text).toContain('secure_sign_submissions_accepted_total');
  });

  it('gives public campaign facts to any origin', async () => {
    const response = await api('/v1/campaigns/open-letter', { headers: { origin: 'https://anywhere.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}')).toEqual({
      campaign: 'open-letter',
      keyId: open.keys.publicKey.keyId,
      count: 0,
      confirmed: 0,
      countShown: 'all',
      goal: 1000,
      opensAt: null,
      closesAt: null,
      open: true,
      originAllowed: true,
      log: { origin: 'localhost/open-letter', vkey: expect.stringMatching(/^localhost\/open-letter\+[0-9a-f]{8}\+A[Q-f][A-Za-z0-9+/]{42}$/), size: 0 },
      wall: null,
    });
    expect(response.headers.get('vary')).toMatch(/Origin/);
    const closed = (await expectDocumented(await api('/v1/campaigns/closed'), 'GET', '/v1/campaigns/{campaign}')) as { open: boolean };
    expect(closed.open).toBe(false);
  });

  it('tells a page whether its origin may submit, so a widget there can say so at load', async () => {
    const facts = async (origin?: string) =>
      (await expectDocumented(await api('/v1/campaigns/partner', origin ? { headers: { origin } } : {}), 'GET', '/v1/campaigns/{campaign}')) as Record<string, unknown>;
    expect((await facts('https://partner.example'))['originAllowed']).toBe(true);
    expect((await facts('https://elsewhere.example'))['originAllowed']).toBe(false);
    expect(await facts()).not.toHaveProperty('originAllowed');
    // What it says is what the submission endpoint does.
    const refused = await api('/v1/campaigns/partner/challenge', { method: 'POST', headers: { origin: 'https://elsewhere.example' } });
    expect(refused.status).toBe(403);
  });

  it.each([
    '/v1/campaigns/nope',
    '/v1/campaigns/..%2F..%2Fetc%2Fpasswd',
    '/v1/campaigns/..%5C..%5Cetc',
    '/v1/campaigns/%C3%A9t%C3%A9',
    '/v1/campaigns/Open-Letter',
    `/v1/campaigns/${'a'.repeat(65)}`,
    '/v1/campaigns/-x',
    '/v1/campaigns/%00',
    '/v1/campaigns/%E0%A4%A',
  ])('answers odd campaign path %s with 404 unknown-campaign', async (path) => {
    const response = await api(path);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { code: string };
    expect(body.code).toBe('unknown-campaign');
  });

  it('issues altcha challenges only for open campaigns', async () => {
    const response = await api('/v1/campaigns/open-letter/challenge', { method: 'POST' });
    const body = (await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/challenge')) as { parameters: { data: unknown; expiresAt: number }; expiresAt: string };
    expect(body.parameters.data).toEqual({ campaign: 'open-letter' });
    expect(body.parameters.expiresAt).toBe((START + 600_000) / 1000);
    expect(body.expiresAt).toBe(new Date(START + 600_000).toISOString());
    const closed = await api('/v1/campaigns/closed/challenge', { method: 'POST' });
    expect(((await expectDocumented(closed, 'POST', '/v1/campaigns/{campaign}/challenge')) as { code: string }).code).toBe('campaign-closed');
    const unknown = await api('/v1/campaigns/nope/challenge', { method: 'POST' });
    expect(((await expectDocumented(unknown, 'POST', '/v1/campaigns/{campaign}/challenge')) as { code: string }).code).toBe('unknown-campaign');
  });

  it('stores a submission, answers a retry with the original receipt and refuses a different envelope with the same sid', async () => {
    const body = await submission(open);
    const first = await post('/v1/campaigns/open-letter/submissions', body);
    const receipt = await expectDocumented(first, 'POST', '/v1/campaigns/{campaign}/submissions');
    expect(first.status).toBe(201);
    const sid = (body.envelope as { sid: string }).sid;
    // The log receipt: index seq - 1 and the entry of docs/log.md §7 (kind 1, sid, SHA-256 of the envelope as stored).
    const { wh, ct } = body.envelope as { wh: string; ct: string };
    const stored = createHash('sha256').update(JSON.stringify({ v: 1, campaign: 'open-letter', kid: open.keys.publicKey.keyId, sid, wh, ct })).digest('hex');
    const entry = Buffer.from(`01${Buffer.from(sid, 'base64url').toString('hex')}${stored}`, 'hex').toString('base64');
    expect(receipt).toEqual({
      campaign: 'open-letter',
      sid,
      receivedAt: new Date(now).toISOString(),
      log: { origin: 'localhost/open-letter', index: 0, entry, promise: expect.any(String) },
    });
    // The promise: the log key's signed note over exactly that origin, index and entry.
    const { vkey } = ((await (await api('/v1/campaigns/open-letter')).json()) as { log: { vkey: string } }).log;
    const promise = await openNote((receipt as { log: { promise: string } }).log.promise, [ed25519NoteVerifier(vkey, ed25519Verify)]);
    expect(promise.text).toBe(`secure-sign promise/v1\nlocalhost/open-letter\n0\n${entry}\n`);

    // A retry is safe whatever pow holds (even none, or a spent one).
    const retry = await post('/v1/campaigns/open-letter/submissions', { envelope: body.envelope, pow: null });
    expect(retry.status).toBe(200);
    expect(await expectDocumented(retry, 'POST', '/v1/campaigns/{campaign}/submissions')).toEqual(receipt);

    const other = await envelopeFor(open, 'Someone Else', (body.envelope as { sid: string }).sid);
    const conflict = await post('/v1/campaigns/open-letter/submissions', await submission(open, other));
    expect(conflict.status).toBe(409);
    expect(((await expectDocumented(conflict, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('submission-id-conflict');

    const facts = (await (await api('/v1/campaigns/open-letter')).json()) as { count: number };
    expect(facts.count).toBe(1);
  });

  it('refuses replayed, wrong, tampered, foreign and expired proofs of work', async () => {
    const expectCode = async (body: unknown, status: number, code: string) => {
      const response = await post('/v1/campaigns/open-letter/submissions', body);
      expect(response.status).toBe(status);
      expect(((await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe(code);
    };
    const used = await submission(open);
    expect((await post('/v1/campaigns/open-letter/submissions', used)).status).toBe(201);
    await expectCode({ envelope: await envelopeFor(open), pow: used.pow }, 409, 'pow-replayed');

    const good = await submission(open);
    const solution = good.pow.solution as { counter: number; derivedKey: string };
    // (The derived key is the proof: altcha-lib checks it against the key signature.)
    await expectCode({ ...good, pow: { ...good.pow, solution: { ...solution, derivedKey: '0'.repeat(64) } } }, 422, 'pow-invalid');
    const tampered = structuredClone(good.pow.challenge) as { parameters: { keyPrefix: string } };
    tampered.parameters.keyPrefix = '00';
    await expectCode({ ...good, pow: { challenge: tampered, solution } }, 422, 'pow-invalid');
    await expectCode({ envelope: good.envelope }, 422, 'pow-invalid');
    await expectCode({ envelope: good.envelope, pow: 'x' }, 422, 'pow-invalid');
    // A challenge of another campaign does not transfer.
    const foreign = await solve(await challenge('partner'));
    await expectCode({ envelope: good.envelope, pow: foreign }, 422, 'pow-invalid');
    // The untouched proof still works afterwards: failed attempts did not spend it.
    expect((await post('/v1/campaigns/open-letter/submissions', good)).status).toBe(201);

    const late = await submission(open);
    now += 601_000;
    try {
      await expectCode(late, 422, 'pow-expired');
    } finally {
      now -= 601_000;
    }
  });

  it('refuses a submission once the campaign has closed, even with a valid proof', async () => {
    const body = await submission(closing);
    now += 6 * 60_000;
    try {
      const response = await post('/v1/campaigns/closing/submissions', body);
      expect(response.status).toBe(403);
      expect(((await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('campaign-closed');
    } finally {
      now -= 6 * 60_000;
    }
  });

  it('refuses bad bodies with the documented codes', async () => {
    const good = await submission(open);
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['text/plain', () => api('/v1/campaigns/open-letter/submissions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(good) }), 415, 'unsupported-media-type'],
      ['no type', () => api('/v1/campaigns/open-letter/submissions', { method: 'POST', body: new Uint8Array([123, 125]) }), 415, 'unsupported-media-type'],
      ['65 KiB', () => post('/v1/campaigns/open-letter/submissions', JSON.stringify({ ...good, pad: 'x'.repeat(65 * 1024) })), 413, 'payload-too-large'],
      ['not JSON', () => post('/v1/campaigns/open-letter/submissions', '{"envelope":'), 400, 'malformed-json'],
      ['bad UTF-8', () => api('/v1/campaigns/open-letter/submissions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x22, 0xff, 0x22]) }), 400, 'malformed-json'],
      ['array', () => post('/v1/campaigns/open-letter/submissions', '[]'), 400, 'malformed-envelope'],
      ['no envelope', () => post('/v1/campaigns/open-letter/submissions', { pow: good.pow }), 400, 'malformed-envelope'],
      ['extra field', () => post('/v1/campaigns/open-letter/submissions', { ...good, envelope: { ...(good.envelope as object), x: 1 } }), 400, 'malformed-envelope'],
      ['v2', () => post('/v1/campaigns/open-letter/submissions', { ...good, envelope: { ...(good.envelope as object), v: 2 } }), 400, 'unsupported-version'],
      ['other campaign', () => post('/v1/campaigns/partner/submissions', good), 422, 'campaign-mismatch'],
      ['unknown campaign', () => post('/v1/campaigns/nope/submissions', good), 404, 'unknown-campaign'],
    ];
    for (const [label, send, status, code] of cases) {
      const response = await send();
      expect(response.status, label).toBe(status);
      expect(((await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code, label).toBe(code);
    }
    const otherKeys = await generateCampaignKeys();
    const wrongKey = await sealSubmission({
      publicKey: otherKeys.publicKey,
      campaign: 'open-letter',
      signer: { kind: 'individual', name: 'Eve', email: 'eve@example.org', consent: { listPublicly: false, contactLater: false } },
    });
    const response = await post('/v1/campaigns/open-letter/submissions', { envelope: wrongKey, pow: good.pow });
    expect(((await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('key-mismatch');
  });

  it('refuses oversize headers without a 5xx', async () => {
    const response = await api('/v1/campaigns/open-letter', { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(response.status).toBe(431);
  });

  it('applies CORS: GET to anyone, POST to the campaign origins only', async () => {
    const preflight = (campaign: string, origin: string) =>
      api(`/v1/campaigns/${campaign}/submissions`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('partner', 'https://partner.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const refused = await preflight('partner', 'https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const anyOrigin = await preflight('open-letter', 'https://evil.example');
    expect(anyOrigin.headers.get('access-control-allow-origin')).toBe('*');

    const body = await submission(partner);
    const fromEvil = await post('/v1/campaigns/partner/submissions', body, { origin: 'https://evil.example' });
    expect(fromEvil.status).toBe(403);
    expect(((await expectDocumented(fromEvil, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('origin-not-allowed');
    const fromPartner = await post('/v1/campaigns/partner/submissions', body, { origin: 'https://partner.example' });
    expect(fromPartner.status).toBe(201);
    expect(fromPartner.headers.get('access-control-allow-origin')).toBe('https://partner.example');
  });

  it('exports NDJSON to staff, resumable with a cursor', async () => {
    const before = (await expectDocumented(await api('/v1/campaigns/open-letter/export', { headers: staff(open.token) }), 'GET', '/v1/campaigns/{campaign}/export')) as {
      seq: number;
    }[];
    expect(before.length).toBeGreaterThan(0);
    const last = before.at(-1)!.seq;
    const fresh = await submission(open);
    expect((await post('/v1/campaigns/open-letter/submissions', fresh)).status).toBe(201);
    const response = await api(`/v1/campaigns/open-letter/export?after=${last}`, { headers: staff(open.token) });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as { seq: number; envelope: unknown }[];
    expect(lines).toHaveLength(1);
    expect(lines[0]!.seq).toBe(last + 1);
    expect(lines[0]!.envelope).toEqual(fresh.envelope);
    const limited = (await expectDocumented(await api('/v1/campaigns/open-letter/export?limit=1', { headers: staff(open.token) }), 'GET', '/v1/campaigns/{campaign}/export')) as unknown[];
    expect(limited).toHaveLength(1);
  });

  it('refuses export without the campaign token, and bad cursors', async () => {
    const otherToken = partner.token;
    for (const headers of [{}, staff('sst_' + 'A'.repeat(43)), staff(otherToken), { authorization: open.token }, staff(open.token + 'x')]) {
      const response = await api('/v1/campaigns/open-letter/export', { headers });
      expect(response.status).toBe(401);
      expect(((await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as { code: string }).code).toBe('unauthorized');
    }
    for (const after of ['-1', 'abc', '1e3', '01', '99999999999999999999', '9007199254740993', '1.5', '']) {
      const response = await api(`/v1/campaigns/open-letter/export?after=${encodeURIComponent(after)}`, { headers: staff(open.token) });
      expect(response.status, after).toBe(400);
      expect(((await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as { code: string }).code).toBe('bad-cursor');
    }
    for (const limit of ['0', '100001', 'x']) {
      const response = await api(`/v1/campaigns/open-letter/export?limit=${limit}`, { headers: staff(open.token) });
      expect(((await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/export')) as { code: string }).code).toBe('bad-limit');
    }
  });

  it('deletes a submission for staff, logging the removal with the next seq', async () => {
    const body = await submission(open);
    expect((await post('/v1/campaigns/open-letter/submissions', body)).status).toBe(201);
    const sid = (body.envelope as { sid: string }).sid;
    const count = async () => ((await (await api('/v1/campaigns/open-letter')).json()) as { count: number }).count;
    const countBefore = await count();
    const path = `/v1/campaigns/open-letter/submissions/${sid}`;
    const unauthorized = await api(path, { method: 'DELETE', headers: staff(partner.token) });
    expect(((await expectDocumented(unauthorized, 'DELETE', '/v1/campaigns/{campaign}/submissions/{sid}')) as { code: string }).code).toBe('unauthorized');
    const deleted = await api(path, { method: 'DELETE', headers: staff(open.token) });
    expect(deleted.status).toBe(204);
    await expectDocumented(deleted, 'DELETE', '/v1/campaigns/{campaign}/submissions/{sid}');
    expect(await count()).toBe(countBefore - 1);
    const again = await api(path, { method: 'DELETE', headers: staff(open.token) });
    expect(((await expectDocumented(again, 'DELETE', '/v1/campaigns/{campaign}/submissions/{sid}')) as { code: string }).code).toBe('not-found');
    // Export: the envelope's line now says `removed` (no ciphertext), and the last line is the removal.
    const lines = (await expectDocumented(await api('/v1/campaigns/open-letter/export', { headers: staff(open.token) }), 'GET', '/v1/campaigns/{campaign}/export')) as Record<string, unknown>[];
    const mine = lines.filter((l) => JSON.stringify(l).includes(sid));
    const { wh } = body.envelope as { wh: string };
    const hash = createHash('sha256').update(formatEnvelope(body.envelope as Envelope)).digest('base64');
    expect(mine).toEqual([
      { seq: expect.any(Number), receivedAt: expect.any(String), removed: { sid, hash, wh } },
      { seq: lines.at(-1)!['seq'], receivedAt: new Date(now).toISOString(), removal: { sid } },
    ]);
    expect(lines.map((l) => l['seq'])).toEqual(lines.map((_, i) => i + 1));
    expect(JSON.stringify(lines)).not.toContain((body.envelope as { ct: string }).ct);
    // The signer's browser retrying the same envelope later does not bring it back.
    const retry = await post('/v1/campaigns/open-letter/submissions', body);
    expect(retry.status).toBe(200);
    expect(await count()).toBe(countBefore - 1);
    const after = await (await api('/v1/campaigns/open-letter/export', { headers: staff(open.token) })).text();
    expect(after).not.toContain((body.envelope as { ct: string }).ct);
    expect(after.split('\n').filter((l) => l.includes(sid))).toHaveLength(2);
  });

  it('publishes a verified signed wall and serves it as uploaded', async () => {
    const missing = await api('/v1/campaigns/open-letter/files/wall.json');
    expect(((await expectDocumented(missing, 'GET', '/v1/campaigns/{campaign}/files/{name}')) as { code: string }).code).toBe('not-found');
    const wall = await signDocument(open.keys, { type: 'wall', campaign: 'open-letter', serial: 1, data: { entries: [{ name: 'Ada Lovelace' }] } });
    const text = `${JSON.stringify(wall, null, 1)}\n`;
    const put = (name: string, body: string, token = open.token, type = 'application/json') =>
      api(`/v1/campaigns/open-letter/files/${name}`, { method: 'PUT', headers: { ...staff(token), 'content-type': type }, body });
    const stored = await put('wall.json', text);
    expect(await expectDocumented(stored, 'PUT', '/v1/campaigns/{campaign}/files/{name}')).toEqual({
      name: 'wall.json',
      serial: 1,
      issuedAt: wall.payload.issuedAt,
      validUntil: wall.payload.validUntil,
    });
    // The public campaign answer says a wall is published, and its serial (a widget asks for no
    // wall that is not there).
    const facts = (await expectDocumented(await api('/v1/campaigns/open-letter'), 'GET', '/v1/campaigns/{campaign}')) as { wall: unknown };
    expect(facts.wall).toEqual({ serial: 1 });
    const got = await api('/v1/campaigns/open-letter/files/wall.json', { headers: { origin: 'https://anywhere.example' } });
    expect(got.headers.get('cache-control')).toContain('max-age=60');
    expect(got.headers.get('access-control-allow-origin')).toBe('*');
    expect(await got.clone().text()).toBe(text);
    await expectDocumented(got, 'GET', '/v1/campaigns/{campaign}/files/{name}');

    const otherKeys = await generateCampaignKeys();
    const foreign = await signDocument(otherKeys, { type: 'wall', campaign: 'open-letter', serial: 2, data: { entries: [] } });
    const tampered = { ...wall, payload: { ...wall.payload, serial: 2, data: { entries: [{ name: 'Mallory' }] } } };
    const notWall = await signDocument(open.keys, { type: 'notice', campaign: 'open-letter', serial: 2, data: {} });
    const otherCampaign = await signDocument(open.keys, { type: 'wall', campaign: 'partner', serial: 2, data: { entries: [] } });
    const cases: [string, Response, number, string][] = [
      ['foreign key', await put('wall.json', JSON.stringify(foreign)), 422, 'bad-signature'],
      ['tampered', await put('wall.json', JSON.stringify(tampered)), 422, 'bad-signature'],
      ['not a wall', await put('wall.json', JSON.stringify(notWall)), 422, 'malformed-document'],
      ['other campaign', await put('wall.json', JSON.stringify(otherCampaign)), 422, 'malformed-document'],
      ['garbage', await put('wall.json', '{"v":1}'), 422, 'malformed-document'],
      ['not JSON', await put('wall.json', '{'), 400, 'malformed-json'],
      ['wrong type', await put('wall.json', text, open.token, 'text/plain'), 415, 'unsupported-media-type'],
      ['no token', await put('wall.json', text, partner.token), 401, 'unauthorized'],
      ['bad name', await put('..%2Fwall.json', text), 404, 'not-found'],
    ];
    for (const [label, response, status, code] of cases) {
      expect(response.status, label).toBe(status);
      expect(((await expectDocumented(response, 'PUT', '/v1/campaigns/{campaign}/files/{name}')) as { code: string }).code, label).toBe(code);
    }
    // Other documents under other names need not be walls.
    expect((await put('notice.json', JSON.stringify(notWall))).status).toBe(200);
    // The stored wall is unchanged by the refused uploads.
    expect(await (await api('/v1/campaigns/open-letter/files/wall.json')).text()).toBe(text);
  });

  describe('signed walls cannot roll back', () => {
    const put = (campaign: TestCampaign, name: string, body: string, target = api) =>
      target(`/v1/campaigns/${campaign.id}/files/${name}`, { method: 'PUT', headers: { ...staff(campaign.token), 'content-type': 'application/json' }, body });
    const wallOf = async (campaign: TestCampaign, serial: number, names: string[], dates: { issuedAt?: Date; validUntil?: Date } = {}) =>
      JSON.stringify(await signDocument(campaign.keys, { type: 'wall', campaign: campaign.id, serial, data: { entries: names.map((name) => ({ name })) }, ...dates }));
    const served = async (campaign: TestCampaign) => (await api(`/v1/campaigns/${campaign.id}/files/wall.json`)).text();
    const expectStale = async (response: Response, currentSerial: number) => {
      expect(response.status).toBe(409);
      const problem = (await expectDocumented(response, 'PUT', '/v1/campaigns/{campaign}/files/{name}')) as { code: string; currentSerial: number };
      expect(problem).toMatchObject({ code: 'stale-document', currentSerial });
      expect(response.headers.get('cache-control')).toBe('no-store');
    };

    it('refuses a wall whose serial is not greater than the served one: 409 stale-document with currentSerial', async () => {
      const campaign = await addCampaign(store, 'rollback');
      const withErased = await wallOf(campaign, 4, ['Ada Lovelace', 'Erased Signer']);
      const afterErasure = await wallOf(campaign, 5, ['Ada Lovelace']);
      const first = await put(campaign, 'wall.json', withErased);
      expect(await expectDocumented(first, 'PUT', '/v1/campaigns/{campaign}/files/{name}')).toMatchObject({ name: 'wall.json', serial: 4 });
      expect((await put(campaign, 'wall.json', afterErasure)).status).toBe(200);
      // The old wall, validly signed, would bring the erased signer back: refused.
      await expectStale(await put(campaign, 'wall.json', withErased), 5);
      // So is another wall with the same serial, and a re-upload of the served one.
      await expectStale(await put(campaign, 'wall.json', await wallOf(campaign, 5, ['Mallory'])), 5);
      await expectStale(await put(campaign, 'wall.json', afterErasure), 5);
      expect(await served(campaign)).toBe(afterErasure);
      // Serials are per file name: another document starts its own sequence.
      const notice = JSON.stringify(await signDocument(campaign.keys, { type: 'notice', campaign: campaign.id, serial: 1, data: {} }));
      expect((await put(campaign, 'notice.json', notice)).status).toBe(200);
      const next = await wallOf(campaign, 6, ['Ada Lovelace', 'Grace Hopper']);
      expect(await expectDocumented(await put(campaign, 'wall.json', next), 'PUT', '/v1/campaigns/{campaign}/files/{name}')).toMatchObject({ serial: 6 });
      expect(await served(campaign)).toBe(next);
    });

    it('refuses a document expired by the app clock: 400 expired-document', async () => {
      const campaign = await addCampaign(store, 'expiry');
      const hour = 3_600_000;
      const shortLived = await wallOf(campaign, 1, ['Ada'], { issuedAt: new Date(START - hour), validUntil: new Date(START + hour) });
      now += 2 * hour;
      try {
        const expired = await put(campaign, 'wall.json', shortLived);
        expect(expired.status).toBe(400);
        expect(((await expectDocumented(expired, 'PUT', '/v1/campaigns/{campaign}/files/{name}')) as { code: string }).code).toBe('expired-document');
      } finally {
        now -= 2 * hour;
      }
      expect((await api('/v1/campaigns/expiry/files/wall.json')).status).toBe(404);
      // The app's clock decides, not the machine's: at an app time before validUntil it is accepted.
      const pastDue = await wallOf(campaign, 2, ['Ada'], { issuedAt: new Date(START - 3 * hour), validUntil: new Date(START - hour) });
      now -= 2 * hour;
      try {
        const accepted = await put(campaign, 'wall.json', pastDue);
        expect(await expectDocumented(accepted, 'PUT', '/v1/campaigns/{campaign}/files/{name}')).toEqual({
          name: 'wall.json',
          serial: 2,
          issuedAt: new Date(START - 3 * hour).toISOString(),
          validUntil: new Date(START - hour).toISOString(),
        });
      } finally {
        now += 2 * hour;
      }
    });

    it('serves walls with a short max-age and an entity tag, so caches pick up a newer wall', async () => {
      const campaign = await addCampaign(store, 'caching');
      const get = (headers: Record<string, string> = {}) => api('/v1/campaigns/caching/files/wall.json', { headers: { origin: 'https://anywhere.example', ...headers } });
      const v1 = await wallOf(campaign, 1, ['Ada']);
      expect((await put(campaign, 'wall.json', v1)).status).toBe(200);
      const first = await get();
      const maxAge = Number(/(?:^|,)\s*max-age=(\d+)/.exec(first.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(60);
      expect(first.headers.get('cache-control')).toMatch(/^public,/);
      const tag = first.headers.get('etag');
      expect(tag).toMatch(/^"[^"]+"$/);
      expect(await expectDocumented(first, 'GET', '/v1/campaigns/{campaign}/files/{name}')).toEqual(JSON.parse(v1));

      // Revalidation while unchanged: 304, no body, same validators and cache policy, still CORS.
      const unchanged = await get({ 'if-none-match': `"other", ${tag}` });
      expect(unchanged.status).toBe(304);
      expect(unchanged.headers.get('etag')).toBe(tag);
      expect(unchanged.headers.get('cache-control')).toBe(first.headers.get('cache-control'));
      expect(unchanged.headers.get('access-control-allow-origin')).toBe('*');
      await expectDocumented(unchanged, 'GET', '/v1/campaigns/{campaign}/files/{name}');

      // A newer wall: the old tag no longer matches, the new wall comes back whole.
      const v2 = await wallOf(campaign, 2, ['Ada', 'Grace']);
      expect((await put(campaign, 'wall.json', v2)).status).toBe(200);
      const changed = await get({ 'if-none-match': tag! });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(tag);
      expect(await changed.text()).toBe(v2);
      // A refused upload changes nothing, validators included.
      expect((await put(campaign, 'wall.json', v1)).status).toBe(409);
      expect((await get()).headers.get('etag')).toBe(changed.headers.get('etag'));
    });

    it('stores one of two concurrent uploads with the same serial sent to two apps on one database', async () => {
      const campaign = await addCampaign(store, 'two-apps');
      const otherStore = await fixture.open();
      try {
        const other = createApp({ store: otherStore, config: resolveConfig({ powDifficulty: 50 }), clock: { now: () => now }, logger: pino({ level: 'silent' }) });
        const viaOther = (path: string, init: RequestInit = {}) => Promise.resolve(other.request(path, init));
        for (let serial = 1; serial <= 6; serial += 1) {
          const a = await wallOf(campaign, serial, [`A${serial}`]);
          const b = await wallOf(campaign, serial, [`B${serial}`]);
          const [ra, rb] = await Promise.all([put(campaign, 'wall.json', a), put(campaign, 'wall.json', b, viaOther)]);
          expect([ra.status, rb.status].sort(), `serial ${serial}`).toEqual([200, 409]);
          const loser = ra.status === 409 ? ra : rb;
          expect(((await loser.json()) as { code: string; currentSerial: number })).toMatchObject({ code: 'stale-document', currentSerial: serial });
          expect(await served(campaign)).toBe(ra.status === 200 ? a : b);
        }
      } finally {
        await otherStore.close();
      }
    });
  });

  it('registers campaigns and rotates tokens over the admin API', async () => {
    const keys = await generateCampaignKeys();
    const body = { campaign: 'via-admin', key: keys.publicKey.keyString, origins: ['https://a.example'], goal: 5 };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const noAuth = await post('/v1/admin/campaigns', body);
    expect(((await expectDocumented(noAuth, 'POST', '/v1/admin/campaigns')) as { code: string }).code).toBe('unauthorized');
    const created = await post('/v1/admin/campaigns', body, admin);
    expect(created.status).toBe(201);
    const { token } = (await expectDocumented(created, 'POST', '/v1/admin/campaigns')) as { token: string };
    secretsSeen.push(token);
    const exists = await post('/v1/admin/campaigns', body, admin);
    expect(((await expectDocumented(exists, 'POST', '/v1/admin/campaigns')) as { code: string }).code).toBe('campaign-exists');
    for (const bad of [{ ...body, campaign: 'Bad Id' }, { ...body, key: 'sspk1nope' }, { ...body, origins: ['javascript:alert(1)'] }, { ...body, extra: 1 }]) {
      const response = await post('/v1/admin/campaigns', bad, admin);
      expect(((await expectDocumented(response, 'POST', '/v1/admin/campaigns')) as { code: string }).code).toBe('invalid-request');
    }
    expect((await api('/v1/campaigns/via-admin/export', { headers: staff(token) })).status).toBe(200);
    const rotated = await api('/v1/admin/campaigns/via-admin/token', { method: 'POST', headers: admin });
    const { token: next } = (await expectDocumented(rotated, 'POST', '/v1/admin/campaigns/{campaign}/token')) as { token: string };
    secretsSeen.push(next);
    expect((await api('/v1/campaigns/via-admin/export', { headers: staff(token) })).status).toBe(401);
    expect((await api('/v1/campaigns/via-admin/export', { headers: staff(next) })).status).toBe(200);
    const unknown = await api('/v1/admin/campaigns/nope/token', { method: 'POST', headers: admin });
    expect(((await expectDocumented(unknown, 'POST', '/v1/admin/campaigns/{campaign}/token')) as { code: string }).code).toBe('unknown-campaign');
  });

  it('counts accepted and rejected requests in /metrics', async () => {
    const text = await (await api('/metrics')).text();
    expect(text).toMatch(/secure_sign_submissions_accepted_total\{campaign="open-letter"\} [1-9]/);
    expect(text).toMatch(/secure_sign_requests_rejected_total\{code="pow-replayed"\} [1-9]/);
  });

  it('never logs envelopes, tokens or addresses', () => {
    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(20);
    expect(log).toContain('"route":"/v1/campaigns/:campaign/submissions"');
    for (const secret of secretsSeen) expect(log).not.toContain(secret);
    expect(log).not.toContain('127.0.0.1');
    expect(log).not.toContain('"ct"');
    expect(log).not.toMatch(/sst_/);
  });
});

describe('collector HTTP API limits and failures', () => {
  let fixture: EngineFixture;
  let store: Store;
  let server: RunningServer;

  beforeAll(async () => {
    fixture = ENGINES[0].make();
    store = await fixture.open();
    const app = createApp({ store, config: resolveConfig({ powDifficulty: 10, rateLimit: 2, challengeRateLimit: 4 }), logger: pino({ level: 'silent' }) });
    server = await startServer({ app, store, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await fixture.cleanup();
  });

  it('rate-limits submissions and challenges per client with Retry-After', async () => {
    const campaign = await addCampaign(store, 'limited');
    const statuses: number[] = [];
    let limited: Response | undefined;
    const submit = (body: unknown) =>
      fetch(`${server.url}/v1/campaigns/limited/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bodies: unknown[] = [];
    const receipts: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const challenge = await fetch(`${server.url}/v1/campaigns/limited/challenge`, { method: 'POST' });
      const body = { envelope: await envelopeFor(campaign), pow: await solve(await challenge.json()) };
      bodies.push(body);
      const response = await submit(body);
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else receipts.push(await response.json());
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await expectDocumented(limited!, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('rate-limited');
    // Over the limit, a retry of a stored envelope still gets its receipt: with its (spent, still
    // verifying) proof of work, and without one.
    const retries: [unknown, unknown][] = [
      [bodies[0], receipts[0]],
      [{ ...(bodies[1] as object), pow: null }, receipts[1]],
    ];
    for (const [body, receipt] of retries) {
      const retry = await submit(body);
      expect(retry.status).toBe(200);
      expect(await expectDocumented(retry, 'POST', '/v1/campaigns/{campaign}/submissions')).toEqual(receipt);
    }
    expect((await submit(bodies[2])).status).toBe(429);
    const more = [];
    for (let i = 0; i < 2; i++) more.push((await fetch(`${server.url}/v1/campaigns/limited/challenge`, { method: 'POST' })).status);
    expect(more).toEqual([201, 429]);
  });

  it('keys rate limits on the last X-Forwarded-For hop only with trustProxy', async () => {
    await addCampaign(store, 'proxied');
    const statuses = async (trustProxy: boolean) => {
      const app = createApp({ store, config: resolveConfig({ challengeRateLimit: 1, trustProxy }), logger: pino({ level: 'silent' }) });
      // This server must not close the store the other tests share.
      const proxied = await startServer({ app, store: { ...store, close: async () => {} }, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
      try {
        const result = [];
        // A client may prepend anything; only the hop the proxy appended (the last) counts.
        for (const xff of ['203.0.113.1', 'spoofed, 203.0.113.1', '203.0.113.2']) {
          const response = await fetch(`${proxied.url}/v1/campaigns/proxied/challenge`, { method: 'POST', headers: { 'x-forwarded-for': xff } });
          result.push(response.status);
        }
        return result;
      } finally {
        await proxied.close();
      }
    };
    expect(await statuses(true)).toEqual([201, 429, 201]);
    expect(await statuses(false)).toEqual([201, 429, 429]);
  });

  it('has the admin API off without an admin token', async () => {
    const response = await fetch(`${server.url}/v1/admin/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(((await expectDocumented(response, 'POST', '/v1/admin/campaigns')) as { code: string }).code).toBe('not-found');
  });

  it('answers 503 unavailable when the database is gone', async () => {
    await store.close();
    const health = await fetch(`${server.url}/healthz`);
    expect(((await expectDocumented(health, 'GET', '/healthz')) as { code: string }).code).toBe('unavailable');
    const facts = await fetch(`${server.url}/v1/campaigns/limited`);
    expect(((await expectDocumented(facts, 'GET', '/v1/campaigns/{campaign}')) as { code: string }).code).toBe('unavailable');
  });
});
