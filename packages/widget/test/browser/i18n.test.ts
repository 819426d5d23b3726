import { expect } from '@open-wc/testing';
import { ar } from '../../src/i18n/ar.js';
import { de } from '../../src/i18n/de.js';
import { en } from '../../src/i18n/en.js';
import { es } from '../../src/i18n/es.js';
import { fr } from '../../src/i18n/fr.js';
import { pt } from '../../src/i18n/pt.js';
import type { Translation } from '../../src/i18n/translation.js';
import { accessible, mount, q, setupCampaign, submit, type, waitUntil } from './helpers.js';

const translations: Translation[] = [en, fr, de, es, pt, ar];

describe('<secure-sign> languages', () => {
  for (const t of translations) {
    it(`${t.lang}: every label, the count and errors come from the translation; axe passes`, async () => {
      const setup = await setupCampaign({ count: 3, goal: 50 });
      const element = await mount(setup, { lang: t.lang });
      await waitUntil(() => q(element, 'button[type="submit"]')?.textContent?.trim() === t.submit, 'not translated');
      const base = q(element, '.base')!;
      expect(base.getAttribute('lang')).to.equal(t.lang);
      expect(base.getAttribute('dir')).to.equal(t.dir);
      expect(getComputedStyle(q(element, 'form')!).direction).to.equal(t.dir);
      expect(q(element, 'label[for="ss-name"]')!.textContent!.trim()).to.equal(t.name);
      expect(q(element, '.count-text')!.textContent).to.equal(t.goal(3, 50));
      expect(q(element, 'details[part="verify"] summary')!.textContent!.trim()).to.equal(t.verifyTitle);
      submit(element);
      await waitUntil(() => q(element, '#ss-name-error'), 'no error');
      expect(q(element, '#ss-name-error')!.textContent).to.equal(t.errorRequired);
      await accessible(element);
    });
  }

  it('follows the page language when the attribute is absent, and falls back to English', async () => {
    const setup = await setupCampaign();
    const german = await mount(setup, {}, 'de-AT');
    await waitUntil(() => q(german, 'button[type="submit"]')?.textContent?.trim() === de.submit, 'page language ignored');
    const unknown = await mount(setup, { lang: 'tlh' });
    expect(q(unknown, 'button[type="submit"]')!.textContent!.trim()).to.equal(en.submit);
  });

  it('lets the partner override any string, by JSON attribute or property', async () => {
    const setup = await setupCampaign({ count: 7 });
    const element = await mount(setup, { lang: 'fr', strings: JSON.stringify({ submit: 'Ajouter mon nom', count: '{count} soutiens' }) });
    await waitUntil(() => q(element, 'button[type="submit"]')?.textContent?.trim() === 'Ajouter mon nom', 'override ignored');
    expect(q(element, '.count-text')!.textContent).to.equal('7 soutiens');
    expect(q(element, 'label[for="ss-name"]')!.textContent!.trim()).to.equal(fr.name);
    element.strings = { name: 'Your name', dir: 'sideways' as never };
    await waitUntil(() => q(element, 'label[for="ss-name"]')?.textContent?.trim() === 'Your name', 'property override ignored');
    expect(q(element, '.base')!.getAttribute('dir')).to.equal('ltr');
  });

  it('French: a narrow no-break space before ":", ";", "?" and "!", in the strings and the receipt', async () => {
    const texts = Object.values(fr)
      .map((value) => (typeof value === 'function' ? [value(1), value(3, 10)].join(' ') : String(value)))
      .join('\n');
    const before = [...texts.matchAll(/(.)([:;?!])/gu)].map((m) => m[1]);
    expect(before.length, 'no French string has such punctuation').to.be.greaterThan(0);
    expect(before.filter((c) => c !== '\u202f'), texts).to.deep.equal([]);
    // The receipt's label is followed by the id: the colon comes from the translation, not a template.
    const setup = await setupCampaign();
    const element = await mount(setup, { lang: 'fr' });
    await waitUntil(() => q(element, 'button[type="submit"]')?.textContent?.trim() === fr.submit, 'not translated');
    type(element, 'name', 'Camille Martin');
    type(element, 'email', 'camille@example.org');
    submit(element);
    await waitUntil(() => q(element, '[part="receipt"]'), 'no receipt');
    expect(q(element, '[part="receipt"]')!.textContent!.replace(/[ \n\t]+/g, ' ')).to.match(/^Reçu\u202f: [0-9A-Za-z_-]+$/);
  });

  it('uses Arabic plural forms', () => {
    expect(ar.count(0)).to.equal('لا توقيعات');
    expect(ar.count(2)).to.equal('توقيعان');
    expect(en.count(1)).to.equal('1 signature');
  });
});

describe('<secure-sign> registration', () => {
  it('warns instead of throwing when the element is defined twice on a page', async () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (message: string) => warnings.push(message);
    try {
      // A second copy of the registration module, as a second partner snippet would load.
      await import(`../../src/secure-sign.ts?second-snippet=${Date.now()}`);
    } finally {
      console.warn = original;
    }
    expect(customElements.get('secure-sign')).to.exist;
    expect(warnings.join('\n')).to.include('already defined');
  });
});
