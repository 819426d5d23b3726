// Keyboard-only use, visible focus, reduced motion and contrast of both themes, with real key
// presses and media emulation from the test runner (not synthetic events).
import { expect } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { openSubmission, type Envelope } from '@secure-sign/crypto';
import { accessible, control, mount, q, root, setupCampaign, submit, waitUntil } from './helpers.js';

const active = (element: Element): Element | null => root(element).activeElement;

afterEach(async () => {
  await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
});

describe('<secure-sign> accessibility', () => {
  it('can be filled and submitted with the keyboard alone, with a visible focus ring', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { fields: 'comment' });
    q<HTMLInputElement>(element, 'input[value="individual"]')!.focus();
    await sendKeys({ press: 'Tab' });
    expect(active(element)?.getAttribute('name')).to.equal('name');
    const outline = getComputedStyle(active(element)!);
    expect(outline.outlineStyle).to.equal('solid');
    expect(outline.outlineWidth).to.equal('3px');
    await sendKeys({ type: 'Kofi Mensah' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: 'kofi@example.org' });
    await sendKeys({ press: 'Tab' }); // comment
    await sendKeys({ type: 'Typed with keys' });
    await sendKeys({ press: 'Tab' }); // list publicly
    expect(active(element)?.getAttribute('name')).to.equal('listPublicly');
    await sendKeys({ press: 'Space' });
    await sendKeys({ press: 'Tab' }); // contact later
    await sendKeys({ press: 'Tab' }); // submit
    expect(active(element)?.getAttribute('type')).to.equal('submit');
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => q(element, '[part="receipt"]'), 'keyboard submission failed');
    const { stored } = await control({ op: 'log', campaign: setup.campaign });
    const opened = await openSubmission(setup.keys, stored[0].envelope as Envelope);
    expect(opened.signer).to.deep.include({ name: 'Kofi Mensah', email: 'kofi@example.org', comment: 'Typed with keys' });
    expect(opened.signer.consent).to.deep.equal({ listPublicly: true, contactLater: false });
  });

  it('respects prefers-reduced-motion', async () => {
    const setup = await setupCampaign({ count: 10, goal: 100 });
    const element = await mount(setup);
    const bar = q(element, '.progress-bar')!;
    expect(getComputedStyle(bar).transitionDuration).to.equal('0.6s');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(getComputedStyle(bar).transitionDuration).to.equal('0s');
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`meets contrast and axe rules in the ${scheme} theme, with errors shown`, async () => {
      await emulateMedia({ colorScheme: scheme });
      const setup = await setupCampaign({ count: 10, goal: 100 });
      const element = await mount(setup, { 'privacy-url': 'https://campaign.example/privacy' });
      const background = getComputedStyle(q(element, '.base')!).backgroundColor;
      expect(background).to.equal(scheme === 'dark' ? 'rgb(22, 27, 34)' : 'rgb(255, 255, 255)');
      submit(element);
      await waitUntil(() => q(element, '#ss-name-error'), 'no errors');
      await accessible(element);
    });
  }

  it('follows theme="dark" whatever the system setting', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { theme: 'dark' });
    expect(getComputedStyle(q(element, '.base')!).backgroundColor).to.equal('rgb(22, 27, 34)');
    await accessible(element);
  });
});
