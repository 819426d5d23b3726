// Failing clearly, never silently (issue 12): an origin the campaign does not accept, another
// campaign's key, a collector that cannot be reached or is down, each told to the partner for what
// it is (a connection lost before the first tap: offline.test.ts); and the manners: relative privacy link, the page's colour scheme,
// "Copy link", two widgets on one page.
import { expect } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import { en } from '../../src/i18n/en.js';
import { QUEUE_KEY_PREFIX } from '../../src/queue.js';
import { Capture, control, mount, q, root, setupCampaign, signedWall, submit, type, waitUntil } from './helpers.js';

// The same dev server under another host name is another origin: the collector as partners have it.
const OTHER_ORIGIN = location.hostname === 'localhost' ? location.origin.replace('//localhost', '//127.0.0.1') : location.origin.replace(`//${location.hostname}`, '//localhost');

afterEach(async () => {
  await control({ op: 'network', down: false });
  for (const key of Object.keys(localStorage)) if (key.startsWith(QUEUE_KEY_PREFIX)) localStorage.removeItem(key);
});

const fill = (element: Element): void => {
  type(element, 'name', 'Noor Alami');
  type(element, 'email', 'noor@example.org');
};

describe('<secure-sign> fails clearly', () => {
  it('refuses at load on a page whose origin is not registered, and names the command that registers it', async () => {
    const capture = new Capture().start();
    try {
      const refused = await setupCampaign({ origins: ['https://partner.example'] });
      const element = await mount(refused, { collector: `${OTHER_ORIGIN}/fake-collector` });
      await waitUntil(() => q(element, '.status.problem'), 'the form is offered although the collector would refuse it');
      expect(q(element, 'form')).to.equal(null);
      expect(q(element, '.status h3')!.textContent).to.equal(en.unavailableTitle);
      await waitUntil(() => capture.console.some((line) => line.includes('campaign set')), 'no console message');
      expect(capture.console.join('\n')).to.include(`\`secure-sign-collector campaign set ${refused.campaign} --origin ${location.origin}\``);

      // Registered: the form works as ever.
      const allowed = await setupCampaign({ origins: [location.origin] });
      const ok = await mount(allowed, { collector: `${OTHER_ORIGIN}/fake-collector` });
      expect(q(ok, 'form')).to.exist;
    } finally {
      capture.stop();
    }
  });

  it('refuses a valid key of another campaign at the first interaction, naming both key ids, and sends nothing', async () => {
    const capture = new Capture().start();
    try {
      const setup = await setupCampaign({ kid: 'aaaaaaaaaaaaaaaa' });
      const element = await mount(setup);
      q(element, '[name="name"]')!.focus();
      await waitUntil(() => q(element, '.status.problem'), 'the wrong key was not noticed before submit');
      await waitUntil(() => capture.console.some((line) => line.includes('key id')), 'no console message');
      const message = capture.console.join('\n');
      expect(message).to.include(setup.keys.publicKey.keyId);
      expect(message).to.include('aaaaaaaaaaaaaaaa');
      expect(message).not.to.include(setup.keys.publicKey.keyString);
      const { stored, log } = await control({ op: 'log', campaign: setup.campaign });
      expect(stored).to.deep.equal([]);
      expect(log.filter((entry: { path: string }) => entry.path.endsWith('/submissions'))).to.deep.equal([]);
    } finally {
      capture.stop();
    }
  });

  it('asks for the campaign again when it could not be reached at load', async () => {
    const setup = await setupCampaign({ count: 41 });
    await control({ op: 'network', down: true });
    const element = await mount(setup);
    expect(q(element, '.count-text')).to.equal(null);
    expect(q(element, 'form')).to.exist;
    await control({ op: 'network', down: false });
    window.dispatchEvent(new Event('online'));
    await waitUntil(() => q(element, '.count-text')?.textContent === '41 signatures', 'the count never arrived');
  });

  it('says a collector that is down is down, not that the wall failed verification; the button tries again', async () => {
    const capture = new Capture().start();
    try {
      const setup = await setupCampaign();
      const wall = await signedWall(setup.keys, setup.campaign, [{ name: 'Amina Haddad', kind: 'individual' }]);
      await control({ op: 'setup', campaign: setup.campaign, kid: setup.keys.publicKey.keyId, wall });
      await control({ op: 'fail', campaign: setup.campaign, failure: 'files-down' });
      const element = await mount(setup);
      q<HTMLButtonElement>(element, '.wall button')!.click();
      await waitUntil(() => capture.console.some((line) => line.includes('signer wall')), 'nothing said');
      const said = capture.console.join('\n');
      expect(said).to.include('could not be fetched');
      expect(said).not.to.include('verified');
      await control({ op: 'fail', campaign: setup.campaign, failure: null });
      await waitUntil(() => !q<HTMLButtonElement>(element, '.wall button')?.disabled, 'no button to try again');
      q<HTMLButtonElement>(element, '.wall button')!.click();
      await waitUntil(() => q(element, '[part="wall-entry"]'), 'the wall was not shown when the collector came back');
    } finally {
      capture.stop();
    }
  });
});

