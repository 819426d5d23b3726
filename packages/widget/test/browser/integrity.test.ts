// Integrity a signer can see (issue 10): the signer wall is refused when it has expired or when a
// collector serves an older one than this browser has verified, it says when it was issued, and
// "Verify encryption" shows the campaign key's fingerprint and where the campaign publishes it.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { ar } from '../../src/i18n/ar.js';
import { de } from '../../src/i18n/de.js';
import { en } from '../../src/i18n/en.js';
import { es } from '../../src/i18n/es.js';
import { fr } from '../../src/i18n/fr.js';
import { pt } from '../../src/i18n/pt.js';
import { WALL_SERIAL_KEY_PREFIX } from '../../src/parts/wall.js';
import { accessible, Capture, COLLECTOR, control, mount, q, root, setupCampaign, signedWall, type Setup, waitUntil } from './helpers.js';

const DAY = 86_400_000;
const entries = [{ name: 'Amina Haddad', kind: 'individual', country: 'MA', comment: 'Privacy is a right.' }];

afterEach(() => {
  for (const key of Object.keys(localStorage)) if (key.startsWith(WALL_SERIAL_KEY_PREFIX)) localStorage.removeItem(key);
});

/** Publishes `wall` on the fake collector, mounts a widget and asks for the wall. */
async function showWall(setup: Setup, wall: string, attributes: Record<string, string> = {}): Promise<Element> {
  await control({ op: 'setup', campaign: setup.campaign, kid: setup.keys.publicKey.keyId, wall });
  const element = await mount(setup, attributes);
  q<HTMLButtonElement>(element, '.wall button')!.click();
  await waitUntil(() => q(element, '.wall h3, [part="wall-refused"]') || !q(element, '.wall'), 'the wall did not answer');
  return element;
}

const serialKey = (campaign: string): string => `${WALL_SERIAL_KEY_PREFIX}${COLLECTOR}|${campaign}`;

describe('<secure-sign> wall freshness', () => {
  it('shows when the wall was issued, as a relative time, and remembers only its serial', async () => {
    const setup = await setupCampaign();
    const issuedAt = new Date(Date.now() - 2 * DAY - 3_600_000);
    const element = await showWall(setup, await signedWall(setup.keys, setup.campaign, entries, { serial: 4, issuedAt }));
    expect(root(element).querySelectorAll('[part="wall-entry"]')).to.have.length(1);
    const updated = q(element, '[part="wall-updated"] time')!;
    expect(updated.textContent!.trim()).to.equal('Updated 2 days ago');
    expect(updated.getAttribute('datetime')).to.equal(issuedAt.toISOString());
    // What this browser keeps: the serial, under the collector and campaign, and nothing else.
    expect(Object.keys(localStorage).filter((k) => k.startsWith(WALL_SERIAL_KEY_PREFIX))).to.deep.equal([serialKey(setup.campaign)]);
    expect(localStorage.getItem(serialKey(setup.campaign))).to.equal('4');
    await accessible(element);
  });

  for (const [t, expected] of [
    [en, 'Updated 3 days ago'],
    [fr, 'Mis à jour il y a 3 jours'],
    [de, 'Aktualisiert vor 3 Tagen'],
    [es, 'Actualizado hace 3 días'],
    [pt, 'Atualizado há 3 dias'],
    [ar, `حُدِّثت ${new Intl.RelativeTimeFormat('ar', { numeric: 'auto' }).format(-3, 'day')}`],
  ] as const) {
    it(`${t.lang}: says when the wall was issued in the signer's language`, async () => {
      const setup = await setupCampaign();
      const wall = await signedWall(setup.keys, setup.campaign, entries, { issuedAt: new Date(Date.now() - 3 * DAY - 60_000) });
      const element = await showWall(setup, wall, { lang: t.lang });
      await waitUntil(() => q(element, '[part="wall-updated"]'), 'no issue date');
      expect(q(element, '[part="wall-updated"] time')!.textContent!.trim()).to.equal(expected);
      expect(q(element, '.wall h3')!.textContent).to.equal(t.wallTitle);
    });
  }

  it('refuses an expired wall: nothing from it is shown, a translated message is', async () => {
    const setup = await setupCampaign();
    const capture = new Capture().start();
    try {
      const wall = await signedWall(setup.keys, setup.campaign, entries, {
        serial: 2,
        issuedAt: new Date(Date.now() - 40 * DAY),
        validUntil: new Date(Date.now() - 10 * DAY),
      });
      const element = await showWall(setup, wall, { lang: 'fr' });
      expect(q(element, '[part="wall-refused"]')!.textContent).to.equal(fr.wallExpired);
      expect(root(element).textContent).not.to.include('Amina');
      expect(q(element, '[part="wall-entry"], [part="wall-updated"]')).to.equal(null);
      expect(capture.console.join('\n')).to.include('signer wall has expired');
      // An expired wall does not raise the remembered serial.
      expect(localStorage.getItem(serialKey(setup.campaign))).to.equal(null);
      await accessible(element);
    } finally {
      capture.stop();
    }
  });

  it('refuses a wall older than one this browser has verified, and accepts the same or a newer one', async () => {
    const setup = await setupCampaign();
    const newer = await signedWall(setup.keys, setup.campaign, [{ name: 'Fresh Entry', kind: 'individual' }], { serial: 7 });
    const first = await showWall(setup, newer);
    await waitUntil(() => root(first).textContent!.includes('Fresh Entry'), 'the current wall was not shown');
    expect(localStorage.getItem(serialKey(setup.campaign))).to.equal('7');

    // The collector (or anyone with the staff token) puts back an older, validly signed wall.
    const capture = new Capture().start();
    try {
      const older = await signedWall(setup.keys, setup.campaign, [{ name: 'Erased Signer', kind: 'individual' }], { serial: 6 });
      const element = await showWall(setup, older);
      expect(q(element, '[part="wall-refused"]')!.textContent).to.equal(en.wallRolledBack);
      expect(root(element).textContent).not.to.include('Erased Signer');
      expect(capture.console.join('\n')).to.include('older signer wall');
      expect(localStorage.getItem(serialKey(setup.campaign))).to.equal('7');
      await accessible(element);
    } finally {
      capture.stop();
    }

    const same = await showWall(setup, newer);
    await waitUntil(() => root(same).textContent!.includes('Fresh Entry'), 'the same wall again was refused');
    const next = await showWall(setup, await signedWall(setup.keys, setup.campaign, [{ name: 'Next Entry', kind: 'individual' }], { serial: 9 }));
    await waitUntil(() => root(next).textContent!.includes('Next Entry'), 'a newer wall was refused');
    expect(localStorage.getItem(serialKey(setup.campaign))).to.equal('9');
  });

  it('remembers serials per collector and campaign: another campaign is not affected', async () => {
    const a = await setupCampaign();
    await showWall(a, await signedWall(a.keys, a.campaign, entries, { serial: 50 }));
    const b = await setupCampaign();
    const element = await showWall(b, await signedWall(b.keys, b.campaign, entries, { serial: 1 }));
    await waitUntil(() => q(element, '[part="wall-entry"]'), 'another campaign was held to the first one\'s serial');
  });
});

