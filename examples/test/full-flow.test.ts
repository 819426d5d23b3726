// The whole life of a signature, in Debian's Chromium, with the real collector (SQLite) and the
// real `secure-sign` CLI, through the open-letter demo exactly as `npm run demo` starts it:
// sign on the partner page, check that nothing readable leaves the page or stays in it, pull and
// decrypt, publish the wall, refuse a tampered wall, and survive the collector going down.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { CLI, CAMPAIGN, DEMO_PASSPHRASE, runNode, startCollector, startDemo } from '../demo.mjs';
// The widget's shadow root is closed (session-replay recorders must not read the form), so
// Playwright's locators do not reach inside; these helpers go through lit's `renderRoot`.
// @ts-expect-error: plain ESM module without types
import { inWidget, waitForHeading, waitForText, widgetText } from '../../packages/widget/test/reach-inside.mjs';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

interface Demo {
  campaignKey: string;
  keyFile: string;
  tokenFile: string;
  collectorUrl: string;
  pageUrl: string;
  collector: { stop(): Promise<void> };
  stop(): Promise<void>;
}
interface Captured {
  url: string;
  method: string;
  headers: string;
  body: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'secure-sign-flow-'));
const env = { SECURE_SIGN_PASSPHRASE: DEMO_PASSPHRASE };
let demo: Demo;
let browser: Browser;
const requests: Captured[] = [];
const events: string[] = [];

const alice = {
  name: 'Alice Quennell-Øyvind',
  email: 'alice.flowtest@example.org',
  comment: 'Encryption protects my patients.\nPlease listen.',
  country: 'NO',
};
const org = {
  name: 'Bartholomew Zanetti',
  email: 'bart.flowtest@example.net',
  organisation: 'Fondazione Esempio Riservata',
  role: 'Segretario generale',
  comment: 'Our members depend on private messaging.',
};
const offline = { name: 'Carmen Offlinedottir', email: 'carmen.flowtest@example.com' };
const typed = [alice.name, alice.email, 'patients', org.name, org.email, org.organisation, org.role, 'private messaging', offline.name, offline.email];

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => events.push(`console:${message.text()}`));
  await page.exposeFunction('__recordEvent', (text: string) => events.push(text));
  await page.addInitScript(() => {
    // Any report of the page's strict policy (docs/embedding.md's, no 'unsafe-inline') is a failure.
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { __recordEvent(t: string): void }).__recordEvent(`csp:${event.violatedDirective} ${event.blockedURI}`),
    );
    for (const type of ['secure-sign-ready', 'secure-sign-start', 'secure-sign-success', 'secure-sign-queued', 'secure-sign-error']) {
      document.addEventListener(type, (event) =>
        (window as unknown as { __recordEvent(t: string): void }).__recordEvent(`${type}:${JSON.stringify((event as CustomEvent).detail)}`),
      );
    }
  });
  await page.goto(demo.pageUrl);
  return page;
}

async function fill(page: Page, details: { name: string; email: string; organisation?: string; role?: string; comment?: string; country?: string }, listPublicly: boolean) {
  if (details.organisation) await (await inWidget(page, 'input[value="organisation"]')).check();
  await (await inWidget(page, '[name="name"]')).fill(details.name);
  await (await inWidget(page, '[name="email"]')).fill(details.email);
  if (details.organisation) await (await inWidget(page, '[name="organisation"]')).fill(details.organisation);
  if (details.role) await (await inWidget(page, '[name="role"]')).fill(details.role);
  if (details.country) {
    // The country list arrives with the lazily loaded chunk, after the first interaction.
    await inWidget(page, 'select[name="country"] option[value="' + details.country + '"]');
    await (await inWidget(page, '[name="country"]')).selectOption(details.country);
  }
  if (details.comment) await (await inWidget(page, '[name="comment"]')).fill(details.comment);
  if (listPublicly) await (await inWidget(page, '[name="listPublicly"]')).check();
}

async function signAndWait(page: Page, expected: RegExp): Promise<void> {
  await (await inWidget(page, 'button[type="submit"]')).click();
  await waitForHeading(page, expected, { timeout: 60_000 });
}

async function decryptAll(): Promise<Record<string, unknown>[]> {
  const envelopes = join(dataDir, 'envelopes.ndjson');
  await runNode(CLI, ['pull', '--collector', demo.collectorUrl, '--campaign', CAMPAIGN, '--token-file', demo.tokenFile, '--out', envelopes]);
  const { stdout } = await runNode(CLI, ['decrypt', '--key', demo.keyFile, '--campaign', CAMPAIGN, '-i', envelopes, '--format', 'ndjson'], { env });
  return stdout.split('\n').filter(Boolean).map((line: string) => JSON.parse(line));
}