describe('<secure-sign> manners', () => {
  it('resolves a relative privacy-url against the page, and keeps only http(s)', async () => {
    const setup = await setupCampaign();
    const relative = await mount(setup, { 'privacy-url': '/privacy.html' });
    expect(q<HTMLAnchorElement>(relative, 'form a')!.href).to.equal(`${location.origin}/privacy.html`);
    const script = await mount(setup, { 'privacy-url': 'javascript:alert(1)' });
    expect(q(script, 'form a')).to.equal(null);
  });

  it('theme="auto" follows the page\'s color-scheme first, then the system', async () => {
    const setup = await setupCampaign();
    const background = (element: Element): string => getComputedStyle(q(element, '.base')!).backgroundColor;
    const html = document.documentElement;
    try {
      html.style.colorScheme = 'dark';
      expect(background(await mount(setup))).to.equal('rgb(22, 27, 34)');
      expect(background(await mount(setup, { theme: 'light' }))).to.equal('rgb(255, 255, 255)');
      html.style.colorScheme = 'light';
      await emulateMedia({ colorScheme: 'dark' });
      expect(background(await mount(setup))).to.equal('rgb(255, 255, 255)');
      html.style.colorScheme = '';
      expect(background(await mount(setup))).to.equal('rgb(22, 27, 34)');
    } finally {
      html.style.colorScheme = '';
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('"Copy link" says so visibly', async () => {
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (text: string) => void copied.push(text) } });
    try {
      const setup = await setupCampaign();
      const element = await mount(setup, { 'share-url': 'https://campaign.example/letter' });
      fill(element);
      submit(element);
      await waitUntil(() => q(element, '[part="receipt"]'), 'no success');
      const button = [...root(element).querySelectorAll('button')].find((b) => b.textContent!.trim() === en.copyLink)!;
      button.click();
      await waitUntil(() => button.textContent!.trim() === en.copied, 'no visible confirmation');
      expect(copied).to.deep.equal(['https://campaign.example/letter']);
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
    }
  });

  it('two widgets for the same campaign on one page show the same count after a signature', async () => {
    const setup = await setupCampaign({ count: 10, goal: 100 });
    const first = await mount(setup);
    const second = await mount(setup);
    const other = await mount(await setupCampaign({ count: 10, goal: 100 }));
    fill(first);
    submit(first);
    await waitUntil(() => q(first, '[part="receipt"]'), 'no success');
    await waitUntil(() => q(second, '.count-text')?.textContent === '11 of 100 signatures', 'the second widget kept the old count');
    expect(q(first, '.count-text')!.textContent).to.equal('11 of 100 signatures');
    expect(q(other, '.count-text')!.textContent).to.equal('10 of 100 signatures');
  });
});
