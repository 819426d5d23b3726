// The hostile-input catalogue (issue 15): a table of requests an attacker can send to every
// endpoint, over fetch and as raw bytes on a socket, run against a real listening server on both
// engines. For every case: no 5xx; every 4xx is application/problem+json with a documented code
// whose status is the one answered; nothing of the request comes back (each case carries a canary
// string); and /healthz still answers afterwards. Then: no "database failure" in the logs, no
// `unavailable` in the metrics. Bounded: the server's timeouts are set short for this suite.
import { pino } from 'pino';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { PAGE_CSP } from '../src/routes/page.js';
import { WITHDRAW_PAGE_CSP } from '../src/routes/withdrawals.js';
import { rotateStaffToken } from '../src/campaigns.js';
import { resolveConfig } from '../src/config.js';
import { createMetrics, type Metrics } from '../src/metrics.js';
import { PROBLEMS } from '../src/problems.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, addCampaign, envelopeFor, solve, type EngineFixture, type TestCampaign } from './helpers.js';

const ADMIN_TOKEN = 'admin-token-for-hostile-tests-0123456789';
/** In every hostile request; must never come back in an answer. */
const CANARY = 'CANARY7q3x';
const HEADERS_TIMEOUT_MS = 300;
const WITHDRAW_PAGE = '/v1/campaigns/target/withdraw';
const CONFIRM_PAGE = '/v1/campaigns/target/confirm';
const DISOWN_PAGE = '/v1/campaigns/target/disown';
/** The signer pages: they answer in HTML (their form's outcomes, and a malformed link). */
const PAGES = [WITHDRAW_PAGE, CONFIRM_PAGE, DISOWN_PAGE];
const REQUEST_TIMEOUT_MS = 600;

const execFileAsync = promisify(execFile);

/** A client in its own process that uploads `size` bytes and prints the answer (or its error) as JSON. */
const UPLOAD_CLIENT = `
import { request } from 'node:http';
const { port, path, headers, size } = JSON.parse(process.argv[1]);
const say = (outcome) => {
  console.log(JSON.stringify(outcome));
  process.exit(0);
};
const req = request({ port, host: '127.0.0.1', method: path.includes('/files/') ? 'PUT' : 'POST', path, headers });
req.on('response', (res) => {
  let body = '';
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => say({ status: res.statusCode, body }));
});
req.on('error', (error) => say({ error: error.code ?? error.message }));
const chunk = Buffer.alloc(64 * 1024, 0x61);
let sent = 0;
const pump = () => {
  while (sent < size) {
    sent += chunk.length;
    if (!req.write(chunk)) return void req.once('drain', pump);
  }
  req.end();
};
pump();
`;

/** An answer read off a raw socket. */
interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly text: string;
}

/** Sends raw bytes (optionally in steps) and reads until the server closes or `waitMs` passes. */
export function rawRequest(port: number, parts: (string | Buffer)[], options: { waitMs?: number; gapMs?: number } = {}): Promise<RawAnswer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!match) return resolve(text === '' ? undefined : { status: 0, headers: {}, body: text, text });
      const headers: Record<string, string> = {};
      for (const line of match[2]!.split('\r\n')) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = match[3]!;
      const length = Number(headers['content-length']);
      if (Number.isInteger(length)) body = Buffer.from(body, 'latin1').subarray(0, length).toString('utf8');
      resolve({ status: Number(match[1]), headers, body, text });
    };
    const timer = setTimeout(finish, options.waitMs ?? 2000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Stop as soon as one whole response (with a Content-Length) is in.
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(text, 'latin1') >= end + 4 + Number(length)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.on('connect', async () => {
      for (const part of parts) {
        if (socket.destroyed) break;
        socket.write(part);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    });
  });
}

