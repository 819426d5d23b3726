// The signer's receipt and withdrawal (issue 11): the widget seals with a withdrawal secret, and the
// success screen offers "Save my receipt" (a file made and downloaded only when pressed, holding the
// collector's log receipt, the log key and the withdrawal code, nothing typed), one sentence on what
// it proves, and a link to the collector's withdrawal page, in every language; accessible.
import { expect, oneEvent } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import { withdrawalHash } from '@secure-sign/crypto';
import { receiptStrings } from '../../src/i18n/receipt.js';
import { LANGUAGES } from '../../src/i18n/translation.js';
import { accessible, Capture, COLLECTOR, control, mount, q, setupCampaign, submit, type, waitUntil, watchDownloads } from './helpers.js';

const TYPED = { name: 'Ileana Vasquez-Ohm', email: 'ileana.vo@private-mail.example', comment: 'Signing for my sister, too' };

async function sign(element: HTMLElement): Promise<string> {
  q(element, '[name="name"]')!.focus();
  type(element, 'name', TYPED.name);
  type(element, 'email', TYPED.email);
  if (q(element, '[name="comment"]')) type(element, 'comment', TYPED.comment);
  const success = oneEvent(element, 'secure-sign-success');
  submit(element);
  return (await success).detail.sid;
}

afterEach(async () => {
  await emulateMedia({ colorScheme: 'light' });
});

describe('<secure-sign> receipt', () => {
  it('saves the receipt file only when asked: the log receipt, the log key and the withdrawal code, nothing typed', async () => {
    const setup = await setupCampaign({ logEntries: 3 });
    const downloads = watchDownloads();
    const capture = new Capture().start();
    try {
      const element = await mount(setup, { fields: 'comment' });
      const sid = await sign(element);
      await waitUntil(() => q(element, '[part="save-receipt"]'), 'no "Save my receipt" button');
      // Nothing was made, downloaded or stored before the signer asks.
      expect(downloads.blobs()).to.equal(0);
      expect(Capture.storage()).not.to.include(sid);
      const button = q<HTMLButtonElement>(element, '[part="save-receipt"]')!;
      expect(button.textContent!.trim()).to.equal(receiptStrings.en.saveReceipt);
      expect(q(element, `#${button.getAttribute('aria-describedby')}`)!.textContent).to.equal(receiptStrings.en.receiptExplains);

      button.click();
      await waitUntil(() => downloads.files.length === 1, 'nothing was downloaded');
      const { name, href } = downloads.files[0]!;
      const text = await (await fetch(href)).text();
      const file = JSON.parse(text);
      const { stored, vkey } = await control({ op: 'log', campaign: setup.campaign });
      const { receipt, envelope } = stored[0];
      expect(name).to.equal(`secure-sign-receipt-${setup.campaign}-3.json`);
      const secret = String(file.withdrawal?.code).split('.')[1]!;
      expect(file).to.deep.equal({
        secureSignReceipt: 1,
        collector: COLLECTOR,
        campaign: setup.campaign,
        sid,
        receivedAt: receipt.receivedAt,
        log: { origin: receipt.log.origin, vkey, index: 3, entry: receipt.log.entry, promise: receipt.log.promise },
        withdrawal: { code: `${sid}.${secret}`, page: `${COLLECTOR}/v1/campaigns/${setup.campaign}/withdraw` },
      });
      // The secret is the one the stored envelope is bound to, and was never stored or sent.
      expect(withdrawalHash(secret)).to.equal(envelope.wh);
      expect(Capture.storage()).not.to.include(secret);
      const { log } = await control({ op: 'log', campaign: setup.campaign });
      expect(JSON.stringify(log)).not.to.include(secret);
      expect(capture.console.join('\n') + capture.events.join('\n')).not.to.include(secret);
      for (const value of Object.values(TYPED)) expect(text).not.to.include(value);

      const withdraw = q<HTMLAnchorElement>(element, '[part="withdraw"]')!;
      expect(withdraw.href).to.equal(file.withdrawal.page);
      expect(withdraw.target).to.equal('_blank');
      expect(withdraw.textContent).to.equal(receiptStrings.en.withdraw);
    } finally {
      downloads.stop();
      capture.stop();
    }
  });

  it('offers no receipt when the collector answers without a log receipt, and says why on the console', async () => {
    const setup = await setupCampaign({ legacy: true });
    const capture = new Capture().start();
    try {
      const element = await mount(setup);
      await sign(element);
      await waitUntil(() => q(element, '[part="receipt"]'), 'no success screen');
      await waitUntil(() => capture.console.some((line) => line.includes('no well-formed log receipt')), 'no console message');
      expect(q(element, '[part="save-receipt"]')).to.equal(null);
      expect(q(element, '[part="withdraw"]')).to.equal(null);
    } finally {
      capture.stop();
    }
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`success screen with the receipt button and withdrawal link meets axe rules in the ${scheme} theme`, async () => {
      await emulateMedia({ colorScheme: scheme });
      const setup = await setupCampaign();
      const element = await mount(setup);
      await sign(element);
      await waitUntil(() => q(element, '[part="save-receipt"]'), 'no "Save my receipt" button');
      await accessible(element);
    });
  }

  for (const lang of LANGUAGES) {
    it(`${lang}: the button, the sentence and the link are translated`, async () => {
      const setup = await setupCampaign();
      const element = await mount(setup, { lang, fields: '' });
      await sign(element);
      await waitUntil(() => q(element, '[part="save-receipt"]'), 'no "Save my receipt" button');
      const strings = receiptStrings[lang];
      expect(q(element, '[part="save-receipt"]')!.textContent!.trim()).to.equal(strings.saveReceipt);
      expect(q(element, '#ss-receipt-note')!.textContent).to.equal(strings.receiptExplains);
      expect(q(element, '[part="withdraw"]')!.textContent).to.equal(strings.withdraw);
    });
  }

  it('a partner can override the receipt strings with the strings attribute', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { strings: JSON.stringify({ saveReceipt: 'Keep my proof', withdraw: 'Take my name back' }) });
    await sign(element);
    await waitUntil(() => q(element, '[part="save-receipt"]'), 'no "Save my receipt" button');
    expect(q(element, '[part="save-receipt"]')!.textContent!.trim()).to.equal('Keep my proof');
    expect(q(element, '[part="withdraw"]')!.textContent).to.equal('Take my name back');
  });
});
