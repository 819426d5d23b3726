// The confirm and disown pages in a real browser (Chromium at /usr/bin/chromium, or CHROMIUM_PATH):
// opening a link changes nothing, the one button posts and the answer page says what happened, the
// page's style is applied under its CSP (allowed by hash) and the browser reports no CSP violation
// or other console error, with JavaScript off as well as on.
import { formatSecretCode, sealWithdrawable } from '@secure-sign/crypto';
import { chromium, type Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { addCampaign, solve, sqliteFixture, type EngineFixture, type TestCampaign } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

describe('the confirm and disown pages in Chromium', () => {
  let fixture: EngineFixture;
  let store: Store;
  let server: RunningServer;
  let browser: Browser;
  let campaign: TestCampaign;

  beforeAll(async () => {
    fixture = sqliteFixture();
    store = await fixture.open();
    campaign = await addCampaign(store, 'open-letter');
    const app = createApp({ store, config: resolveConfig({ powDifficulty: 50, rateLimit: 10_000 }), logger: pino({ level: 'silent' }) });
    server = await startServer({ app, store, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fixture?.cleanup();
  });

  const sign = async (name: string) => {
    const sealed = await sealWithdrawable({
      publicKey: campaign.keys.publicKey,
      campaign: campaign.id,
      signer: { kind: 'individual', name, email: `${name}@example.org`, consent: { listPublicly: false, contactLater: false } },
      confirmable: true,
    });
    const challenge = await (await fetch(`${server.url}/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
    const response = await fetch(`${server.url}/v1/campaigns/${campaign.id}/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ envelope: sealed.envelope, pow: await solve(challenge) }),
    });
    expect(response.status).toBe(201);
    return formatSecretCode(sealed.envelope.sid, sealed.confirmationSecret!);
  };
  const facts = async () => (await (await fetch(`${server.url}/v1/campaigns/${campaign.id}`)).json()) as { count: number; confirmed: number; log: { size: number } };

  for (const javaScriptEnabled of [false, true]) {
    it(`opens each link without deciding, and decides with the button (JavaScript ${javaScriptEnabled ? 'on' : 'off'}), with no console error`, async () => {
      const confirmCode = await sign(`confirm-${javaScriptEnabled}`);
      const disownCode = await sign(`disown-${javaScriptEnabled}`);
      const context = await browser.newContext({ javaScriptEnabled, locale: 'de-DE' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      const before = await facts();

      // Opening both links of both codes: pages shown, nothing decided.
      for (const code of [confirmCode, disownCode]) {
        for (const decision of ['confirm', 'disown']) {
          const response = await page.goto(`${server.url}/v1/campaigns/${campaign.id}/${decision}?code=${encodeURIComponent(code)}&lang=fr`);
          expect(response!.status()).toBe(200);
          expect(await page.locator('form button').count()).toBe(1);
        }
      }
      expect(await facts()).toEqual(before);

      // The confirm page, in French (lang= wins over the browser's German), its style applied.
      await page.goto(`${server.url}/v1/campaigns/${campaign.id}/confirm?code=${encodeURIComponent(confirmCode)}&lang=fr`);
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      expect(await page.textContent('h1')).toBe('Confirmer ma signature');
      const button = page.locator('form button');
      expect(await button.textContent()).toBe('Confirmer ma signature');
      expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(26, 79, 160)');
      const [answer] = await Promise.all([page.waitForNavigation(), button.click()]);
      expect(answer!.status()).toBe(200);
      expect(new URL(page.url()).search).toBe('');
      const body = (await page.textContent('body'))!;
      expect(body).toContain('Merci : votre signature est confirmée');
      expect(body).not.toContain(confirmCode.split('.')[1]);
      expect(await page.locator('form').count()).toBe(0);
      expect(await facts()).toMatchObject({ count: before.count, confirmed: before.confirmed + 1, log: { size: before.log.size + 1 } });

      // The disown page in the browser's language (no lang=), its red button.
      await page.goto(`${server.url}/v1/campaigns/${campaign.id}/disown?code=${encodeURIComponent(disownCode)}`);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      const red = page.locator('form button');
      expect(await red.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(179, 38, 30)');
      await Promise.all([page.waitForNavigation(), red.click()]);
      expect(await page.textContent('body')).toContain('Die Unterschrift ist entfernt');
      expect(await facts()).toMatchObject({ count: before.count - 1, confirmed: before.confirmed + 1, log: { size: before.log.size + 2 } });

      // The confirmed signature's disown link: the first decision stands (409, a page, no form).
      await page.goto(`${server.url}/v1/campaigns/${campaign.id}/disown?code=${encodeURIComponent(confirmCode)}&lang=en`);
      const [refused] = await Promise.all([page.waitForNavigation(), page.locator('form button').click()]);
      expect(refused!.status()).toBe(409);
      expect(await page.textContent('body')).toContain('already confirmed');
      // A damaged link: a 400 page without a form.
      const damaged = await page.goto(`${server.url}/v1/campaigns/${campaign.id}/confirm?code=${encodeURIComponent(confirmCode.slice(0, -3))}`);
      expect(damaged!.status()).toBe(400);
      expect(await page.locator('form').count()).toBe(0);
      expect(await facts()).toMatchObject({ count: before.count - 1, confirmed: before.confirmed + 1 });
      // No CSP violation (a blocked style or form), no other console error.
      expect(problems.filter((text) => !/status of 40[09]/.test(text))).toEqual([]);
      await context.close();
    });
  }
});