function signersNamed(records: Record<string, unknown>[], name: string) {
  return records.filter((r) => JSON.stringify(r).includes(JSON.stringify(name)));
}

beforeAll(async () => {
  demo = await startDemo({ dataDir, collectorPort: 0, pagePort: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a signature from the partner page to the signer wall', () => {
  let context: BrowserContext;

  it('signs as an individual and as an organisation, with comments', async () => {
    context = await browser.newContext();
    context.on('request', (request) => {
      requests.push({
        url: request.url(),
        method: request.method(),
        headers: JSON.stringify(request.headers()),
        body: request.postData() ?? '',
      });
    });
    const page = await newPage(context);
    // The closed shadow root hides the form from page scripts, not from assistive technology: the
    // browser's accessibility tree still has every field with its label.
    await inWidget(page, 'form');
    const cdp = await context.newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value?: string }; name?: { value?: string } }[] };
    const named = (role: string) => nodes.filter((n) => n.role?.value === role).map((n) => n.name?.value ?? '');
    expect(named('textbox')).toEqual(expect.arrayContaining(['Full name', 'E-mail', expect.stringMatching(/^Comment/)]));
    expect(named('button')).toContain('Sign');
    await cdp.detach();
    await fill(page, alice, true);
    await signAndWait(page, /Thank you for signing/);

    const second = await newPage(context);
    await fill(second, org, false);
    await signAndWait(second, /Thank you for signing/);
    expect(requests.filter((r) => r.method === 'POST' && r.url.endsWith('/submissions'))).toHaveLength(2);
  });

  it('sent nothing readable, stored nothing readable, told the host page nothing personal', async () => {
    expect(requests.length).toBeGreaterThan(5);
    for (const request of requests) {
      for (const text of typed) {
        expect(request.url, request.url).not.toContain(encodeURIComponent(text));
        expect(request.body, `${request.method} ${request.url}`).not.toContain(text);
        expect(request.headers).not.toContain(text);
      }
    }
    const page = context.pages()[0]!;
    const stored = await page.evaluate(async () => {
      const dump: string[] = [];
      for (const store of [localStorage, sessionStorage]) {
        for (let i = 0; i < store.length; i++) dump.push(`${store.key(i)}=${store.getItem(store.key(i)!)}`);
      }
      dump.push(document.cookie);
      for (const info of await indexedDB.databases()) dump.push(`idb:${info.name}`);
      const caches = await globalThis.caches?.keys();
      dump.push(`caches:${caches?.join(',')}`);
      return dump.join('\n');
    });
    for (const text of typed) expect(stored).not.toContain(text);
    expect(events.some((e) => e.startsWith('secure-sign-success'))).toBe(true);
    for (const event of events) for (const text of typed) expect(event).not.toContain(text);
  });

  it('runs under the documented strict policy with no violation report and no failed load; the letter offers a skip link to the form', async () => {
    const page = context.pages()[0]!;
    expect(events.filter((event) => event.startsWith('csp:'))).toEqual([]);
    // No wall is published yet, and the widget asked for none: no failed load in the console.
    expect(events.filter((event) => /^console:Failed to load resource/.test(event))).toEqual([]);
    const csp = (await page.request.get(demo.pageUrl)).headers()['content-security-policy']!;
    expect(csp).not.toContain('unsafe-inline');
    // Every module the widget loads is pinned by the page's import map, as `secure-sign snippet`
    // prints it, and the policy allows that one inline script by its hash.
    const map = JSON.parse((await page.evaluate(() => document.querySelector('script[type="importmap"]')?.textContent)) ?? '{}') as { integrity?: Record<string, string> };
    const pinned = Object.keys(map.integrity ?? {}).map((url) => new URL(url).pathname);
    expect(pinned).toEqual(expect.arrayContaining(['/widget/secure-sign.js', expect.stringMatching(/^\/widget\/ss-lazy-.*\.js$/), expect.stringMatching(/^\/widget\/ss-log-count-.*\.js$/)]));
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'/);
    const skip = page.locator('a.skip-link');
    expect(await skip.getAttribute('href')).toBe('#sign');
    await skip.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#sign');
    expect(await page.evaluate(() => document.getElementById('sign')?.contains(document.querySelector('secure-sign')))).toBe(true);
  });

  it('pulls and decrypts each signature exactly once, as typed', async () => {
    const records = await decryptAll();
    expect(records).toHaveLength(2);
    const [a] = signersNamed(records, alice.name);
    const [b] = signersNamed(records, org.name);
    expect(JSON.stringify(a)).toContain(JSON.stringify(alice.email));
    expect(JSON.stringify(a)).toContain(JSON.stringify(alice.comment));
    expect(JSON.stringify(a)).toContain('"NO"');
    expect(JSON.stringify(b)).toContain(JSON.stringify(org.organisation));
    expect(JSON.stringify(b)).toContain(JSON.stringify(org.role));
    expect(JSON.stringify(b)).toContain('"organisation"');
  });

  it('publishes the wall with the CLI, and the page shows only consenting signers', async () => {
    const envelopes = join(dataDir, 'envelopes.ndjson');
    const decrypted = join(dataDir, 'decrypted.ndjson');
    const { stdout } = await runNode(CLI, ['decrypt', '--key', demo.keyFile, '--campaign', CAMPAIGN, '-i', envelopes, '--format', 'ndjson'], { env });
    writeFileSync(decrypted, `${stdout}\n`, { mode: 0o600 });
    const wallData = join(dataDir, 'wall-data.json');
    const wall = join(dataDir, 'wall.json');
    const built = await runNode(CLI, ['wall', 'build', '--from', decrypted]);
    writeFileSync(wallData, built.stdout, { mode: 0o600 });
    await runNode(CLI, ['wall', 'sign', '--key', demo.keyFile, '--campaign', CAMPAIGN, wallData, '-o', wall], { env });
    await runNode(CLI, ['wall', 'publish', '--collector', demo.collectorUrl, '--campaign', CAMPAIGN, '--token-file', demo.tokenFile, '--key', demo.keyFile, wall]);
    expect(readFileSync(wall, 'utf8')).not.toContain(alice.email);

    const fresh = await browser.newContext();
    const page = await newPage(fresh);
    await (await inWidget(page, '.wall button')).click();
    await waitForText(page, alice.name);
    expect(await widgetText(page)).not.toContain(org.name);
    // The wall just signed says so, and is remembered by its serial only.
    expect(await (await inWidget(page, '[part="wall-updated"] time')).textContent()).toMatch(/^Updated (now|\d+ seconds? ago|\d+ minutes? ago)$/);
    const remembered = await page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('secure-sign:wall-serial:v1:')));
    expect(remembered).toHaveLength(1);
    expect(remembered[0]![1]).toMatch(/^\d+$/);

    // "Verify encryption" shows the fingerprint the staff command prints for the campaign key.
    const { stdout: fingerprint } = await runNode(CLI, ['fingerprint', '--public-key', demo.campaignKey]);
    await (await inWidget(page, 'details[part="verify"] summary')).click();
    expect(await (await inWidget(page, 'details[part="verify"] code.fingerprint')).textContent()).toBe(fingerprint.trim());
    await fresh.close();
  });

  it('refuses a wall tampered with on the collector disk', async () => {
    const Database = createRequire(join(import.meta.dirname, '../../packages/collector/package.json'))('better-sqlite3');
    const db = new Database(join(dataDir, 'collector', 'collector.sqlite'));
    const row = db.prepare("SELECT body FROM files WHERE campaign = ? AND name = 'wall.json'").get(CAMPAIGN) as { body: string };
    expect(row.body).toContain(alice.name);
    db.prepare("UPDATE files SET body = ? WHERE campaign = ? AND name = 'wall.json'").run(row.body.replace(alice.name, 'Mallory Forged'), CAMPAIGN);
    db.close();

    const fresh = await browser.newContext();
    const page = await newPage(fresh);
    const served = await page.evaluate(async (url) => (await fetch(url, { cache: 'no-store' })).text(), `${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}/files/wall.json`);
    expect(served).toContain('Mallory Forged');
    await (await inWidget(page, '.wall button')).click();
    await expect.poll(() => events.some((e) => e.includes('could not be verified'))).toBe(true);
    expect(await widgetText(page)).not.toContain('Mallory Forged');
    expect(await widgetText(page)).not.toContain(alice.name);
    await fresh.close();
  });

  it('keeps a signature made while the collector is down and delivers it once when it is back', async () => {
    const port = new URL(demo.collectorUrl).port;
    const page = await newPage(context);
    await inWidget(page, '[name="name"]');
    await demo.collector.stop();
    await fill(page, offline, false);
    await signAndWait(page, /Saved on this device/);
    const queued = await page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`).join('\n'));
    expect(queued).toContain('secure-sign:queue:v1:');
    for (const text of typed) expect(queued).not.toContain(text);

    demo.collector = await startCollector({ dataDir: join(dataDir, 'collector'), host: '127.0.0.1', port: Number(port) });
    await page.reload();
    await expect
      .poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('secure-sign:queue:v1:') && localStorage.getItem(k) !== '[]').length), { timeout: 60_000 })
      .toBe(0);
    // A second reload must not send it again.
    await page.reload();
    await inWidget(page, '[name="name"]');

    const records = await decryptAll();
    expect(records).toHaveLength(3);
    expect(signersNamed(records, offline.name)).toHaveLength(1);
    expect(signersNamed(records, alice.name)).toHaveLength(1);
  });
});
