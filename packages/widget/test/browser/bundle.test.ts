// The built CDN bundle (run `npx tsc -b packages/widget && npx rollup -c packages/widget/rollup.config.mjs`
// first; `npm test` does) on partner pages served with the strict CSP of docs/embedding.md and the
// bundle's SRI hash: it works end to end, libsodium's chunk is requested only after the signer's
// first interaction, and the proof of work runs in a worker where the CSP allows one (started from a
// blob: URL of its code, which comes in a chunk like every other module).
import { expect } from '@open-wc/testing';
import { openSubmission } from '@secure-sign/crypto';
import { COLLECTOR, control, setupCampaign, waitUntil } from './helpers.js';

// The same dev server under another host name is another origin: a stand-in for a CDN.
const OTHER_ORIGIN = location.hostname === 'localhost' ? location.origin.replace('//localhost', '//127.0.0.1') : location.origin.replace(`//${location.hostname}`, '//localhost');

async function partnerPage(query: Record<string, string>): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  frame.style.width = '800px';
  frame.style.height = '900px';
  frame.src = `${COLLECTOR}/__page?${new URLSearchParams(query)}`;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return frame;
}

const lazyRequests = (frame: HTMLIFrameElement): string[] =>
  frame.contentWindow!.performance.getEntriesByType('resource').map((e) => e.name).filter((name) => /\/ss-lazy-[^/]*\.js$/.test(name));

/** Records the workers the page starts and whether each answered. */
function watchWorkers(frame: HTMLIFrameElement): { started: string[]; answered: number; errors: string[] } {
  const record = { started: [] as string[], answered: 0, errors: [] as string[] };
  const win = frame.contentWindow as Window & typeof globalThis;
  const Original = win.Worker;
  win.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      record.started.push(String(url).split(':')[0]!);
      this.addEventListener('message', () => record.answered++);
      this.addEventListener('error', (e) => record.errors.push(`${(e as ErrorEvent).message} ${String(url)}`));
    }
  };
  return record;
}

const variants = [
  // Either way the worker starts from a blob: URL of its pinned code (src/pow/solver.ts).
  { name: 'dist/ on the page origin (worker-src blob:)', query: {}, worker: 'blob' },
  { name: 'dist/ on a CDN origin (worker-src blob:)', query: { cdn: OTHER_ORIGIN }, worker: 'blob' },
  { name: 'workers forbidden (worker-src none): proof of work on the main thread', query: { worker: 'none' }, worker: 'none' },
] as const;

