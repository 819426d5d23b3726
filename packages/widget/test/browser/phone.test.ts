// Issue 19 (a phone on a slow connection): the form shows before the campaign's answer, which is a
// whole round trip away there, and English counts are grouped without Intl (whose first use loads
// ICU's data in the task that renders the form) but exactly as Intl.NumberFormat('en') does.
import { expect } from '@open-wc/testing';
import { enFirst } from '../../src/i18n/en-first.js';
import { COLLECTOR, q, setupCampaign, waitUntil } from './helpers.js';
import type { SecureSign } from '../../src/secure-sign.component.js';

/** Holds the widget's request for the campaign's facts until `release()`; other requests pass. */
function holdCampaignAnswer(campaign: string): { release: () => void; restore: () => void; asked: () => boolean } {
  const original = window.fetch;
  let release!: () => void;
  let asked = false;
  const gate = new Promise<void>((resolve) => (release = resolve));
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).pathname.endsWith(`/v1/campaigns/${campaign}`)) {
      asked = true;
      await gate;
    }
    return original(input, init);
  };
  return { release, restore: () => (window.fetch = original), asked: () => asked };
}

function place(campaign: string, key: string): SecureSign {
  const element = document.createElement('secure-sign') as SecureSign;
  element.setAttribute('campaign', campaign);
  element.setAttribute('campaign-key', key);
  element.setAttribute('collector', COLLECTOR);
  document.body.append(element);
  return element;
}

describe('on a slow connection (issue 19)', () => {
  it('shows the form while the campaign answer is on its way, the count loading, then the count', async () => {
    const setup = await setupCampaign({ count: 1289 });
    const held = holdCampaignAnswer(setup.campaign);
    const element = place(setup.campaign, setup.keys.publicKey.keyString);
    try {
      await waitUntil(() => held.asked() && q(element, 'button[type="submit"]'), 'no form before the campaign answered');
      // Still no answer: the count's place says it is loading.
      expect(q(element, '.base > .note .spinner'), 'no loading note for the count').to.exist;
      expect(q(element, '.count')).to.equal(null);
      held.release();
      await waitUntil(() => q(element, '.count-text'), 'no count after the answer');
      expect(q(element, '.count-text')!.textContent).to.equal('1,289 signatures');
      expect(q(element, '.base > .note .spinner')).to.equal(null);
      expect(q(element, 'button[type="submit"]')).to.exist;
    } finally {
      held.restore();
      held.release();
      element.remove();
    }
  });

  it('replaces the form it showed early when the answer says the campaign is closed', async () => {
    const setup = await setupCampaign({ open: false });
    const held = holdCampaignAnswer(setup.campaign);
    const element = place(setup.campaign, setup.keys.publicKey.keyString);
    try {
      await waitUntil(() => held.asked() && q(element, 'button[type="submit"]'), 'no form before the campaign answered');
      held.release();
      await waitUntil(() => !q(element, 'form'), 'the form stayed for a closed campaign');
      expect(q(element, '[part="status"]')!.textContent).to.contain('no longer accepts signatures');
    } finally {
      held.restore();
      held.release();
      element.remove();
    }
  });

  it('groups English counts as Intl.NumberFormat does, without Intl', () => {
    const intl = new Intl.NumberFormat('en');
    for (const n of [0, 2, 12, 999, 1000, 1289, 10000, 123456, 1234567, 98765432, 1000000000]) {
      expect(enFirst.count(n), String(n)).to.equal(`${intl.format(n)} signatures`);
      expect(enFirst.goal(n, 2000000), String(n)).to.equal(`${intl.format(n)} of 2,000,000 signatures`);
    }
    expect(enFirst.count(1)).to.equal('1 signature');
  });

  it('renders the form in parts, in tasks of their own, and updateComplete waits for the whole', async () => {
    const setup = await setupCampaign();
    const element = place(setup.campaign, setup.keys.publicKey.keyString);
    // Mutation observers are called at the end of the task (in a microtask) that rendered: what
    // the first call that sees the Sign button sees is what that task rendered. A timer set then
    // fires in a later task, before the one that renders the rest if that one is later.
    let first: { over: boolean; partial: boolean } | undefined;
    let restInFirstTask: boolean | undefined;
    const observer = new MutationObserver(() => {
      if (!first && q(element, 'button[type="submit"]')) {
        const task = (first = { over: false, partial: !q(element, '[name="comment"]') && !q(element, '.verify') });
        setTimeout(() => (task.over = true));
      }
      if (first && restInFirstTask === undefined && q(element, '[name="comment"]')) restInFirstTask = !first.over;
    });
    try {
      observer.observe(element.renderRoot, { childList: true, subtree: true });
      await waitUntil(() => q(element, 'button[type="submit"]'), 'no form');
      await element.updateComplete;
      // After updateComplete, all of it.
      for (const selector of ['[name="name"]', '[name="email"]', '[name="comment"]', '[name="country"]', '[name="contactLater"]', '.verify', '.wall button']) {
        expect(q(element, selector), selector).to.exist;
      }
      expect(first!.partial, 'the whole form in the first render').to.equal(true);
      expect(restInFirstTask, 'the rest in the same task as the first fields').to.equal(false);
    } finally {
      observer.disconnect();
      element.remove();
    }
  });
});
