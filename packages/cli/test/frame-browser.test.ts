// The two embedding modes in a real browser (Debian's Chromium through playwright-core), against a
// hostile partner page. Three loopback origins: the partner's site (its pages, its copy of the
// widget for the in-page mode, and hostile.js, a script that patches DOM APIs and listens to every
// event), the campaign's static frame host (serving exactly what `secure-sign frame build` wrote,
// with the headers of its _headers file) and a tiny fake collector that stores what arrives.
// In-page mode: the hostile script reads what the signer types (docs/embedding.md says so).
// Isolated mode (`snippet --frame`): it reads nothing, the frame page has no CSP violation and no
// console error, it signs end to end, and the partner's resizer takes only the frame's height
// messages.
import { openSubmission, type CampaignKeyPair } from '@secure-sign/crypto';
import { createChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM module without types (the widget's closed shadow root, reached through renderRoot)
import { inWidget, waitForHeading } from '../../widget/test/reach-inside.mjs';
import { keygen, run, tempDir } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const CAMPAIGN = 'open-letter';
const SECRET = 'frame-test-secret';
const TITLE = 'Open letter: keep encryption strong';

interface Seen {
  method: string;
  path: string;
  origin: string | undefined;
  body: string;
}

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
let browser: Browser;
let site: Server;
let frameHost: Server;
let collector: Server;
let siteUrl: string;
let frameUrl: string;
let collectorUrl: string;
let inPageSnippet: string;
let importMapHash: string;
let frameSnippet: string;
let resizerHash: string;
let lazyChunk: string;
/** The campaign's signed (empty) signer wall, as staff publish it. */
let wall: string;
/** Rules of the frame folder's _headers: path pattern, then its headers. */
let headerRules: Array<{ pattern: string; headers: Array<[string, string]> }> = [];
/** The frame host serves the crypto chunk with one byte changed. */
let tamper = false;
/** The proof-of-work worker's code (a pinned module), and whether it is served with one byte changed. */
let workerChunk: string;
let tamperWorker = false;
const collectorRequests: Seen[] = [];

// The hostile partner script: it runs first (a classic script in <head>) and tries everything a
// page's script can do to read a form: every listener wrapped, the value accessors of inputs and
// text areas hooked, attachShadow forced open, MutationObservers on the document and every root,
// capturing listeners for every event type on window and document, a sweep of every root and
// frame it can reach. What it collects is in window.__stolen; every message it receives, in
// window.__messages.
const HOSTILE = `(() => {
  const stolen = (window.__stolen = []);
  const messages = (window.__messages = []);
  const roots = [];
  const note = (value) => { if (typeof value === 'string' && value.trim() !== '') stolen.push(value); };
  const fromEvent = (event) => {
    try {
      for (const target of event.composedPath()) if (target && typeof target === 'object' && 'value' in target) note(String(target.value));
      if ('key' in event) note(event.key);
      if ('data' in event && typeof event.data === 'string') note(event.data);
      if (event.clipboardData) note(event.clipboardData.getData('text'));
      if (event.detail && typeof event.detail === 'object') note(JSON.stringify(event.detail));
    } catch {}
  };
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  const wrappers = new WeakMap();
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (typeof listener !== 'function') return add.call(this, type, listener, options);
    let wrapped = wrappers.get(listener);
    if (!wrapped) {
      wrapped = function (event) { fromEvent(event); return listener.call(this, event); };
      wrappers.set(listener, wrapped);
    }
    return add.call(this, type, wrapped, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    return remove.call(this, type, (typeof listener === 'function' && wrappers.get(listener)) || listener, options);
  };
  for (const proto of [HTMLInputElement.prototype, HTMLTextAreaElement.prototype]) {
    const d = Object.getOwnPropertyDescriptor(proto, 'value');
    Object.defineProperty(proto, 'value', {
      configurable: true,
      enumerable: d.enumerable,
      get() { const v = d.get.call(this); note(v); return v; },
      set(v) { note(String(v)); d.set.call(this, v); },
    });
  }
  const observe = (node) => new MutationObserver((records) => {
    for (const r of records) {
      note(r.target.textContent);
      for (const n of r.addedNodes) note(n.textContent);
      if (r.attributeName && r.target.getAttribute) note(r.target.getAttribute(r.attributeName));
    }
  }).observe(node, { subtree: true, childList: true, attributes: true, characterData: true });
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, { ...init, mode: 'open' });
    roots.push(root);
    observe(root);
    return root;
  };
  observe(document);
  const types = new Set(['keydown', 'keyup', 'keypress', 'input', 'beforeinput', 'change', 'paste', 'copy', 'focusin', 'focusout', 'compositionend', 'submit', 'formdata']);
  for (const key in window) if (key.startsWith('on')) types.add(key.slice(2));
  for (const type of types) {
    const listener = (event) => {
      if (type === 'message') messages.push({ origin: event.origin, data: event.data });
      fromEvent(event);
    };
    add.call(window, type, listener, true);
    add.call(document, type, listener, true);
  }
  setInterval(() => {
    for (const root of roots) for (const el of root.querySelectorAll('input, textarea')) note(el.value);
    for (const frame of document.querySelectorAll('iframe')) {
      try { for (const el of frame.contentDocument.querySelectorAll('input, textarea')) note(el.value); } catch {}
      try { note(frame.contentWindow.document.body.innerText); } catch {}
    }
  }, 50);
})();
`;

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The partner pages' policies: exactly what docs/embedding.md documents for each mode. */
function inPageCsp(): string {
  return ["default-src 'none'", `script-src 'self' 'wasm-unsafe-eval' ${importMapHash}`, 'worker-src blob:', `connect-src ${collectorUrl}`, "base-uri 'none'", "form-action 'none'"].join('; ');
}
function isolatedCsp(extraFrame = ''): string {
  return ["default-src 'none'", `script-src 'self' ${resizerHash}`, `frame-src ${frameUrl}${extraFrame}`, "base-uri 'none'", "form-action 'none'"].join('; ');
}

function page(res: ServerResponse, csp: string, content: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title><script src="/hostile.js"></script></head><body><h1>An open letter</h1>\n${content}<p>Footer</p></body></html>`);
}

function headersFor(path: string): Array<[string, string]> {
  const matches = (pattern: string): boolean => (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern);
  return headerRules.filter((rule) => matches(rule.pattern)).flatMap((rule) => rule.headers);
}

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hostile.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(HOSTILE);
      return;
    }
    if (url.pathname === '/in-page.html') return page(res, inPageCsp(), inPageSnippet);
    // ?other: the page also lets a third origin's frame in, to send the resizer a forged message,
    // and has a <br> between the iframe and the resizer, as some content editors insert.
    if (url.pathname === '/isolated.html') {
      const other = url.searchParams.has('other');
      return page(res, isolatedCsp(other ? ` ${collectorUrl}` : ''), other ? frameSnippet.replace('</iframe><script>', '</iframe>\n<br>\n<script>') : frameSnippet);
    }
    const file = /^\/secure-sign\/([A-Za-z0-9_-]+\.js)$/.exec(url.pathname)?.[1];
    if (!file) return void res.writeHead(404).end();
    readFile(t.path(join('upload', file))).then(
      (bytes) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  siteUrl = await listen(site);
  // The campaign's static host: the folder `frame build` wrote, with the headers of its _headers.
  frameHost = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const name = path === '/' ? 'index.html' : /^\/([A-Za-z0-9_.-]+\.(?:js|css|html))$/.exec(path)?.[1];
    if (!name) return void res.writeHead(404).end();
    readFile(t.path(join('frame', name))).then(
      (bytes) => {
        if ((tamper && name === lazyChunk) || (tamperWorker && name === workerChunk)) bytes[bytes.length - 1] = 0x20;
        const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : name.endsWith('.css') ? 'text/css' : 'text/javascript';
        res.writeHead(200, [['content-type', type], ...headersFor(path)]);
        res.end(bytes);
      },
      () => res.writeHead(404).end(),
    );
  });
  frameUrl = await listen(frameHost);
  collector = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const origin = req.headers.origin;
      const allowed = origin === frameUrl || origin === siteUrl;
      const cors: Record<string, string> = allowed ? { 'access-control-allow-origin': origin } : {};
      if (url.pathname === '/other.html') {
        // A page of a third origin that sends the partner page a well-formed height message.
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><title>other</title><script>parent.postMessage({ type: 'secure-sign:height', height: 333 }, '*');</script>`);
        return;
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
        res.end();
        return;
      }
      const text = req.method === 'POST' ? await body(req) : '';
      collectorRequests.push({ method: req.method ?? '', path: url.pathname, origin, body: text });
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...cors });
        res.end(JSON.stringify(value));
      };
      const base = `/v1/campaigns/${CAMPAIGN}`;
      if (req.method === 'GET' && url.pathname === base) {
        return json(200, { campaign: CAMPAIGN, keyId: keys.publicKey.keyId, count: 0, goal: null, opensAt: null, closesAt: null, open: true, ...(origin === undefined ? {} : { originAllowed: allowed }) });
      }
      if (req.method === 'POST' && url.pathname === `${base}/challenge`) {
        const expiresAt = new Date(Date.now() + 600_000);
        const challenge = await createChallenge({ algorithm: 'SHA-256', cost: 1, keyPrefix: '00', deriveKey, hmacSignatureSecret: SECRET, expiresAt });
        return json(201, { ...challenge, expiresAt: expiresAt.toISOString() });
      }
      if (req.method === 'POST' && url.pathname === `${base}/submissions`) {
        const { envelope, pow } = JSON.parse(text);
        const { expiresAt, ...challenge } = pow.challenge;
        void expiresAt;
        const verified = await verifySolution({ challenge, solution: pow.solution, deriveKey, hmacSignatureSecret: SECRET });
        if (!verified.verified) return json(422, { status: 422, code: 'pow-invalid' });
        return json(201, { campaign: CAMPAIGN, sid: envelope.sid, receivedAt: new Date().toISOString() });
      }
      if (req.method === 'GET' && url.pathname === `${base}/files/wall.json`) {
        res.writeHead(200, { 'content-type': 'application/json', ...cors });
        res.end(wall);
        return;
      }
      return json(404, { status: 404, code: 'not-found' });
    })();
  });
  collectorUrl = await listen(collector);

  const wallData = await run(t.dir, ['wall', 'build', '--campaign', CAMPAIGN], { stdin: '' });
  expect(wallData.code, wallData.stderr).toBe(0);
  const signed = await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', CAMPAIGN], { stdin: wallData.stdout });
  expect(signed.code, signed.stderr).toBe(0);
  wall = signed.stdout;
  const inPage = await run(t.dir, ['snippet', '--campaign', CAMPAIGN, '--key', 'campaign.key', '--collector', collectorUrl, '--base-url', `${siteUrl}/secure-sign/`, '--copy-to', 'upload']);
  expect(inPage.code, inPage.stderr).toBe(0);
  inPageSnippet = inPage.stdout;
  importMapHash = /script-src ('sha256-[A-Za-z0-9+/]+=*')/.exec(inPage.stderr)![1]!;
  const built = await run(t.dir, ['frame', 'build', '--campaign', CAMPAIGN, '--key', 'campaign.key', '--collector', collectorUrl, '--title', TITLE, '--partner', siteUrl, '--out', 'frame']);
  expect(built.code, built.stderr).toBe(0);
  for (const line of (await readFile(t.path('frame/_headers'), 'utf8')).split('\n')) {
    if (line.startsWith('/')) headerRules.push({ pattern: line.trim(), headers: [] });
    else if (line.startsWith('  ') && headerRules.length > 0) {
      const [name, ...value] = line.trim().split(':');
      headerRules.at(-1)!.headers.push([name!, value.join(':').trim()]);
    }
  }
  const framed = await run(t.dir, ['snippet', '--campaign', CAMPAIGN, '--key', 'campaign.key', '--frame', `${frameUrl}/`]);
  expect(framed.code, framed.stderr).toBe(0);
  frameSnippet = framed.stdout;
  resizerHash = /script-src ('sha256-[A-Za-z0-9+/]+=*')/.exec(framed.stderr)![1]!;
  lazyChunk = (await readdir(t.path('frame'))).find((name) => /^ss-lazy-[^.]+\.js$/.test(name))!;
  expect(lazyChunk).toBeDefined();
  workerChunk = (await readdir(t.path('frame'))).find((name) => /^ss-worker-code-[^.]+\.js$/.test(name))!;
  expect(workerChunk).toBeDefined();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const server of [site, frameHost, collector]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
  await t?.cleanup();
});