describe('CDN bundle on a page with a strict CSP', () => {
  for (const variant of variants) {
    it(`${variant.name}: libsodium loads on first interaction, then it seals and sends`, async () => {
      const setup = await setupCampaign({ count: 1, logEntries: 5 });
      const { vkey } = await control({ op: 'log', campaign: setup.campaign });
      const frame = await partnerPage({ campaign: setup.campaign, key: setup.keys.publicKey.keyString, collector: COLLECTOR, logkey: vkey, ...variant.query });
      const doc = frame.contentDocument!;
      const violations: string[] = [];
      doc.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      // The bundle's element has a closed shadow root; lit's renderRoot is the supported way in.
      const element = doc.querySelector('secure-sign') as (Element & { renderRoot?: ShadowRoot }) | null;
      await waitUntil(() => element?.renderRoot?.querySelector('form'), 'bundle did not render the form (SRI or CSP?)', { timeout: 10000 });
      const workers = watchWorkers(frame);
      const scripts = frame.contentWindow!.performance.getEntriesByType('resource').map((e) => e.name);
      expect(scripts.some((name) => name.endsWith('/__dist/secure-sign.js'))).to.equal(true);
      expect(lazyRequests(frame), 'libsodium requested before any interaction').to.deep.equal([]);

      expect(element!.shadowRoot === null, 'the shadow root is open').to.equal(true);
      const root = element!.renderRoot!;
      const name = root.querySelector<HTMLInputElement>('[name="name"]')!;
      name.focus();
      await waitUntil(() => lazyRequests(frame).length === 1, 'crypto chunk not loaded on interaction', { timeout: 10000 });
      name.value = 'Bundle Tester';
      root.querySelector<HTMLInputElement>('[name="email"]')!.value = 'bundle@example.org';
      root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
      await waitUntil(() => root.querySelector('[part="receipt"]'), 'no success with the strict CSP', { timeout: 20000 });
      const { stored } = await control({ op: 'log', campaign: setup.campaign });
      expect(stored).to.have.length(1);
      const opened = await openSubmission(setup.keys, stored[0].envelope);
      expect(opened.signer.name).to.equal('Bundle Tester');
      // The count of the log's checkpoint, verified (WebCrypto Ed25519) under the strict CSP.
      expect(root.querySelector('.count-verified'), 'the checkpoint was not verified').to.exist;
      // "Save my receipt" downloads the receipt file (a Blob URL and an <a download>) under the strict CSP.
      const win = frame.contentWindow as Window & typeof globalThis;
      const saved: string[] = [];
      const click = win.HTMLAnchorElement.prototype.click;
      win.HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        saved.push(this.href);
        click.call(this);
      };
      root.querySelector<HTMLButtonElement>('[part="save-receipt"]')!.click();
      await waitUntil(() => saved.length === 1, 'no receipt saved');
      // Read back from this test page (the partner page's connect-src would refuse the test's own fetch of blob:).
      const file = JSON.parse(await (await fetch(saved[0]!)).text());
      expect(file.sid).to.equal(stored[0].envelope.sid);
      expect(file.log.vkey).to.equal(vkey);
      // The styles that come with the lazy chunk apply (constructable style sheets, allowed by the CSP).
      expect(getComputedStyle(root.querySelector('[part="receipt"] code')!).fontFamily).to.include('monospace');

      if (variant.worker === 'none') {
        expect(workers.answered).to.equal(0);
        expect(violations.every((v) => v.startsWith('worker-src'))).to.equal(true);
      } else {
        expect(workers.answered, JSON.stringify({ workers, violations })).to.equal(1);
        expect(workers.started).to.deep.equal([variant.worker]);
        expect(violations).to.deep.equal([]);
      }
      // No file is started as a worker from a URL, where no import map could pin it.
      expect(scripts.concat(frame.contentWindow!.performance.getEntriesByType('resource').map((e) => e.name)).filter((n) => /pow-worker/.test(n))).to.deep.equal([]);
      frame.remove();
    });
  }

  it('the progress bar shows 8 of 1,000 as under 1% of its track, with no CSP violation (no style attribute is set)', async () => {
    const setup = await setupCampaign({ count: 8, goal: 1000 });
    const frame = await partnerPage({ campaign: setup.campaign, key: setup.keys.publicKey.keyString, collector: COLLECTOR });
    const doc = frame.contentDocument!;
    const violations: string[] = [];
    doc.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    const element = doc.querySelector('secure-sign') as (Element & { renderRoot?: ShadowRoot }) | null;
    await waitUntil(() => element?.renderRoot?.querySelector('.progress-bar'), 'no progress bar', { timeout: 10000 });
    const root = element!.renderRoot!;
    // The width is set through CSSOM (which CSP allows) once rendered; wait out its transition.
    const widths = (): number[] => ['.progress-bar', '.progress'].map((s) => root.querySelector(s)!.getBoundingClientRect().width);
    await waitUntil(() => widths()[1]! > 100 && widths()[0]! > 0 && widths()[0]! < widths()[1]! * 0.02, 'the bar does not show 0.8%', { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const [bar, track] = widths();
    expect(bar! / track!).to.be.within(0.004, 0.012);
    expect(violations).to.deep.equal([]);
    frame.remove();
  });

  it("a CSP without 'wasm-unsafe-eval' is named on the console as such, not as an unparsable key; nothing is sent", async () => {
    const setup = await setupCampaign();
    const frame = await partnerPage({ campaign: setup.campaign, key: setup.keys.publicKey.keyString, collector: COLLECTOR, wasm: 'no' });
    const errors: string[] = [];
    const win = frame.contentWindow as Window & typeof globalThis;
    const original = win.console.error;
    win.console.error = (...args: unknown[]) => void errors.push(args.map(String).join(' '));
    const element = frame.contentDocument!.querySelector('secure-sign') as (Element & { renderRoot?: ShadowRoot }) | null;
    await waitUntil(() => element?.renderRoot?.querySelector('form'), 'bundle did not render the form', { timeout: 10000 });
    element!.renderRoot!.querySelector<HTMLInputElement>('[name="name"]')!.focus();
    await waitUntil(() => errors.length > 0, 'nothing said on the console', { timeout: 10000 });
    win.console.error = original;
    expect(errors.join('\n')).to.include("'wasm-unsafe-eval'");
    expect(errors.join('\n')).not.to.include('could not be parsed');
    expect(element!.renderRoot!.querySelector('form')).to.equal(null);
    expect((await control({ op: 'log', campaign: setup.campaign })).stored).to.deep.equal([]);
    frame.remove();
  });

  describe('prefetches the crypto chunk before the first tap (issue 19)', () => {
    const watch = async (query: Record<string, string>, ms: number): Promise<{ frame: HTMLIFrameElement; requested: number }> => {
      const setup = await setupCampaign();
      const frame = await partnerPage({ campaign: setup.campaign, key: setup.keys.publicKey.keyString, collector: COLLECTOR, ...query });
      const element = frame.contentDocument!.querySelector('secure-sign') as (Element & { renderRoot?: ShadowRoot }) | null;
      await waitUntil(() => element?.renderRoot?.querySelector('form'), 'bundle did not render the form', { timeout: 10000 });
      expect(lazyRequests(frame), 'requested at once, not after a moment on screen').to.deep.equal([]);
      await waitUntil(() => lazyRequests(frame).length > 0, '', { timeout: ms }).catch(() => undefined);
      return { frame, requested: lazyRequests(frame).length };
    };

    it('when the form has been on screen for a moment, without any interaction', async () => {
      const { frame, requested } = await watch({}, 6000);
      expect(requested).to.equal(1);
      frame.remove();
    });

    it('never while the widget stays off-screen, nor for a visitor who asked to save data', async () => {
      for (const query of [{ offscreen: '1' }, { savedata: '1' }]) {
        const { frame, requested } = await watch(query, 3500);
        expect(requested, JSON.stringify(query)).to.equal(0);
        frame.remove();
      }
    });
  });
});
