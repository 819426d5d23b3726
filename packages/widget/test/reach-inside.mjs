// Driving the widget with Playwright (examples/test/full-flow.test.ts, scripts/screenshots.mjs,
// bench/browser.mjs). The widget's shadow root is closed, so that session-replay recorders on a
// partner page cannot read its form; Playwright's locators (getByRole, getByLabel, getByText) only
// pierce open shadow roots. The one supported way in is lit's `element.renderRoot`, used here to
// get element handles; Playwright's actions on handles (fill, click, check, selectOption) then
// work as usual, with real input events.

/**
 * A handle to the first element matching `selector` inside the widget, once it exists.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} selector CSS selector inside the widget's root, e.g. `[name="email"]`.
 * @param {{ host?: string, timeout?: number }} [options] `host`: selector of the widget element.
 * @returns {Promise<import('playwright-core').ElementHandle<Element>>}
 */
export async function inWidget(page, selector, { host = 'secure-sign', timeout = 30_000 } = {}) {
  const handle = await page.waitForFunction(
    ([hostSelector, inner]) => document.querySelector(hostSelector)?.renderRoot?.querySelector(inner) ?? null,
    [host, selector],
    { timeout },
  );
  const element = handle.asElement();
  if (!element) throw new Error(`no ${selector} inside ${host}`);
  return element;
}

/**
 * The widget's visible text (its whole root), e.g. to look for a wall entry.
 *
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string>}
 */
export function widgetText(page, { host = 'secure-sign' } = {}) {
  return page.evaluate((hostSelector) => document.querySelector(hostSelector)?.renderRoot?.textContent ?? '', host);
}

/**
 * Waits until a heading (`h3`) inside the widget matches `pattern`: the success, saved-offline or
 * error screens.
 *
 * @param {import('playwright-core').Page} page
 * @param {RegExp} pattern
 */
export async function waitForHeading(page, pattern, { host = 'secure-sign', timeout = 30_000 } = {}) {
  await page.waitForFunction(
    ([hostSelector, source, flags]) =>
      [...(document.querySelector(hostSelector)?.renderRoot?.querySelectorAll('h3') ?? [])].some((h) => new RegExp(source, flags).test(h.textContent ?? '')),
    [host, pattern.source, pattern.flags],
    { timeout },
  );
}

/**
 * Waits until the widget's text contains `text`.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function waitForText(page, text, { host = 'secure-sign', timeout = 30_000 } = {}) {
  await page.waitForFunction(
    ([hostSelector, wanted]) => (document.querySelector(hostSelector)?.renderRoot?.textContent ?? '').includes(wanted),
    [host, text],
    { timeout },
  );
}
