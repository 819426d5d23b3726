// E-mail confirmation in the widget (issue 16). The widget seals every signature confirmable: the
// envelope carries `ch`, the sealed plaintext the confirmation secret `cs` (whose SHA-256 is
// `ch`, computed here with WebCrypto, not the library) and the form's language `lang`. When the
// campaign shows confirmed signatures, the count is the confirmed one, worded so, and with
// `log-key` it is checked against the checkpoint's `confirmed` line, which the fake collector
// signs with node:crypto.
import { expect, oneEvent } from '@open-wc/testing';
import { openSubmission, type Envelope } from '@secure-sign/crypto';
import { de } from '../../src/i18n/de.js';
import { en } from '../../src/i18n/en.js';
import { fr } from '../../src/i18n/fr.js';
import { receiptStrings } from '../../src/i18n/receipt.js';
import { QUEUE_KEY_PREFIX } from '../../src/queue.js';
import { Capture, control, mount, q, setupCampaign, submit, type, waitUntil } from './helpers.js';

const sha256Base64Url = async (base64url: string): Promise<string> => {
  const bytes = Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const checkpointRequests = async (campaign: string): Promise<number> =>
  (await control({ op: 'log', campaign })).log.filter((entry: { path: string }) => entry.path.endsWith('/log/checkpoint')).length;

async function sign(element: Element, name: string, email: string): Promise<void> {
  q(element, '[name="name"]')!.focus();
  type(element, 'name', name);
  type(element, 'email', email);
  const success = oneEvent(element, 'secure-sign-success');
  submit(element);
  await success;
}

describe('<secure-sign> seals confirmable signatures', () => {
  for (const lang of ['fr', 'de', 'en']) {
    it(`${lang}: the envelope has ch, the sealed plaintext cs (SHA-256 of cs is ch) and lang ${lang}; the secret is never sent or kept`, async () => {
      const setup = await setupCampaign();
      const capture = new Capture().start();
      try {
        const element = await mount(setup, { lang });
        await sign(element, 'Émilie du Châtelet', 'emilie@example.org');
        const { stored, log } = await control({ op: 'log', campaign: setup.campaign });
        const envelope: Envelope = stored[0].envelope;
        expect(Object.keys(envelope)).to.deep.equal(['v', 'campaign', 'kid', 'sid', 'wh', 'ch', 'ct']);
        expect(envelope.ch).to.match(/^[A-Za-z0-9_-]{43}$/);
        const opened = await openSubmission(setup.keys, envelope, { campaign: setup.campaign });
        expect(opened.lang).to.equal(lang);
        expect(opened.ch).to.equal(envelope.ch);
        const cs = opened.confirmationSecret!;
        expect(cs).to.match(/^[A-Za-z0-9_-]{43}$/);
        expect(await sha256Base64Url(cs)).to.equal(envelope.ch);
        expect(cs).not.to.equal(envelope.ch);
        expect(opened.signer.name).to.equal('Émilie du Châtelet');
        // Only staff (the campaign key) read the secret: no request, storage, event or console line holds it.
        const sent = log.map((entry: { body: string }) => entry.body).join('\n');
        expect(sent).to.include(envelope.ch);
        for (const place of [sent, Capture.storage(), capture.events.join('\n'), capture.console.join('\n'), document.documentElement.outerHTML]) {
          expect(place).not.to.include(cs);
        }
        expect(q(element, '.status')!.textContent).not.to.include(cs);
      } finally {
        capture.stop();
      }
    });
  }

  it('keeps a confirmable envelope offline with its ch, and sends it unchanged when back online', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup);
    await control({ op: 'fail', campaign: setup.campaign, failure: 'offline' });
    q(element, '[name="name"]')!.focus();
    type(element, 'name', 'Kept Offline');
    type(element, 'email', 'kept@example.org');
    const queued = oneEvent(element, 'secure-sign-queued');
    submit(element);
    await queued;
    const key = Object.keys(localStorage).find((k) => k.startsWith(QUEUE_KEY_PREFIX) && k.endsWith(setup.campaign))!;
    const saved: { envelope: Envelope }[] = JSON.parse(localStorage.getItem(key)!);
    expect(saved[0]!.envelope.ch).to.match(/^[A-Za-z0-9_-]{43}$/);
    // A reload reads the queue back (its parser keeps ch): a second widget for the same campaign sends it.
    await control({ op: 'fail', campaign: setup.campaign, failure: null });
    element.remove();
    await mount(setup);
    await waitUntil(async () => (await control({ op: 'log', campaign: setup.campaign })).stored.length === 1, 'the kept envelope was not sent');
    const { stored } = await control({ op: 'log', campaign: setup.campaign });
    expect(stored[0].envelope).to.deep.equal(saved[0]!.envelope);
    const opened = await openSubmission(setup.keys, stored[0].envelope);
    expect(await sha256Base64Url(opened.confirmationSecret!)).to.equal(stored[0].envelope.ch);
  });
});

