// The built CDN bundle (dist/secure-sign.js, run `npx tsc -b packages/widget && npx rollup -c
// packages/widget/rollup.config.mjs` first) on a partner page served with the strict CSP of
// docs/embedding.md and its SRI hash: it works end to end, and libsodium's chunk is requested only
// after the signer's first interaction.
import { expect, waitUntil } from '@open-wc/testing';
import { openSubmission } from '@secure-sign/crypto';
import { COLLECTOR, control, setupCampaign } from './helpers.js';

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

describe('CDN bundle on a page with a strict CSP', () => {
  it('loads libsodium only on first interaction, then seals and sends', async () => {
    const setup = await setupCampaign({ count: 1 });
    const frame = await partnerPage({ campaign: setup.campaign, key: setup.keys.publicKey.keyString, collector: COLLECTOR });
    const doc = frame.contentDocument!;
    const violations: string[] = [];
    doc.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    const element = doc.querySelector('secure-sign')!;
    await waitUntil(() => element.shadowRoot?.querySelector('form'), 'bundle did not render the form (SRI or CSP?)', { timeout: 10000 });
    const scripts = frame.contentWindow!.performance.getEntriesByType('resource').map((e) => e.name);
    expect(scripts.some((name) => name.endsWith('/__dist/secure-sign.js'))).to.equal(true);
    expect(lazyRequests(frame), 'libsodium requested before any interaction').to.deep.equal([]);

    const root = element.shadowRoot!;
    const name = root.querySelector<HTMLInputElement>('[name="name"]')!;
    name.focus();
    await waitUntil(() => lazyRequests(frame).length === 1, 'crypto chunk not loaded on interaction', { timeout: 10000 });
    name.value = 'Bundle Tester';
    const email = root.querySelector<HTMLInputElement>('[name="email"]')!;
    email.value = 'bundle@example.org';
    root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => root.querySelector('[part="receipt"]'), 'no success with the strict CSP', { timeout: 15000 });
    const { stored } = await control({ op: 'log', campaign: setup.campaign });
    expect(stored).to.have.length(1);
    const opened = await openSubmission(setup.keys, stored[0].envelope);
    expect(opened.signer.name).to.equal('Bundle Tester');
    expect(violations).to.deep.equal([]);
    frame.remove();
  });
});
