// The snippet in a real browser (Debian's Chromium through playwright-core), exactly as a partner
// uses it: `secure-sign snippet --base-url ... --copy-to DIR` copies the widget files, a static
// server on one loopback origin serves them and a partner page carrying the snippet under the
// strict CSP of docs/embedding.md (plus the import map's hash), and a tiny fake collector on another
// origin stores what arrives. Checks that the page signs with zero CSP violations, that every file
// it loads is pinned (the proof-of-work worker starts from a blob: URL of its pinned code), and that
// a crypto chunk or a worker changed by one byte is refused by the browser, so nothing is ever
// submitted.
import { openSubmission, type CampaignKeyPair } from '@secure-sign/crypto';
import { createChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM module without types (the widget's closed shadow root, reached through renderRoot)
import { inWidget, waitForHeading, widgetText } from '../../widget/test/reach-inside.mjs';
import { keygen, run, tempDir } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// The flags of web-test-runner.config.mjs.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const CAMPAIGN = 'open-letter';
const SECRET = 'snippet-test-secret';

interface Seen {
  method: string;
  path: string;
  body: string;
}

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
let browser: Browser;
let site: Server;
let collector: Server;
let siteUrl: string;
let collectorUrl: string;
let snippetHtml: string;
let importMapHash: string;
let lazyChunk: string;
/** The proof-of-work worker's code (a module the import map pins, started as a blob: worker). */
let workerChunk: string;
/** The widget file served with one byte changed, if any. */
let tampered: string | undefined;
const siteRequests: string[] = [];
const collectorRequests: Seen[] = [];

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', 'access-control-allow-origin': siteUrl });
  res.end(JSON.stringify(value));
}

/** What docs/embedding.md documents, with the collector's origin and the import map's hash. */
function strictCsp(): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval' ${importMapHash}`,
    'worker-src blob:',
    `connect-src ${collectorUrl}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  // The partner's site: the page at /letter.html (?plain: the snippet without its import map), the files under /secure-sign/.
  site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    siteRequests.push(url.pathname);
    if (url.pathname === '/letter.html') {
      const html = url.searchParams.has('plain') ? snippetHtml.replace(/^<script type="importmap">.*<\/script>\n/, '') : snippetHtml;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': strictCsp() });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title></head><body><h1>An open letter</h1>\n${html}</body></html>`);
      return;
    }
    const file = /^\/secure-sign\/([A-Za-z0-9_-]+\.js)$/.exec(url.pathname)?.[1];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    readFile(t.path(join('upload', file))).then(
      (bytes) => {
        if (file === tampered) bytes[bytes.length - 1] = 0x20; // its final line break, now a space: same program
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bytes);
      },
      () => res.writeHead(404).end(),
    );
  });
  siteUrl = await listen(site);
  // A tiny collector (docs/api.md): campaign facts, ALTCHA challenges, submissions, no wall.
  collector = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = req.method === 'POST' ? await body(req) : '';
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-origin': siteUrl, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
        res.end();
        return;
      }
      collectorRequests.push({ method: req.method ?? '', path: url.pathname, body: text });
      const base = `/v1/campaigns/${CAMPAIGN}`;
      if (req.method === 'GET' && url.pathname === base) {
        return json(res, 200, { campaign: CAMPAIGN, keyId: keys.publicKey.keyId, count: 0, goal: null, opensAt: null, closesAt: null, open: true, originAllowed: true });
      }
      if (req.method === 'POST' && url.pathname === `${base}/challenge`) {
        const expiresAt = new Date(Date.now() + 600_000);
        const challenge = await createChallenge({ algorithm: 'SHA-256', cost: 1, keyPrefix: '00', deriveKey, hmacSignatureSecret: SECRET, expiresAt });
        return json(res, 201, { ...challenge, expiresAt: expiresAt.toISOString() });
      }
      if (req.method === 'POST' && url.pathname === `${base}/submissions`) {
        const { envelope, pow } = JSON.parse(text);
        const { expiresAt, ...challenge } = pow.challenge;
        void expiresAt;
        const verified = await verifySolution({ challenge, solution: pow.solution, deriveKey, hmacSignatureSecret: SECRET });
        if (!verified.verified) return json(res, 422, { status: 422, code: 'pow-invalid' });
        return json(res, 201, { campaign: CAMPAIGN, sid: envelope.sid, receivedAt: new Date().toISOString() });
      }
      return json(res, 404, { status: 404, code: 'not-found' });
    })();
  });
  collectorUrl = await listen(collector);

  const r = await run(t.dir, ['snippet', '--campaign', CAMPAIGN, '--key', 'campaign.key', '--collector', collectorUrl, '--base-url', `${siteUrl}/secure-sign/`, '--copy-to', 'upload']);
  expect(r.code, r.stderr).toBe(0);
  snippetHtml = r.stdout;
  importMapHash = /script-src ('sha256-[A-Za-z0-9+/]+=*')/.exec(r.stderr)![1]!;
  lazyChunk = (await readdir(t.path('upload'))).find((name) => name.startsWith('ss-lazy-'))!;
  expect(lazyChunk).toBeDefined();
  workerChunk = (await readdir(t.path('upload'))).find((name) => name.startsWith('ss-worker-code-'))!;
  expect(workerChunk).toBeDefined();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  site?.closeAllConnections();
  collector?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
  await new Promise((resolve) => collector?.close(resolve));
  await t?.cleanup();
});

