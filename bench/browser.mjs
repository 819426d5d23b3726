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

// DevTools' "Slow 4G" preset: 562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up.
export const SLOW_4G = { offline: false, latency: 562.5, downloadThroughput: (1.6 * 1024 * 1024 * 0.9) / 8, uploadThroughput: (750 * 1024 * 0.9) / 8 };

// Records every long task (over 50 ms on the main thread) from the start of the page, with when it
// started on the page's clock, so each can be put in its phase (load, reading, tap, submit).
const RECORD_LONG_TASKS = () => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
};

/** The phase a long task starting at `start` (page clock) belongs to, from a run's marks. */
function phaseOf(start, marks) {
  if (start < marks.interactive) return 'load';
  if (start < marks.tap) return 'reading';
  if (start < marks.ready) return 'tap';
  if (start < marks.submit) return 'filling';
  return 'submit';
}

// The phone run's marks, taken by the page itself on its own clock, checked once a frame:
// interactive (the form's Sign button rendered), ready (after the tap: the country list, which
// comes with the crypto chunk, rendered) and done ("Thank you"). Playwright's own waits and
// actions would run its injected script in the page (over 100 ms of script evaluation at 6x,
// itself a long task), so the phone runs drive the page through plain CDP calls and read these.
const RECORD_PHONE_MARKS = () => {
  const marks = (window.__marks = {});
  const check = () => {
    const root = document.querySelector('secure-sign')?.renderRoot;
    const now = performance.now();
    if (root) {
      if (marks.interactive === undefined && root.querySelector('button[type="submit"]')) marks.interactive = now;
      if (marks.tap !== undefined && marks.ready === undefined && root.querySelectorAll('select[name="country"] option').length > 100) marks.ready = now;
      if (marks.submit !== undefined && marks.done === undefined && [...root.querySelectorAll('h3')].some((h) => /Thank you for signing/.test(h.textContent))) marks.done = now;
    }
    if (marks.done === undefined) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
  customElements.whenDefined('secure-sign').then(() => (marks.defined = performance.now()));
};

/** An expression's value in the page (CDP Runtime.evaluate: no injected helper script). */
async function evaluate(cdp, expression) {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
  if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value;
}

/** Waits (polling from Node every 25 ms) until the page's mark `name` is set, and returns it. */
async function mark(cdp, name, timeout = 60_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await evaluate(cdp, `window.__marks?.${name}`);
    if (typeof value === 'number') return value;
    if (Date.now() > until) throw new Error(`phone run: no "${name}" within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * One phone run (issue 19) on a fresh context: a phone-sized page at `rate`x CPU throttling (CDP;
 * Chromium does not throttle workers, so the proof of work is not slowed) on emulated Slow 4G (or
 * `network`, CDP Network.emulateNetworkConditions; null for none). Returns the page-clock marks
 * (interactive: the form's Sign button rendered; tap: first focus of a field after the form was
 * on screen for `readMs`; ready: the crypto chunk in use, its country list rendered; submit: Sign
 * clicked; done: "Thank you"), every long task with its phase, and, with `trace` (a list of
 * categories), the Chromium trace of the whole run. Typing is CDP Input.insertText into the
 * focused field: real input events, as Playwright's fill sends.
 */
export async function phoneRun(browser, pageUrl, { rate = 6, network = SLOW_4G, readMs = 3000, trace, run = 0 } = {}) {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    await cdp.send('Network.enable');
    if (network) await cdp.send('Network.emulateNetworkConditions', network);
    await page.addInitScript(RECORD_LONG_TASKS);
    await page.addInitScript(RECORD_SUBMIT);
    await page.addInitScript(RECORD_PHONE_MARKS);
    if (trace) await browser.startTracing(page, { categories: trace, screenshots: false });
    await page.goto(pageUrl, { waitUntil: 'commit' });
    const inWidget = (selector) => `document.querySelector('secure-sign').renderRoot.querySelector(${JSON.stringify(selector)})`;
    await mark(cdp, 'interactive');
    // The signer scrolls to the form (on a phone it is below the letter) and reads it.
    await evaluate(cdp, `document.querySelector('secure-sign').scrollIntoView()`);
    await new Promise((resolve) => setTimeout(resolve, readMs));
    await evaluate(cdp, `window.__marks.tap = performance.now(); ${inWidget('input[name="name"]')}.focus()`);
    await mark(cdp, 'ready');
    for (const [name, value] of [['name', `Bench Signer ${run}`], ['email', `bench${run}@example.org`], ['comment', 'Measured, not typed by hand.']]) {
      await evaluate(cdp, `${inWidget(`[name="${name}"]`)}.focus()`);
      await cdp.send('Input.insertText', { text: value });
    }
    await evaluate(cdp, `window.__marks.submit = performance.now(); ${inWidget('button[type="submit"]')}.click()`);
    await mark(cdp, 'done');
    const marks = await evaluate(cdp, 'window.__marks');
    const sent = await evaluate(cdp, 'window.__submitAt.length');
    if (sent !== 1) throw new Error(`phone run: ${sent} submissions sent, expected 1`);
    const longTasks = (await evaluate(cdp, 'window.__longTasks')).map((task) => ({ ...task, phase: phaseOf(task.start, marks) }));
    // The page's own waterfall (Resource Timing): when each request started, its first byte and end.
    const resources = await evaluate(
      cdp,
      `[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((r) => ({ url: r.name, start: r.startTime, firstByte: r.responseStart, end: r.responseEnd, bytes: r.transferSize }))`,
    );
    const traced = trace ? await browser.stopTracing() : undefined;
    return { marks, longTasks, resources, trace: traced };
  } finally {
    await context.close();
  }
}

/**
 * widget.phone_* metrics (issue 19), over `runs` phone runs (see phoneRun). Interactive: from
 * navigation start to the form's Sign button rendered. Tap to ready: after the form has been on
 * screen for 3 s, from the first focus of a field to the crypto chunk in use. Long task: the
 * longest main-thread task from load through the tap, filling in, submitting and "Thank you".
 */
export async function measurePhone(browser, pageUrl, { runs, rate = 6 }) {
  const interactive = [];
  const tapToReady = [];
  const longest = [];
  for (let run = 0; run < runs; run++) {
    const { marks, longTasks } = await phoneRun(browser, pageUrl, { rate, run });
    interactive.push(marks.interactive);
    tapToReady.push(marks.ready - marks.tap);
    longest.push(Math.max(0, ...longTasks.map((task) => task.duration)));
    const tasks = longTasks.map((task) => `${task.phase} ${task.duration.toFixed(0)}`).join(', ') || 'none';
    say(`phone run ${run + 1}/${runs} (${rate}x): interactive ${marks.interactive.toFixed(0)} ms, tap to ready ${(marks.ready - marks.tap).toFixed(0)} ms, long tasks (ms): ${tasks}`);
  }
  return {
    'widget.phone_interactive_ms_p50': median(interactive),
    'widget.phone_tap_to_ready_ms_p50': median(tapToReady),
    'widget.phone_long_task_ms_max': Math.max(...longest),
  };
}

/** pow.solve_ms_*: challenges from a collector at its default difficulty, solved in the widget's worker. */
export async function measurePowSolve(browser, pageOrigin, collectorUrl, campaign, { count }) {
  const page = await browser.newPage();
  await page.goto(`${pageOrigin}/open-letter/privacy.html`);
  const times = await page.evaluate(
    async ({ collectorUrl, campaign, count }) => {
      // As the widget's solver does: the worker's code (pinned in the widget's chunks; here the
      // same bytes, dist/pow-worker.js) started from a blob: URL, a fresh worker per challenge,
      // timed from its start, so the figure is what a signer waits for.
      const code = await (await fetch('/widget/pow-worker.js')).text();
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
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
        const worker = new Worker(url, { type: 'module', name: 'secure-sign-pow' });
        const solution = await new Promise((resolve) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.postMessage({ type: 'work', challenge });
        });
        worker.terminate();
        if (!solution) throw new Error('the worker found no solution');
        out.push(performance.now() - t0);
      }
      URL.revokeObjectURL(url);
      return out;
    },
    { collectorUrl, campaign, count },
  );
  await page.close();
  return { 'pow.solve_ms_p50': median(times), 'pow.solve_ms_p95': percentile(times, 95) };
}
