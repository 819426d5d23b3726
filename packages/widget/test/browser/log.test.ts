// The count from the signed checkpoint (issue 11): with `log-key`, the widget shows the count line
// of the campaign log's latest checkpoint, verified in the browser against that key (WebCrypto
// Ed25519), marked as checked; a checkpoint that does not verify hides the count and tells the
// partner why; without `log-key` nothing changes. The fake collector signs its checkpoints with
// node:crypto from the C2SP specs, independently of the widget's code.
import { expect, oneEvent } from '@open-wc/testing';
import { receiptStrings } from '../../src/i18n/receipt.js';
import { Capture, control, mount, q, setupCampaign, submit, type, waitUntil, watchDownloads } from './helpers.js';

const checkpointRequests = async (campaign: string): Promise<number> =>
  (await control({ op: 'log', campaign })).log.filter((entry: { path: string }) => entry.path.endsWith('/log/checkpoint')).length;

describe('<secure-sign> count from the signed checkpoint', () => {
  it("shows the verified checkpoint's count, marked as checked, then the next one after signing; the receipt names that key", async () => {
    const setup = await setupCampaign({ count: 1289, logEntries: 7 });
    const { vkey } = await control({ op: 'log', campaign: setup.campaign });
    const downloads = watchDownloads();
    try {
      const element = await mount(setup, { 'log-key': vkey });
      await waitUntil(() => q(element, '.count-verified'), 'the count was not verified');
      expect(q(element, '.count-text')!.textContent).to.equal('7 signatures');
      expect(q(element, '.count-verified')!.textContent).to.equal(receiptStrings.en.countVerified);

      q(element, '[name="name"]')!.focus();
      type(element, 'name', 'Per Lindqvist');
      type(element, 'email', 'per@example.org');
      const success = oneEvent(element, 'secure-sign-success');
      submit(element);
      await success;
      // The collector's next checkpoint counts the new signature (the widget asks again after 2 s).
      await waitUntil(() => q(element, '.count-text')?.textContent === '8 signatures' && q(element, '.count-verified'), 'the new checkpoint was not shown');

      await waitUntil(() => q(element, '[part="save-receipt"]'), 'no "Save my receipt" button');
      q(element, '[part="save-receipt"]')!.click();
      await waitUntil(() => downloads.files.length === 1, 'nothing was downloaded');
      const file = JSON.parse(await (await fetch(downloads.files[0]!.href)).text());
      expect(file.log.vkey).to.equal(vkey);
    } finally {
      downloads.stop();
    }
  });

  const refusals = [
    { what: 'signed by another key', options: { checkpoint: 'wrong-key' as const }, key: (vkey: string) => vkey, says: 'does not verify against the "log-key"' },
    { what: 'altered after signing (a raised count)', options: { checkpoint: 'tampered' as const }, key: (vkey: string) => vkey, says: 'does not verify against the "log-key"' },
    { what: 'a key whose name was edited (its key id no longer matches)', options: {}, key: (vkey: string) => vkey.replace(/\/test-[^+]*\+/, '/another-campaign+'), says: 'not a log verifier key' },
    { what: 'not a key at all', options: {}, key: () => 'hello', says: 'not a log verifier key' },
  ];
  for (const { what, options, key, says } of refusals) {
    it(`hides the count when the checkpoint does not verify: ${what}; tells the partner why`, async () => {
      const capture = new Capture().start();
      try {
        const setup = await setupCampaign({ count: 1289, logEntries: 7, ...options });
        const { vkey } = await control({ op: 'log', campaign: setup.campaign });
        const element = await mount(setup, { 'log-key': key(vkey) });
        await waitUntil(() => capture.console.some((line) => line.includes(says)), 'no console message');
        await waitUntil(() => !q(element, '.count'), 'the count is still shown');
        expect(q(element, '.count-verified')).to.equal(null);
        expect(capture.console.join('\n')).to.include('so the count is not shown');
        // The form still works: only the count is withheld.
        expect(q(element, 'form')).to.exist;
      } finally {
        capture.stop();
      }
    });
  }

  it("hides the count when the key is another campaign's valid log key", async () => {
    const capture = new Capture().start();
    try {
      const other = await setupCampaign({ logEntries: 2 });
      const { vkey: otherKey } = await control({ op: 'log', campaign: other.campaign });
      const setup = await setupCampaign({ count: 1289, logEntries: 7 });
      const element = await mount(setup, { 'log-key': otherKey });
      await waitUntil(() => capture.console.some((line) => line.includes(`not of campaign "${setup.campaign}"'s log`)), 'no console message');
      await waitUntil(() => !q(element, '.count'), 'the count is still shown');
      expect(await checkpointRequests(setup.campaign)).to.equal(0);
    } finally {
      capture.stop();
    }
  });

  it('hides the count in a browser without WebCrypto Ed25519, and says so', async () => {
    const capture = new Capture().start();
    const importKey = crypto.subtle.importKey;
    crypto.subtle.importKey = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['importKey']>) {
      const algorithm = args[2] as { name?: string } | string;
      if ((typeof algorithm === 'string' ? algorithm : algorithm.name) === 'Ed25519') return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
      return importKey.apply(this, args as never);
    } as SubtleCrypto['importKey'];
    try {
      const setup = await setupCampaign({ count: 1289, logEntries: 7 });
      const { vkey } = await control({ op: 'log', campaign: setup.campaign });
      const element = await mount(setup, { 'log-key': vkey });
      await waitUntil(() => capture.console.some((line) => line.includes('cannot verify Ed25519 signatures')), 'no console message');
      await waitUntil(() => !q(element, '.count'), 'the count is still shown');
    } finally {
      crypto.subtle.importKey = importKey;
      capture.stop();
    }
  });

  it('keeps the collector’s own number, unmarked, while no checkpoint is served yet', async () => {
    const setup = await setupCampaign({ count: 1289, logEntries: 7, checkpoint: 'none' });
    const { vkey } = await control({ op: 'log', campaign: setup.campaign });
    const element = await mount(setup, { 'log-key': vkey });
    await waitUntil(async () => (await checkpointRequests(setup.campaign)) === 1, 'the checkpoint was not asked for');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(q(element, '.count-text')!.textContent).to.equal('1,289 signatures');
    expect(q(element, '.count-verified')).to.equal(null);
  });

  it('without log-key shows the collector’s count as before and asks for no checkpoint', async () => {
    const setup = await setupCampaign({ count: 1289, logEntries: 7 });
    const element = await mount(setup);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(q(element, '.count-text')!.textContent).to.equal('1,289 signatures');
    expect(q(element, '.count-verified')).to.equal(null);
    expect(await checkpointRequests(setup.campaign)).to.equal(0);
  });
});
