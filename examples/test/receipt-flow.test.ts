// A signer's receipt and withdrawal, end to end (issue 11), in Debian's Chromium with the real
// collector (SQLite) and the real `secure-sign` CLI, on the open-letter demo as `npm run demo`
// starts it: the widget shows the count of the signed checkpoint it verified with `log-key`; sign;
// save the receipt; `receipt check` finds it counted; staff pull (checking the log) and decrypt it;
// the signer withdraws on the collector's page with the code from the file; then `receipt check`
// says withdrawn, pull and decrypt leave the signature out, and the verified count drops.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { CLI, CAMPAIGN, DEMO_PASSPHRASE, runNode, startDemo } from '../demo.mjs';
// @ts-expect-error: plain ESM module without types
import { inWidget, waitForHeading, widgetText } from '../../packages/widget/test/reach-inside.mjs';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

const dana = { name: 'Dana Receiptowska', email: 'dana.receipt@example.org' };
const dataDir = mkdtempSync(join(tmpdir(), 'secure-sign-receipt-'));
const env = { SECURE_SIGN_PASSPHRASE: DEMO_PASSPHRASE };
const violations: string[] = [];
let demo: { collectorUrl: string; pageUrl: string; keyFile: string; tokenFile: string; logKey: string; stop(): Promise<void> };
let browser: Browser;
let context: BrowserContext;
let receiptPath: string;
let receipt: { sid: string; campaign: string; log: { index: number; vkey: string; promise: string }; withdrawal: { code: string; page: string } };

/** Runs `secure-sign receipt check` on the saved file; its exit status and what it said. */
function receiptCheck(): { status: number | null; said: string } {
  const result = spawnSync(process.execPath, [CLI, 'receipt', 'check', receiptPath, '--log-key', demo.logKey], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, said: `${result.stdout}${result.stderr}` };
}

/** Pulls (verifying the log against the pinned key) and decrypts; the records and decrypt's stderr. */
async function pullAndDecrypt(): Promise<{ records: string[]; pulled: string; summary: string }> {
  const envelopes = join(dataDir, 'envelopes.ndjson');
  const pulled = await runNode(CLI, ['pull', '--collector', demo.collectorUrl, '--campaign', CAMPAIGN, '--token-file', demo.tokenFile, '--log-key', demo.logKey, '--out', envelopes]);
  const decrypted = await runNode(CLI, ['decrypt', '--key', demo.keyFile, '--campaign', CAMPAIGN, '-i', envelopes, '--format', 'ndjson'], { env });
  return { records: decrypted.stdout.split('\n').filter(Boolean), pulled: pulled.stderr, summary: decrypted.stderr };
}

/** The count line of the campaign's latest signed checkpoint, as the collector serves it. */
async function checkpointCount(): Promise<number> {
  const text = await (await fetch(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}/log/checkpoint`)).text();
  return Number(/^count (\d+)$/m.exec(text)?.[1]);
}

/** Polls until the collector's signed checkpoint says `count` (checkpoints are signed in batches). */
async function waitForCount(count: number): Promise<void> {
  await expect.poll(checkpointCount, { timeout: 10_000, interval: 100 }).toBe(count);
}

async function openLetter(): Promise<Page> {
  const page = await context.newPage();
  await page.exposeFunction('__violation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { __violation(t: string): void }).__violation(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  await page.goto(demo.pageUrl);
  return page;
}

beforeAll(async () => {
  demo = await startDemo({ dataDir, collectorPort: 0, pagePort: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  context = await browser.newContext({ acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a receipt from the widget, checked and spent by the signer', () => {
  it('shows the count of the signed checkpoint it verified, signs, and saves a receipt holding nothing typed', async () => {
    const page = await openLetter();
    // The demo page carries the campaign's log key, as `secure-sign snippet --log-key` prints it.
    expect(await page.getAttribute('secure-sign', 'log-key')).toBe(demo.logKey);
    await expect.poll(() => widgetText(page), { timeout: 30_000 }).toContain('Count checked against the campaign’s signed public log.');
    expect(await widgetText(page)).toContain('0 of 1,000 signatures');

    await (await inWidget(page, '[name="name"]')).fill(dana.name);
    await (await inWidget(page, '[name="email"]')).fill(dana.email);
    await (await inWidget(page, 'button[type="submit"]')).click();
    await waitForHeading(page, /Thank you for signing/, { timeout: 60_000 });
    expect(await widgetText(page)).toContain('It does not contain your name or e-mail.');

    const [download] = await Promise.all([page.waitForEvent('download'), (await inWidget(page, '[part="save-receipt"]')).click()]);
    expect(download.suggestedFilename()).toBe(`secure-sign-receipt-${CAMPAIGN}-0.json`);
    receiptPath = join(dataDir, download.suggestedFilename());
    await download.saveAs(receiptPath);
    const text = readFileSync(receiptPath, 'utf8');
    for (const typed of [dana.name, dana.email, 'Receiptowska']) expect(text).not.toContain(typed);
    receipt = JSON.parse(text);
    expect(receipt.campaign).toBe(CAMPAIGN);
    expect(receipt.log.index).toBe(0);
    expect(receipt.log.vkey).toBe(demo.logKey);
    expect(receipt.log.promise).toMatch(/^secure-sign promise\/v1\n/);
    expect(receipt.withdrawal.code.startsWith(`${receipt.sid}.`)).toBe(true);
    expect(receipt.withdrawal.page).toBe(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}/withdraw`);
    expect(violations).toEqual([]);
  });

  it('receipt check finds the signature counted in the signed log, and staff pull and decrypt it', async () => {
    await waitForCount(1);
    const checked = receiptCheck();
    expect(checked.said).toContain(`counted in the log of ${CAMPAIGN} at position 1 of 1`);
    expect(checked.status).toBe(0);
    const { records } = await pullAndDecrypt();
    expect(records).toHaveLength(1);
    expect(records[0]).toContain(JSON.stringify(dana.email));
  });

  it('withdraws on the collector page with the code from the file: a GET changes nothing, the button does', async () => {
    const page = await context.newPage();
    await page.goto(receipt.withdrawal.page);
    const count = async () => ((await (await fetch(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}`)).json()) as { count: number }).count;
    expect(await count()).toBe(1);
    await page.fill('#code', receipt.withdrawal.code);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(await page.textContent('p.ok')).toBeTruthy();
    expect(await count()).toBe(0);
    await waitForCount(0);
  });

  it('after the withdrawal, receipt check says withdrawn, decrypt leaves it out, the verified count drops', async () => {
    const checked = receiptCheck();
    expect(checked.said).toContain(`withdrawn at position 2 of the log of ${CAMPAIGN} (it was counted at position 1)`);
    expect(checked.status).toBe(5);

    const { records, summary } = await pullAndDecrypt();
    expect(records).toEqual([]);
    expect(summary).toContain('secure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, left out\n');

    const page = await openLetter();
    await expect.poll(() => widgetText(page), { timeout: 30_000 }).toContain('Count checked against the campaign’s signed public log.');
    expect(await widgetText(page)).toContain('0 of 1,000 signatures');
    expect(await widgetText(page)).not.toContain(dana.name);
    expect(violations).toEqual([]);
  });
});