interface Opened {
  page: Page;
  /** Console messages, with the URL of the document that logged them. */
  console: Array<{ type: string; text: string; url: string }>;
  /** CSP violations, in every frame, with the document's URL. */
  violations: string[];
  errors: string[];
}

async function open(path: string): Promise<Opened> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const opened: Opened = { page, console: [], violations: [], errors: [] };
  page.on('console', (message) => opened.console.push({ type: message.type(), text: message.text(), url: message.location().url }));
  page.on('pageerror', (error) => opened.errors.push(error.message));
  await page.exposeFunction('__violation', (text: string) => opened.violations.push(text));
  // Runs in every frame, the sandboxed one included.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { __violation(t: string): void }).__violation(`${location.origin} ${event.effectiveDirective} ${event.blockedURI}`),
    );
  });
  await page.goto(`${siteUrl}${path}`);
  return opened;
}

async function theFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe.secure-sign-frame');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('no frame');
  await frame.waitForLoadState('load');
  return frame;
}

const stolen = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __stolen: string[] }).__stolen);
/** The iframe's inner height (without its border, which the resizer leaves to the page's CSS). */
const iframeHeight = (page: Page): Promise<number> => page.$eval('iframe.secure-sign-frame', (el) => el.clientHeight);
const submissions = (): Seen[] => collectorRequests.filter((r) => r.method === 'POST' && r.path.endsWith('/submissions'));