/** Opens the page in a fresh context, recording console messages, CSP violations and the URLs of the workers it starts. */
async function open(query = ''): Promise<{ page: Page; console: string[]; violations: string[]; workers: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines: string[] = [];
  const violations: string[] = [];
  const workers: string[] = [];
  page.on('console', (message) => consoleLines.push(message.text()));
  page.on('worker', (worker) => workers.push(worker.url()));
  await page.exposeFunction('__violation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { __violation(t: string): void }).__violation(`${event.effectiveDirective} ${event.blockedURI}`),
    );
  });
  await page.goto(`${siteUrl}/letter.html${query}`);
  return { page, console: consoleLines, violations, workers };
}

async function fillAndSubmit(page: Page, name: string): Promise<void> {
  await (await inWidget(page, '[name="name"]')).fill(name);
  await (await inWidget(page, '[name="email"]')).fill('snippet.test@example.org');
  await (await inWidget(page, 'button[type="submit"]')).click();
}

const submissions = (): Seen[] => collectorRequests.filter((r) => r.path.endsWith('/submissions'));

describe('the snippet in Chromium, under the documented strict CSP', () => {
  it('pins every module with an import map that the CSP allows by its hash', () => {
    expect(snippetHtml.indexOf('<script type="importmap">')).toBe(0);
    expect(snippetHtml).toContain(`"${siteUrl}/secure-sign/${lazyChunk}":"sha384-`);
    expect(snippetHtml.indexOf('<script type="module"')).toBeGreaterThan(snippetHtml.indexOf('</script>'));
  });

  it('signs with the unmodified files: the envelope opens with the campaign key, no CSP violation, every file loaded is pinned', async () => {
    tampered = undefined;
    const first = siteRequests.length;
    const { page, violations, console: lines, workers } = await open();
    await fillAndSubmit(page, 'Snippet Signer Intact');
    await waitForHeading(page, /Thank you for signing/, { timeout: 60_000 });
    expect(submissions()).toHaveLength(1);
    const { envelope } = JSON.parse(submissions()[0]!.body);
    const opened = await openSubmission(keys, envelope, { campaign: CAMPAIGN });
    expect(JSON.stringify(opened)).toContain('Snippet Signer Intact');
    expect(violations).toEqual([]);
    expect(lines.filter((line) => /integrity|Content Security Policy|main thread/i.test(line))).toEqual([]);
    // The proof of work ran in one worker, started from a blob: URL (of the pinned worker module).
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatch(/^blob:/);
    // Every widget file the page fetched is pinned: by the entry's script tag or by the import map.
    const map = JSON.parse(/<script type="importmap">(.*)<\/script>/.exec(snippetHtml)![1]!) as { integrity: Record<string, string> };
    const fetched = siteRequests.slice(first).filter((path) => path.startsWith('/secure-sign/'));
    expect(fetched).toContain(`/secure-sign/${workerChunk}`);
    expect(fetched.filter((path) => map.integrity[`${siteUrl}${path}`] === undefined)).toEqual([]);
    await page.context().close();
  });

  it('refuses a proof-of-work worker changed by one byte: no worker starts, nothing is sent, the console says so, the signer is asked to try again', async () => {
    tampered = workerChunk;
    const before = collectorRequests.length;
    const { page, violations, console: lines, workers } = await open();
    await fillAndSubmit(page, 'Snippet Signer Worker');
    await waitForHeading(page, /Something went wrong/, { timeout: 60_000 });
    expect(await widgetText(page)).toContain('Your signature was not sent. Please try again.');
    // The browser refused the module for its integrity, and the widget told the partner why.
    expect(lines.some((line) => line.includes(workerChunk) && /integrity/i.test(line))).toBe(true);
    expect(lines.some((line) => line.includes("the browser refused the proof-of-work worker's module"))).toBe(true);
    // No worker ran, and no fallback either: the changed code never ran, nothing was submitted.
    expect(workers).toEqual([]);
    expect(lines.filter((line) => /main thread/.test(line))).toEqual([]);
    expect(siteRequests.some((path) => /\/ss-solve-[^/]+\.js$/.test(path))).toBe(false);
    expect(submissions()).toHaveLength(1);
    expect(collectorRequests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/submissions'))).toEqual([]);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('(control) the same changed worker runs and signs without the import map: the map is what refuses it', async () => {
    tampered = workerChunk;
    const { page, workers } = await open('?plain');
    await fillAndSubmit(page, 'Snippet Signer Worker Control');
    await waitForHeading(page, /Thank you for signing/, { timeout: 60_000 });
    expect(submissions()).toHaveLength(2);
    expect(workers).toHaveLength(1);
    await page.context().close();
  });

  it('refuses a crypto chunk changed by one byte, and sends nothing', async () => {
    tampered = lazyChunk;
    const before = collectorRequests.length;
    const { page, violations, console: lines } = await open();
    // The first interaction loads the crypto chunk.
    await (await inWidget(page, '[name="name"]')).fill('Snippet Signer Tampered');
    // The browser fetched the chunk, and refused it for its integrity.
    await expect.poll(() => lines.some((line) => line.includes(lazyChunk) && /integrity/i.test(line)), { timeout: 20_000 }).toBe(true);
    expect(siteRequests).toContain(`/secure-sign/${lazyChunk}`);
    // Give a widget that would send anyway every chance to (whatever form it still shows), then check it did not.
    const email = await inWidget(page, '[name="email"]', { timeout: 2000 }).catch(() => undefined);
    await email?.fill('snippet.test@example.org', { timeout: 2000 }).catch(() => undefined);
    const submit = await inWidget(page, 'button[type="submit"]', { timeout: 2000 }).catch(() => undefined);
    await submit?.click({ timeout: 2000 }).catch(() => undefined);
    await page.waitForTimeout(5000);
    expect(submissions()).toHaveLength(2);
    expect(collectorRequests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/submissions'))).toEqual([]);
    expect(collectorRequests.slice(before).filter((r) => r.body.includes('Tampered') || r.body.includes('snippet.test@'))).toEqual([]);
    expect(await widgetText(page)).not.toMatch(/Thank you for signing/);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('(control) the same changed chunk runs and signs without the import map: the map is what refuses it', async () => {
    tampered = lazyChunk;
    const { page } = await open('?plain');
    await fillAndSubmit(page, 'Snippet Signer Control');
    await waitForHeading(page, /Thank you for signing/, { timeout: 60_000 });
    expect(submissions()).toHaveLength(3);
    await page.context().close();
  });
});