describe('<secure-sign> confirmed count', () => {
  for (const t of [en, fr, de]) {
    it(`${t.lang}: shows the confirmed count, worded as confirmed signatures, when the campaign asks for it`, async () => {
      const setup = await setupCampaign({ count: 1289, confirmed: 1000, countShown: 'confirmed' });
      const element = await mount(setup, { lang: t.lang });
      await waitUntil(() => q(element, '.count-text')?.textContent === t.confirmed(1000, null), 'the confirmed count is not shown');
      // The words, not only the function: each language says the signatures are confirmed.
      expect(q(element, '.count-text')!.textContent).to.equal({ en: '1,000 confirmed signatures', fr: '1\u202f000 signatures confirmées', de: '1.000 bestätigte Unterschriften' }[t.lang]);
      const withGoal = await setupCampaign({ count: 1289, confirmed: 3, goal: 50, countShown: 'confirmed' });
      const other = await mount(withGoal, { lang: t.lang });
      await waitUntil(() => q(other, '.count-text')?.textContent === t.confirmed(3, 50), 'the confirmed count with its goal is not shown');
      expect(q(other, '[part="progress"]')!.getAttribute('aria-valuenow')).to.equal('3');
      expect(q<HTMLElement>(other, '.progress-bar')!.style.width).to.equal('6%');
    });
  }

  it('shows all signatures, worded as before, when the campaign does not ask for confirmed ones', async () => {
    const setup = await setupCampaign({ count: 1289, confirmed: 1000 });
    const element = await mount(setup);
    await waitUntil(() => q(element, '.count-text')?.textContent === '1,289 signatures', 'the count is not shown');
  });

  it("verifies the confirmed count against the checkpoint's confirmed line, marks it, and a new signature does not raise it", async () => {
    // The log: 7 signatures, 2 of them confirmed; the collector's answer says 3 (a number that the
    // signed checkpoint replaces).
    const setup = await setupCampaign({ count: 7, confirmed: 3, countShown: 'confirmed', logEntries: 7, confirmedEntries: 2 });
    const { vkey } = await control({ op: 'log', campaign: setup.campaign });
    const element = await mount(setup, { 'log-key': vkey });
    await waitUntil(() => q(element, '.count-verified'), 'the confirmed count was not verified');
    expect(q(element, '.count-text')!.textContent).to.equal('2 confirmed signatures');
    expect(q(element, '.count-verified')!.textContent).to.equal(receiptStrings.en.countVerified);

    await sign(element, 'Per Lindqvist', 'per@example.org');
    // The widget asks for the next checkpoint 2 s after signing: it counts 8 signatures, still 2 confirmed.
    await waitUntil(async () => (await checkpointRequests(setup.campaign)) >= 2, 'the next checkpoint was not asked for');
    await element.updateComplete;
    expect(q(element, '.count-text')!.textContent).to.equal('2 confirmed signatures');
    expect(q(element, '.count-verified')).to.exist;
  });

  it("hides the count when the checkpoint's confirmed line was raised after signing, and tells the partner why", async () => {
    const capture = new Capture().start();
    try {
      const setup = await setupCampaign({ count: 7, confirmed: 3, countShown: 'confirmed', logEntries: 7, confirmedEntries: 2, checkpoint: 'tampered-confirmed' });
      const { vkey } = await control({ op: 'log', campaign: setup.campaign });
      const element = await mount(setup, { 'log-key': vkey });
      await waitUntil(() => capture.console.some((line) => line.includes('does not verify against the "log-key"')), 'no console message');
      await waitUntil(() => !q(element, '.count'), 'the count is still shown');
      expect(q(element, 'form')).to.exist;
    } finally {
      capture.stop();
    }
  });

  it("shows the collector's confirmed number unmarked when the checkpoint has no confirmed line", async () => {
    const capture = new Capture().start();
    try {
      const setup = await setupCampaign({ count: 7, confirmed: 3, countShown: 'confirmed', logEntries: 7, confirmedEntries: 2, checkpoint: 'no-confirmed' });
      const { vkey } = await control({ op: 'log', campaign: setup.campaign });
      const element = await mount(setup, { 'log-key': vkey });
      await waitUntil(() => capture.console.some((line) => line.includes('carries no confirmed line')), 'no console message');
      await element.updateComplete;
      expect(q(element, '.count-text')!.textContent).to.equal('3 confirmed signatures');
      expect(q(element, '.count-verified')).to.equal(null);
    } finally {
      capture.stop();
    }
  });

  it("with a campaign showing all signatures, verifies the count line as before, whatever the confirmed line says", async () => {
    const setup = await setupCampaign({ count: 7, confirmed: 3, logEntries: 7, confirmedEntries: 2 });
    const { vkey } = await control({ op: 'log', campaign: setup.campaign });
    const element = await mount(setup, { 'log-key': vkey });
    await waitUntil(() => q(element, '.count-verified'), 'the count was not verified');
    expect(q(element, '.count-text')!.textContent).to.equal('7 signatures');
  });
});