async function typeAndSubmit(target: Page | Frame, name: string, email: string): Promise<void> {
  await (await inWidget(target, '[name="name"]')).type(name, { delay: 5 });
  await (await inWidget(target, '[name="email"]')).type(email, { delay: 5 });
  await (await inWidget(target, 'button[type="submit"]')).click();
}

describe('embedding against a hostile partner page, in Chromium', () => {
  it('in-page mode: a hostile partner script reads what the signer types', async () => {
    const { page } = await open('/in-page.html');
    await (await inWidget(page, '[name="name"]')).type('Inpage Qzvx Signer', { delay: 5 });
    await (await inWidget(page, '[name="email"]')).type('inpage.qzvx@example.org', { delay: 5 });
    await expect.poll(async () => (await stolen(page)).some((text) => text.includes('Inpage Qzvx Signer')), { timeout: 10_000 }).toBe(true);
    expect((await stolen(page)).some((text) => text.includes('inpage.qzvx@example.org'))).toBe(true);
    await page.context().close();
  });

  it('isolated mode: the partner page reads nothing typed, the frame signs with no CSP violation and no console error', async () => {
    const before = submissions().length;
    const opened = await open('/isolated.html');
    const { page } = opened;
    const frame = await theFrame(page);
    // The trusted area, outside the widget: the campaign's name and the key's fingerprint.
    expect(await frame.textContent('header.trusted')).toContain(TITLE);
    expect(await frame.textContent('header.trusted code')).toBe(keys.publicKey.fingerprint);
    await typeAndSubmit(frame, 'Isolated Wqxz Signer', 'isolated.wqxz@example.org');
    await waitForHeading(frame, /Thank you for signing/, { timeout: 60_000 });
    // It arrived, from the frame's origin, and opens to what was typed.
    expect(submissions()).toHaveLength(before + 1);
    const sent = submissions().at(-1)!;
    expect(sent.origin).toBe(frameUrl);
    const opened2 = await openSubmission(keys, JSON.parse(sent.body).envelope, { campaign: CAMPAIGN });
    expect(JSON.stringify(opened2)).toContain('Isolated Wqxz Signer');
    await page.waitForTimeout(500);
    // The hostile script got nothing of it, by any of its means.
    const got = await stolen(page);
    expect(got.filter((text) => /Wqxz|wqxz/.test(text))).toEqual([]);
    // The only messages from the frame are heights: exactly { type, height }.
    const messages = await page.evaluate(() => (window as unknown as { __messages: Array<{ origin: string; data: unknown }> }).__messages);
    const fromFrame = messages.filter((m) => m.origin === frameUrl);
    expect(fromFrame.length).toBeGreaterThan(0);
    for (const m of fromFrame) {
      expect(Object.keys(m.data as object).sort()).toEqual(['height', 'type']);
      expect((m.data as { type: string }).type).toBe('secure-sign:height');
      expect(Number.isInteger((m.data as { height: number }).height)).toBe(true);
    }
    // No CSP violation anywhere, no console error and no uncaught error in the frame.
    expect(opened.violations).toEqual([]);
    expect(opened.console.filter((line) => line.type === 'error' && line.url.startsWith(frameUrl))).toEqual([]);
    expect(opened.console.filter((line) => line.type === 'error')).toEqual([]);
    expect(opened.errors).toEqual([]);
    // The proof of work ran in its (blob:) worker, which the frame's worker-src allows: no fallback.
    expect(opened.console.filter((line) => /main thread/.test(line.text))).toEqual([]);
    await page.context().close();
  });

  it('the height message of the frame resizes the iframe, and messages of another origin, window or shape are ignored', async () => {
    const opened = await open('/isolated.html?other');
    const { page } = opened;
    const frame = await theFrame(page);
    const contentHeight = (): Promise<number> => frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    await inWidget(frame, '[name="name"]');
    // Resized from the initial 720 px to the frame's content.
    await expect.poll(async () => Math.abs((await iframeHeight(page)) - (await contentHeight())), { timeout: 10_000 }).toBeLessThanOrEqual(1);
    expect(await iframeHeight(page)).not.toBe(720);
    const settled = await iframeHeight(page);
    expect(await page.content()).toContain('</iframe>\n<br>\n<script>');
    // Forged: from the partner page itself, from a third origin's frame, and from the frame's own
    // window with another shape (an extra member, out of range, not a finite number, a string).
    await page.evaluate(() => window.postMessage({ type: 'secure-sign:height', height: 333 }, '*'));
    await page.evaluate((other) => {
      const f = document.createElement('iframe');
      f.src = other;
      document.body.append(f);
    }, `${collectorUrl}/other.html`);
    await expect.poll(() => page.evaluate((o) => (window as unknown as { __messages: Array<{ origin: string }> }).__messages.some((m) => m.origin === o), collectorUrl)).toBe(true);
    for (const data of [
      { type: 'secure-sign:height', height: 333, extra: 'x' },
      { type: 'secure-sign:height', height: 1e9 },
      { type: 'secure-sign:height', height: 5 },
      { type: 'secure-sign:height', height: Number.NaN },
      { type: 'secure-sign:height', height: '333' },
      { type: 'other', height: 333 },
      [333],
    ]) {
      await frame.evaluate((d) => window.parent.postMessage(d, '*'), data);
    }
    await page.waitForTimeout(500);
    expect(await iframeHeight(page)).toBe(settled);
    // The well-formed message from the frame is obeyed, so the refusals above were the resizer's.
    await frame.evaluate(() => window.parent.postMessage({ type: 'secure-sign:height', height: 345 }, '*'));
    await expect.poll(() => iframeHeight(page)).toBe(345);
    await page.context().close();
  });

  it('the frame refuses a crypto chunk changed by one byte (its import map pins relative URLs), and sends nothing', async () => {
    tamper = true;
    try {
      const before = collectorRequests.length;
      const opened = await open('/isolated.html');
      const frame = await theFrame(opened.page);
      await (await inWidget(frame, '[name="name"]')).fill('Tampered Frame Signer');
      await expect.poll(() => opened.console.some((line) => line.text.includes(lazyChunk) && /integrity/i.test(line.text)), { timeout: 20_000 }).toBe(true);
      await (await inWidget(frame, '[name="email"]', { timeout: 2000 }).catch(() => undefined))?.fill('tampered@example.org', { timeout: 2000 }).catch(() => undefined);
      await (await inWidget(frame, 'button[type="submit"]', { timeout: 2000 }).catch(() => undefined))?.click({ timeout: 2000 }).catch(() => undefined);
      await opened.page.waitForTimeout(3000);
      expect(collectorRequests.slice(before).filter((r) => r.path.endsWith('/submissions'))).toEqual([]);
      expect(collectorRequests.slice(before).filter((r) => r.body.includes('Tampered') || r.body.includes('tampered@'))).toEqual([]);
      await opened.page.context().close();
    } finally {
      tamper = false;
    }
  });

  it('the frame refuses a proof-of-work worker changed by one byte: no fallback, nothing sent, the signer is asked to try again', async () => {
    tamperWorker = true;
    try {
      const before = collectorRequests.length;
      const opened = await open('/isolated.html');
      const frame = await theFrame(opened.page);
      await typeAndSubmit(frame, 'Tampered Worker Signer', 'tampered.worker@example.org');
      await waitForHeading(frame, /Something went wrong/, { timeout: 60_000 });
      expect(opened.console.some((line) => line.text.includes(workerChunk) && /integrity/i.test(line.text))).toBe(true);
      expect(opened.console.some((line) => line.text.includes("the browser refused the proof-of-work worker's module"))).toBe(true);
      expect(opened.console.filter((line) => /main thread/.test(line.text))).toEqual([]);
      expect(collectorRequests.slice(before).filter((r) => r.path.endsWith('/submissions'))).toEqual([]);
      await opened.page.context().close();
    } finally {
      tamperWorker = false;
    }
  });
});
