// A connection lost before the signer's first tap (issue 12): the encryption code cannot arrive,
// and the form must not stay broken ("not set up correctly") until a reload. A file of its own:
// the lazy chunk must not have been loaded in this page before (the module map keeps it).
import { expect } from '@open-wc/testing';
import { en } from '../../src/i18n/en.js';
import { QUEUE_KEY_PREFIX } from '../../src/queue.js';
import { Capture, control, mount, q, root, setupCampaign, submit, type, waitUntil } from './helpers.js';

afterEach(async () => {
  await control({ op: 'network', down: false });
  for (const key of Object.keys(localStorage)) if (key.startsWith(QUEUE_KEY_PREFIX)) localStorage.removeItem(key);
});

describe('<secure-sign> offline before the first tap', () => {
  it('recovers by itself when the connection drops before the first tap and comes back', async () => {
    const capture = new Capture().start();
    try {
      const setup = await setupCampaign({ count: 4 });
      const element = await mount(setup);
      // The connection drops: the browser says it is offline, and the collector cannot be reached.
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
      await control({ op: 'network', down: true });
      window.dispatchEvent(new Event('offline'));
      q(element, '[name="name"]')!.focus();
      type(element, 'name', 'Noor Alami');
      type(element, 'email', 'noor@example.org');
      submit(element);
      await waitUntil(() => q(element, '.status.problem, [part="status"]'), 'submitting offline did nothing');
      await element.updateComplete;
      // Nothing could be sealed, and it says to try again; never "not set up correctly".
      expect(q(element, '.status h3')!.textContent).to.equal(en.errorTitle);
      expect(q(element, 'form')).to.exist;
      expect(capture.console.join('\n')).not.to.include('could not be parsed');
      // The connection returns.
      delete (navigator as { onLine?: boolean }).onLine;
      await control({ op: 'network', down: false });
      window.dispatchEvent(new Event('online'));
      await waitUntil(() => root(element).querySelectorAll('select[name="country"] option').length > 100, 'the encryption code was not fetched when the connection returned');
      type(element, 'name', 'Noor Alami');
      type(element, 'email', 'noor@example.org');
      submit(element);
      await waitUntil(() => q(element, '[part="receipt"]'), 'no signature after the connection returned');
      expect((await control({ op: 'log', campaign: setup.campaign })).stored).to.have.length(1);
    } finally {
      capture.stop();
    }
  });
});