/** The checks every hostile case must pass. */
function expectSafeAnswer(label: string, status: number, contentType: string | undefined, body: string, head = false, html = false): void {
  expect(status, `${label}: status`).toBeGreaterThanOrEqual(100);
  expect(status, `${label}: no 5xx`).toBeLessThan(500);
  expect(body, `${label}: nothing echoed`).not.toContain(CANARY);
  if (html) {
    // An HTML page of a signer page (withdraw, confirm, disown): the status of a documented problem, no script.
    expect(Object.values(PROBLEMS).map((p) => p.status).concat(200), `${label}: documented status`).toContain(status);
    expect(body, `${label}: no script`).not.toMatch(/<script/i);
    return;
  }
  if (status >= 400) {
    expect(contentType?.split(';')[0], `${label}: problem+json`).toBe('application/problem+json');
    if (head) return expect(body, `${label}: no body to HEAD`).toBe('');
    const problem = JSON.parse(body) as { code: keyof typeof PROBLEMS; status: number };
    expect(Object.keys(PROBLEMS), `${label}: documented code`).toContain(problem.code);
    expect(PROBLEMS[problem.code].status, `${label}: code matches status`).toBe(status);
    expect(problem.status, label).toBe(status);
  }
}

describe.each(ENGINES)('hostile input on $name', ({ make }) => {
  let fixture: EngineFixture;
  let store: Store;
  let server: RunningServer;
  let metrics: Metrics;
  let campaign: TestCampaign;
  const logLines: string[] = [];

  const healthy = async (label: string) => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status, `${label}: /healthz after the case`).toBe(200);
    await response.arrayBuffer();
  };

  beforeAll(async () => {
    fixture = make();
    store = await fixture.open();
    campaign = await addCampaign(store, 'target', { origins: ['https://partner.example'] });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    metrics = createMetrics();
    const logger = pino({ level: 'info' }, sink);
    const app = createApp({
      store,
      // High limits: the catalogue is not about rate limits (abuse.test.ts is); many cases fail auth.
      config: resolveConfig({ powDifficulty: 10, rateLimit: 100_000, authFailureLimit: 100_000, adminToken: ADMIN_TOKEN }),
      logger,
      metrics,
    });
    server = await startServer({
      app,
      store,
      logger,
      metrics,
      host: '127.0.0.1',
      port: 0,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  });

  afterAll(async () => {
    await server?.close();
    await fixture?.cleanup();
  });

  it('answers every hostile request over HTTP with a documented 4xx problem, echoing nothing', async () => {
    const good = { envelope: await envelopeFor(campaign), pow: await solve(await (await fetch(`${server.url}/v1/campaigns/target/challenge`, { method: 'POST' })).json()) };
    const json = { 'content-type': 'application/json' };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const paths = [
      '/healthz',
      '/metrics',
      '/v1/campaigns/target',
      '/v1/campaigns/target/challenge',
      '/v1/campaigns/target/submissions',
      `/v1/campaigns/target/submissions/${'A'.repeat(22)}`,
      '/v1/campaigns/target/withdrawals',
      WITHDRAW_PAGE,
      '/v1/campaigns/target/confirmations',
      CONFIRM_PAGE,
      DISOWN_PAGE,
      '/v1/campaigns/target/export',
      '/v1/campaigns/target/files/wall.json',
      '/v1/admin/campaigns',
      '/v1/admin/campaigns/target/token',
      '/v1/admin/campaigns/target',
    ];
    const bodies: [string, string | Uint8Array][] = [
      ['truncated', `{"envelope":"${CANARY}`],
      ['not JSON', `${CANARY}`],
      ['null', 'null'],
      ['string', JSON.stringify(CANARY)],
      ['deep', `${'['.repeat(5000)}"${CANARY}"${']'.repeat(5000)}`],
      ['huge number', `{"envelope":1e999999,"x":"${CANARY}"}`],
      ['NUL bytes', `{"envelope":"\u0000${CANARY}"}`],
      ['bad UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ['duplicate members', `{"envelope":{},"envelope":"${CANARY}"}`],
      ['proto', `{"__proto__":{"envelope":"${CANARY}"},"constructor":{"prototype":{}}}`],
    ];
    const cases: [string, string, RequestInit][] = [];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
        cases.push([`${method} ${path}`, path, { method, headers: { authorization: `Bearer ${CANARY}`, origin: `https://${CANARY}.example` } }]);
      }
      for (const [label, body] of bodies) {
        for (const method of ['POST', 'PUT']) {
          cases.push([`${method} ${path} ${label}`, path, { method, headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body }]);
          cases.push([`${method} ${path} ${label} staff`, path, { method, headers: { ...json, authorization: `Bearer ${campaign.token}` }, body }]);
        }
      }
    }
    const odd: [string, string, RequestInit][] = [
      ['odd content type', '/v1/campaigns/target/submissions', { method: 'POST', headers: { 'content-type': `application/json; charset=${CANARY}` }, body: JSON.stringify(good) }],
      ['utf-16 body', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: Buffer.from(JSON.stringify(good), 'utf16le') }],
      ['origin null', '/v1/campaigns/target/submissions', { method: 'POST', headers: { ...json, origin: 'null' }, body: JSON.stringify(good) }],
      ['basic auth', '/v1/campaigns/target/export', { headers: { authorization: `Basic ${Buffer.from(`${CANARY}:x`).toString('base64')}` } }],
      ['bearer without token', '/v1/campaigns/target/export', { headers: { authorization: 'Bearer' } }],
      ['two bearers', '/v1/campaigns/target/export', { headers: { authorization: `Bearer ${campaign.token}, Bearer ${CANARY}` } }],
      ['token of the right shape, wrong', '/v1/campaigns/target/export', { headers: { authorization: `Bearer sst_${'A'.repeat(43)}` } }],
      ['admin token as staff', '/v1/campaigns/target/export', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }],
      ['staff token as admin', '/v1/admin/campaigns/target/token', { method: 'POST', headers: { authorization: `Bearer ${campaign.token}` } }],
      ['cursor', `/v1/campaigns/target/export?after=${CANARY}&limit=-1`, { headers: { authorization: `Bearer ${campaign.token}` } }],
      ['cursor huge', '/v1/campaigns/target/export?after=99999999999999999999', { headers: { authorization: `Bearer ${campaign.token}` } }],
      ['two cursors', '/v1/campaigns/target/export?after=1&after=2&limit=1e3', { headers: { authorization: `Bearer ${campaign.token}` } }],
      ['file name', `/v1/campaigns/target/files/${CANARY}..%2f..%2fetc`, {}],
      ['file name PUT', `/v1/campaigns/target/files/${CANARY}.json`, { method: 'PUT', headers: { ...json, authorization: `Bearer ${campaign.token}` }, body: `{"x":"${CANARY}"}` }],
      ['sid', `/v1/campaigns/target/submissions/${CANARY}`, { method: 'DELETE', headers: { authorization: `Bearer ${campaign.token}` } }],
      ['admin unknown members', '/v1/admin/campaigns', { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ campaign: 'x1', key: campaign.keys.publicKey.keyString, [CANARY]: 1 }) }],
      ['admin bad origin', '/v1/admin/campaigns', { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ campaign: 'x1', key: campaign.keys.publicKey.keyString, origins: [`javascript:${CANARY}`] }) }],
      ['admin bad key', '/v1/admin/campaigns', { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ campaign: 'x1', key: `sspk1${CANARY}` }) }],
      ['pow missing', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ envelope: good.envelope }) }],
      ['pow forged', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ envelope: good.envelope, pow: { challenge: { parameters: { ...(good.pow.challenge as { parameters: object }).parameters, nonce: 'ab' }, signature: 'cd' }, solution: { counter: 1, derivedKey: '0'.repeat(64) } } }) }],
      ['pow absurd', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ envelope: good.envelope, pow: { challenge: { parameters: { algorithm: 'PBKDF2/SHA-512', cost: 1e9, keyLength: 1e9 }, signature: CANARY }, solution: { counter: -1, derivedKey: CANARY } } }) }],
      ['pow of another campaign', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ envelope: good.envelope, pow: { ...good.pow, challenge: { ...(good.pow.challenge as object), parameters: { ...(good.pow.challenge as { parameters: object }).parameters, data: { campaign: 'other' } } } } }) }],
      ['ciphertext not a bucket', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ ...good, envelope: { ...good.envelope, ct: 'A'.repeat(100) } }) }],
      ['sid wrong', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ ...good, envelope: { ...good.envelope, sid: CANARY } }) }],
      ['kid wrong', '/v1/campaigns/target/submissions', { method: 'POST', headers: json, body: JSON.stringify({ ...good, envelope: { ...good.envelope, kid: CANARY.toLowerCase() } }) }],
      ['x-forwarded-for junk', '/v1/campaigns/target/challenge', { method: 'POST', headers: { 'x-forwarded-for': `${CANARY}, ::ffff:999.1.1.1, [::1]` } }],
      ['if-none-match junk', '/v1/campaigns/target/files/wall.json', { headers: { 'if-none-match': `"${CANARY}", W/` } }],
      // Withdrawal: the JSON endpoint and the page's form.
      ['withdrawal sid', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: CANARY, secret: 'A'.repeat(43) }) }],
      ['withdrawal secret', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: `${CANARY}${'A'.repeat(33)}` }) }],
      ['withdrawal secret not canonical', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: `${'A'.repeat(42)}B` }) }],
      ['withdrawal types', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: [CANARY], secret: { [CANARY]: 1 } }) }],
      ['withdrawal member', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43), [CANARY]: 1 }) }],
      ['withdrawal unknown sid', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: { ...json, 'x-canary': CANARY }, body: JSON.stringify({ sid: 'B'.repeat(21) + 'A', secret: 'A'.repeat(43) }) }],
      ['withdrawal wrong secret', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43) }) }],
      ['withdrawal origin', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: { ...json, origin: `https://${CANARY}.example` }, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43) }) }],
      ['withdrawal too large', '/v1/campaigns/target/withdrawals', { method: 'POST', headers: json, body: JSON.stringify({ sid: CANARY.repeat(1000) }) }],
      ['withdraw code', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=${CANARY}.${CANARY}` }],
      ['withdraw code script', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=%3Cscript%3E${CANARY}%3C%2Fscript%3E` }],
      ['withdraw code twice', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=${good.envelope.sid}.${'A'.repeat(43)}&code=${CANARY}` }],
      ['withdraw code wrong secret', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=${good.envelope.sid}.${'A'.repeat(43)}&x=${CANARY}` }],
      ['withdraw code unknown sid', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=${'B'.repeat(21)}A.${'A'.repeat(43)}&x=${CANARY}` }],
      ['withdraw code bad percent', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=%ZZ%${CANARY}` }],
      ['withdraw code huge', WITHDRAW_PAGE, { method: 'POST', headers: form, body: `code=${CANARY.repeat(2000)}` }],
      ['withdraw bad UTF-8', WITHDRAW_PAGE, { method: 'POST', headers: form, body: new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0xfe]) }],
      ['withdraw form as multipart', WITHDRAW_PAGE, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: `--x\r\ncontent-disposition: form-data; name="code"\r\n\r\n${CANARY}\r\n--x--` }],
      ['withdraw language', WITHDRAW_PAGE, { headers: { 'accept-language': `${CANARY};q=2, fr;q=NaN, de;q=-1, *;q=0.1${',x'.repeat(2000)}` } }],
      // Confirmation: the JSON endpoint, the two pages (GET and their button), the admin PATCH.
      ['confirmation sid', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: CANARY, secret: 'A'.repeat(43), decision: 'confirm' }) }],
      ['confirmation secret', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: `${CANARY}${'A'.repeat(33)}`, decision: 'confirm' }) }],
      ['confirmation decision', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43), decision: CANARY }) }],
      ['confirmation types', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: [CANARY], secret: { [CANARY]: 1 }, decision: ['confirm'] }) }],
      ['confirmation member', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43), decision: 'disown', [CANARY]: 1 }) }],
      ['confirmation unknown sid', '/v1/campaigns/target/confirmations', { method: 'POST', headers: { ...json, 'x-canary': CANARY }, body: JSON.stringify({ sid: 'B'.repeat(21) + 'A', secret: 'A'.repeat(43), decision: 'confirm' }) }],
      ['confirmation without ch', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43), decision: 'confirm', x: undefined }) }],
      ['confirmation origin', '/v1/campaigns/target/confirmations', { method: 'POST', headers: { ...json, origin: `https://${CANARY}.example` }, body: JSON.stringify({ sid: good.envelope.sid, secret: 'A'.repeat(43), decision: 'disown' }) }],
      ['confirmation too large', '/v1/campaigns/target/confirmations', { method: 'POST', headers: json, body: JSON.stringify({ sid: CANARY.repeat(1000) }) }],
      ['confirm link canary', `${CONFIRM_PAGE}?code=${CANARY}.${CANARY}&lang=${CANARY}`, {}],
      ['confirm link script', `${CONFIRM_PAGE}?code=%3Cscript%3E${CANARY}%3C%2Fscript%3E`, { method: 'HEAD' }],
      ['confirm link two codes', `${DISOWN_PAGE}?code=${good.envelope.sid}.${'A'.repeat(43)}&code=${CANARY}`, {}],
      ['confirm link bad percent', `${DISOWN_PAGE}?code=%ZZ${CANARY}&lang=%ZZ`, {}],
      ['confirm link huge', `${CONFIRM_PAGE}?code=${CANARY.repeat(500)}`, {}],
      ['confirm link language', `${CONFIRM_PAGE}?code=${good.envelope.sid}.${'A'.repeat(43)}&lang=${'x-'.repeat(300)}`, { headers: { 'accept-language': `${CANARY};q=2, fr;q=NaN${',x'.repeat(2000)}` } }],
      ['confirm code', CONFIRM_PAGE, { method: 'POST', headers: form, body: `code=${CANARY}.${CANARY}&lang=${CANARY}` }],
      ['confirm code script', CONFIRM_PAGE, { method: 'POST', headers: form, body: `code=%3Cscript%3E${CANARY}%3C%2Fscript%3E` }],
      ['confirm code wrong secret', CONFIRM_PAGE, { method: 'POST', headers: form, body: `code=${good.envelope.sid}.${'A'.repeat(43)}&x=${CANARY}` }],
      ['disown code unknown sid', DISOWN_PAGE, { method: 'POST', headers: form, body: `code=${'B'.repeat(21)}A.${'A'.repeat(43)}&lang=${CANARY}` }],
      ['disown code twice', DISOWN_PAGE, { method: 'POST', headers: form, body: `code=${good.envelope.sid}.${'A'.repeat(43)}&code=${CANARY}` }],
      ['disown code huge', DISOWN_PAGE, { method: 'POST', headers: form, body: `code=${CANARY.repeat(2000)}` }],
      ['disown bad UTF-8', DISOWN_PAGE, { method: 'POST', headers: form, body: new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0xfe]) }],
      ['confirm form as JSON', CONFIRM_PAGE, { method: 'POST', headers: json, body: JSON.stringify({ code: CANARY }) }],
      ['admin PATCH value', '/v1/admin/campaigns/target', { method: 'PATCH', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ countShown: CANARY }) }],
      ['admin PATCH member', '/v1/admin/campaigns/target', { method: 'PATCH', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ countShown: 'all', [CANARY]: 1 }) }],
      ['admin PATCH unknown', `/v1/admin/campaigns/${CANARY.toLowerCase()}`, { method: 'PATCH', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ countShown: 'all' }) }],
    ];
    const ids = ['%00', '%ZZ', 'A', '-a', 'a-', `${'a'.repeat(65)}`, '%E2%80%AE', '..', '.%2e', `${CANARY}%2F..`, '%C0%AF'];
    for (const id of ids) {
      for (const suffix of ['', '/challenge', '/submissions', '/withdrawals', '/withdraw', '/confirmations', '/confirm', '/disown', '/export', '/files/wall.json']) {
        cases.push([`id ${id}${suffix}`, `/v1/campaigns/${id}${suffix}`, { method: ['/challenge', '/submissions', '/withdrawals', '/confirmations'].includes(suffix) ? 'POST' : 'GET' }]);
      }
    }
    cases.push(...odd);

    for (const [label, path, init] of cases) {
      const response = await fetch(`${server.url}${path}`, init);
      const body = await response.text();
      // The signer pages answer in HTML (same statuses, same rules, their strict CSP): the withdraw
      // page's form, and the confirm and disown pages (a malformed link too, with no form).
      const page = PAGES.includes(path.split('?')[0]!) && response.headers.get('content-type') === 'text/html; charset=utf-8';
      if (page) expect(response.headers.get('content-security-policy'), label).toBe(WITHDRAW_PAGE_CSP);
      if (page) expect(PAGE_CSP).toBe(WITHDRAW_PAGE_CSP);
      if (page && path.split('?')[0] !== WITHDRAW_PAGE && response.status !== 200) expect(body, `${label}: no form on a refusal`).not.toContain('<form');
      expectSafeAnswer(label, response.status, response.headers.get('content-type') ?? undefined, body, init.method === 'HEAD', page);
      expect(response.headers.get('x-content-type-options'), label).toBe('nosniff');
    }
    // None of it withdrew, removed, confirmed or disowned anything.
    const after = (await store.getCampaign('target'))!;
    expect(after.count).toBe(after.logSize);
    expect(after.confirmed).toBe(0);
    await healthy('after the HTTP cases');
    expect(cases.length).toBeGreaterThan(400);
  });

  it('answers malformed HTTP with problem+json from the parser layer, echoing nothing', async () => {
    const host = 'Host: 127.0.0.1\r\n';
    const cases: [string, (string | Buffer)[], number][] = [
      ['bad request line', [`${CANARY} / HTTP/1.1\r\n${host}\r\n`], 400],
      ['bad version', [`GET /healthz HTTP/9.${CANARY}\r\n${host}\r\n`], 400],
      ['space in target', [`GET /v1/campaigns/${CANARY} x HTTP/1.1\r\n${host}\r\n`], 400],
      ['bad Host', [`GET /healthz HTTP/1.1\r\nHost: ${CANARY} /x\r\n\r\n`], 400],
      ['bad Host port', [`GET /healthz HTTP/1.1\r\nHost: a:${CANARY}\r\n\r\n`], 400],
      ['missing Host', ['GET /healthz HTTP/1.1\r\n\r\n'], 400],
      ['conflicting Content-Length', [`POST /v1/campaigns/target/submissions HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":1}`], 400],
      ['negative Content-Length', [`POST /v1/campaigns/target/submissions HTTP/1.1\r\n${host}Content-Length: -5\r\n\r\n`], 400],
      ['Content-Length and chunked', [`POST /v1/campaigns/target/submissions HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`], 400],
      ['bad chunk size', [`POST /v1/campaigns/target/submissions HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz${CANARY}\r\n`], 400],
      ['NUL in header', [`GET /healthz HTTP/1.1\r\n${host}X-A: a\u0000${CANARY}\r\n\r\n`], 400],
      ['folded header', [`GET /healthz HTTP/1.1\r\n${host}X-A: a\r\n  ${CANARY}\r\n\r\n`], 400],
      ['bare LF', [`GET /healthz HTTP/1.1\n${host.trim()}\nX-A: ${CANARY}\n\n`], 400],
      ['header too large', [`GET /healthz HTTP/1.1\r\n${host}X-A: ${CANARY}${'a'.repeat(20_000)}\r\n\r\n`], 431],
      ['unknown transfer coding', [`POST /v1/campaigns/target/submissions HTTP/1.1\r\n${host}Transfer-Encoding: ${CANARY}\r\n\r\n`], 400],
      ['CONNECT', [`CONNECT ${CANARY}.example:443 HTTP/1.1\r\nHost: ${CANARY}.example:443\r\n\r\n`], 404],
      ['Expect other than 100-continue', [`GET /healthz HTTP/1.1\r\n${host}Expect: ${CANARY}\r\n\r\n`], 200],
      ['HTTP/2 preface', ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], 400],
      ['headers that never end', [`GET /healthz HTTP/1.1\r\n${host}X-A: ${CANARY}\r\n`], 408],
      ['body that never ends', [`POST /v1/campaigns/target/submissions HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"envelope":"${CANARY}`], 408],
    ];
    for (const [label, parts, status] of cases) {
      const started = Date.now();
      const answer = await rawRequest(server.port, parts, { waitMs: 3000 });
      expect(answer, `${label}: answered`).toBeDefined();
      expect(answer!.status, `${label}: ${answer!.text.slice(0, 80)}`).toBe(status);
      expectSafeAnswer(label, answer!.status, answer!.headers['content-type'], answer!.body);
      if (status === 408) expect(Date.now() - started, `${label}: the configured timeout`).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);
      await healthy(label);
    }
  });

  it('does not count a client that aborts an upload as a database failure', async () => {
    const before = logLines.length;
    // Declares 60 KiB, sends a part, then goes away.
    await rawRequest(
      server.port,
      [`POST /v1/campaigns/target/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"envelope":"${'a'.repeat(20_000)}`],
      { waitMs: 100 },
    );
    await new Promise((r) => setTimeout(r, 300));
    await healthy('after an abort');
    const lines = logLines.slice(before).join('');
    expect(lines).not.toContain('database failure');
    expect(lines).not.toMatch(/"status":5\d\d/);
    expect(lines).toContain('"code":"incomplete-request"');
  });

  it('keeps the 413 of a large upload sent with Connection: close', async () => {
    // The client writes 20 MB as fast as the server reads while it waits for the answer, as curl
    // or Node's http client do; the server answers 413 at once from Content-Length. The client is
    // another process, as in real life (in this one it would read the answer before the reset).
    const upload = async (path: string, headers: Record<string, string | number>, size: number) => {
      const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', UPLOAD_CLIENT, JSON.stringify({ port: server.port, path, headers, size })]);
      return JSON.parse(stdout) as { status: number; body: string } | { error: string };
    };
    const json = { 'content-type': 'application/json', connection: 'close' };
    const size = 20 * 1024 * 1024;
    const submission = await upload('/v1/campaigns/target/submissions', { ...json, 'content-length': size }, size);
    expect(submission).toMatchObject({ status: 413 });
    expectSafeAnswer('413 with Connection: close', 413, 'application/problem+json', (submission as { body: string }).body);
    // (The catalogue rotated the staff token through the admin API.)
    const token = await rotateStaffToken(store, 'target');
    const file = await upload('/v1/campaigns/target/files/wall.json', { ...json, authorization: `Bearer ${token}`, 'content-length': size }, size);
    expect(file).toMatchObject({ status: 413 });
    await healthy('after large uploads');
  });

  it('never logged a database failure nor counted unavailable over the whole catalogue', async () => {
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/secure_sign_requests_rejected_total\{code="(?:unavailable|internal)"\}/);
    expect(text).toMatch(/secure_sign_requests_rejected_total\{code="malformed-request"\} [1-9]/);
    expect(text).toMatch(/secure_sign_requests_rejected_total\{code="request-timeout"\} [1-9]/);
    const all = logLines.join('');
    expect(all).not.toContain('database failure');
    expect(all).not.toContain('unexpected failure');
    expect(all).not.toContain(CANARY);
  });
});
