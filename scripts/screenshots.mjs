#!/usr/bin/env node
// `npm run screenshots`: pictures of the demo page at desktop and mobile widths, light and dark,
// in screenshots/ (not committed). Starts the demo in a temporary folder; needs a build and
// Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemo } from '../examples/demo.mjs';
import { inWidget } from '../packages/widget/test/reach-inside.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'screenshots');
mkdirSync(out, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'secure-sign-shots-'));
const demo = await startDemo({ dataDir, collectorPort: 0, pagePort: 0 });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  for (const [name, url] of [['open-letter', demo.pageUrl], ['partner-fr', demo.partnerUrl]]) {
    for (const [width, height, size] of [[1280, 900, 'desktop'], [390, 844, 'mobile']]) {
      for (const scheme of ['light', 'dark']) {
        const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: size === 'mobile' ? 2 : 1 });
        await page.goto(url);
        // The widget's shadow root is closed: reach its submit button through lit's renderRoot.
        await inWidget(page, 'button[type="submit"]');
        const file = join(out, `${name}-${size}-${scheme}.png`);
        await page.screenshot({ path: file, fullPage: true });
        await page.close();
        console.error(`secure-sign: wrote ${file}`);
      }
    }
  }
} finally {
  await browser.close();
  await demo.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