describe('<secure-sign> "Verify encryption"', () => {
  const FINGERPRINT = /^(?:[A-Z2-7]{4} ){7}[A-Z2-7]{4}$/;

  it('opens with the keyboard and shows the campaign, the key fingerprint and where it is published', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { 'fingerprint-url': 'https://campaign.example/key' });
    const details = q<HTMLDetailsElement>(element, 'details[part="verify"]')!;
    const summary = details.querySelector('summary')!;
    expect(summary.textContent!.trim()).to.equal('Verify encryption');
    expect(details.open).to.equal(false);
    // Nothing about the key is in the page until it opens: the fingerprint needs the lazy chunk.
    expect(details.textContent).not.to.include(setup.keys.publicKey.fingerprint);

    summary.focus();
    await sendKeys({ press: 'Enter' });
    expect(details.open).to.equal(true);
    await waitUntil(() => details.querySelector('code.fingerprint'), 'no fingerprint');
    const fingerprint = details.querySelector('code.fingerprint')!.textContent!;
    expect(fingerprint).to.equal(setup.keys.publicKey.fingerprint);
    expect(fingerprint).to.match(FINGERPRINT);
    expect([...details.querySelectorAll('dd code')].map((c) => c.textContent)).to.deep.equal([setup.campaign, fingerprint]);
    const link = details.querySelector<HTMLAnchorElement>('dd a')!;
    expect(link.href).to.equal('https://campaign.example/key');
    expect(link.textContent).to.equal('campaign.example/key');
    expect(link.rel).to.equal('noopener noreferrer');
    await accessible(element);

    await sendKeys({ press: 'Enter' });
    expect(details.open).to.equal(false);
  });

  it('without a usable fingerprint-url says where to ask, and tells the partner about a non-https one', async () => {
    for (const url of [undefined, 'http://campaign.example/key', 'javascript:alert(1)']) {
      const setup = await setupCampaign();
      const capture = new Capture().start();
      try {
        const element = await mount(setup, { lang: 'de', ...(url ? { 'fingerprint-url': url } : {}) });
        await waitUntil(() => q(element, 'summary')?.textContent?.trim() === de.verifyTitle, 'not translated');
        q<HTMLElement>(element, 'summary')!.click();
        await waitUntil(() => q(element, 'code.fingerprint'), 'no fingerprint');
        expect(q(element, '.verify a')).to.equal(null);
        expect(q(element, '.verify dd:last-of-type')!.textContent!.trim()).to.equal(de.verifyNoUrl);
        expect(capture.console.some((line) => line.includes('"fingerprint-url"'))).to.equal(url !== undefined);
        await accessible(element);
      } finally {
        capture.stop();
      }
    }
  });

  it('is not offered when the key is invalid', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { 'campaign-key': 'hello' });
    expect(q(element, 'details')).to.equal(null);
  });
});
