// Browser benchmarks in Debian's Chromium, on the demo page served as a partner serves it:
// bytes of JavaScript loaded, time from the submit click to the request leaving the page, and
// proof-of-work solving in the widget's own worker.
import { chromium } from 'playwright-core';
import { gzipBytes, median, percentile, say } from './lib.mjs';
// The widget's shadow root is closed; these reach inside through lit's `renderRoot`.
import { inWidget, waitForHeading } from '../packages/widget/test/reach-inside.mjs';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS, headless: true });
}

// Records when the widget's submission request leaves the page, on the page's own clock.
const RECORD_SUBMIT = () => {
  const original = window.fetch;
  window.__submitAt = [];
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    if (/\/submissions$/.test(url) && (init?.method ?? input.method) === 'POST') window.__submitAt.push(performance.now());
    return original.apply(this, arguments);
  };
};

async function fillForm(page, n) {
  await (await inWidget(page, '[name="name"]')).fill(`Bench Signer ${n}`);
  await (await inWidget(page, '[name="email"]')).fill(`bench${n}@example.org`);
  await (await inWidget(page, '[name="comment"]')).fill('Measured, not typed by hand.');
}

/** Clicks Sign on the page's clock and returns ms until the submission request was issued. */
async function clickToRequest(page) {
  const started = await page.evaluate(() => {
    const host = document.querySelector('secure-sign');
    const button = host.renderRoot.querySelector('button[type="submit"]');
    const t0 = performance.now();
    button.click();
    return t0;
  });
  await page.waitForFunction((t0) => window.__submitAt.some((t) => t >= t0), started, { timeout: 30_000 });
  return page.evaluate((t0) => window.__submitAt.find((t) => t >= t0) - t0, started);
}

/**
 * widget.* metrics. `pageUrl` must be a page with the widget whose collector issues near-trivial
 * challenges, so the proof of work is effectively excluded from the seal timings.
 */
export async function measureWidget(browser, pageUrl, { runs }) {
  const initial = [];
  const total = [];
  const cold = [];
  const warm = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const scripts = new Map();
    context.on('response', async (response) => {
      const type = response.headers()['content-type'] ?? '';
      if (!/javascript/.test(type) || scripts.has(response.url())) return;
      scripts.set(response.url(), null);
      try {
        scripts.set(response.url(), gzipBytes(await response.body()));
      } catch {
        scripts.delete(response.url());
      }
    });
    const page = await context.newPage();
    await page.addInitScript(RECORD_SUBMIT);
    await page.goto(pageUrl, { waitUntil: 'networkidle' });
    await inWidget(page, 'button[type="submit"]');
    await page.waitForTimeout(200);
    initial.push([...scripts.values()].reduce((a, b) => a + (b ?? 0), 0));

    // Cold: the first interaction and the click in one go, so libsodium is still loading.
    await page.evaluate(() => {
      const host = document.querySelector('secure-sign');
      const set = (name, value) => {
        const input = host.renderRoot.querySelector(`input[name="${name}"]`);
        if (!input) throw new Error(`no input ${name}`);
        input.focus();
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      };
      set('name', 'Cold Bench');
      set('email', 'cold@example.org');
    });
    cold.push(await clickToRequest(page));
    await waitForHeading(page, /Thank you for signing/);
    await page.waitForLoadState('networkidle');

    // Warm: a fresh form on a page whose crypto is loaded.
    const second = await context.newPage();
    await second.addInitScript(RECORD_SUBMIT);
    await second.goto(pageUrl, { waitUntil: 'networkidle' });
    await fillForm(second, run);
    await second.waitForLoadState('networkidle');
    await second.waitForTimeout(300);
    warm.push(await clickToRequest(second));
    await waitForHeading(second, /Thank you for signing/);
    await second.waitForLoadState('networkidle');
    total.push([...scripts.values()].reduce((a, b) => a + (b ?? 0), 0));
    await context.close();
    say(`widget run ${run + 1}/${runs}: cold ${cold.at(-1).toFixed(1)} ms, warm ${warm.at(-1).toFixed(1)} ms`);
  }
  return {
    'widget.initial_gzip_bytes': median(initial),
    'widget.total_gzip_bytes': median(total),
    'widget.seal_warm_ms_p50': median(warm),
    'widget.seal_cold_ms_p50': median(cold),
  };
}

/** pow.solve_ms_*: challenges from a collector at its default difficulty, solved in the widget's worker. */
export async function measurePowSolve(browser, pageOrigin, collectorUrl, campaign, { count }) {
  const page = await browser.newPage();
  await page.goto(`${pageOrigin}/open-letter/privacy.html`);
  const times = await page.evaluate(
    async ({ collectorUrl, campaign, count }) => {
      const worker = new Worker('/widget/pow-worker.js', { type: 'module' });
      const out = [];
      for (let i = 0; i < count; i++) {
        const response = await fetch(`${collectorUrl}/v1/campaigns/${campaign}/challenge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        if (!response.ok) throw new Error(`challenge: ${response.status}`);
        const challenge = await response.json();
        const t0 = performance.now();
        const solution = await new Promise((resolve) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.postMessage({ type: 'work', challenge });
        });
        if (!solution) throw new Error('the worker found no solution');
        out.push(performance.now() - t0);
      }
      worker.terminate();
      return out;
    },
    { collectorUrl, campaign, count },
  );
  await page.close();
  return { 'pow.solve_ms_p50': median(times), 'pow.solve_ms_p95': percentile(times, 95) };
}
