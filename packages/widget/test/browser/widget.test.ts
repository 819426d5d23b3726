import { expect, oneEvent } from '@open-wc/testing';
import { openSubmission, sealWithdrawable, withdrawalHash, type Envelope } from '@secure-sign/crypto';
import { QUEUE_KEY_PREFIX } from '../../src/queue.js';
import { accessible, Capture, check, control, mount, q, root, setupCampaign, signedWall, status, submit, type, waitUntil } from './helpers.js';

// What a signer types in these tests; none of it may appear outside the form.
const PLAINTEXT = {
  name: 'Zofia Kowalczyk-Brandt',
  email: 'zofia.kb@private-mail.example',
  organisation: 'Lantern Rights Collective',
  role: 'Coordinatrice',
  comment: 'Encryption protects journalists — ćma żółw',
};

function fillValid(element: Element): void {
  type(element, 'name', PLAINTEXT.name);
  type(element, 'email', PLAINTEXT.email);
  type(element, 'role', PLAINTEXT.role);
  type(element, 'country', 'PL');
  type(element, 'comment', PLAINTEXT.comment);
  check(element, 'listPublicly');
}

async function waitForCountries(element: Element): Promise<void> {
  // The country list comes with the lazily loaded chunk, on the first interaction.
  q(element, '[name="name"]')!.focus();
  await waitUntil(() => root(element).querySelectorAll('select[name="country"] option').length > 100, 'countries did not load');
}

afterEach(() => {
  for (const key of Object.keys(localStorage)) if (key.startsWith(QUEUE_KEY_PREFIX)) localStorage.removeItem(key);
});

describe('<secure-sign> form', () => {
  it('shows the live count, goal and an accessible form', async () => {
    const setup = await setupCampaign({ count: 1289, goal: 10000 });
    const element = await mount(setup, { 'privacy-url': 'https://campaign.example/privacy' });
    expect(q(element, '.count-text')!.textContent).to.equal('1,289 of 10,000 signatures');
    const bar = q(element, '[role="progressbar"]')!;
    expect(bar.getAttribute('aria-valuenow')).to.equal('1289');
    expect(q<HTMLAnchorElement>(element, 'a')!.href).to.equal('https://campaign.example/privacy');
    // Consent is never pre-ticked.
    expect(q<HTMLInputElement>(element, '[name="listPublicly"]')!.checked).to.equal(false);
    expect(q<HTMLInputElement>(element, '[name="contactLater"]')!.checked).to.equal(false);
    // Every input has a label.
    for (const input of root(element).querySelectorAll('input:not([type="radio"]), select, textarea')) {
      expect(root(element).querySelector(`label[for="${input.id}"]`), input.id).to.exist;
    }
    await accessible(element);
  });

  it('validates with the crypto core schema, links errors and focuses the first one', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup);
    type(element, 'email', 'not-an-address');
    submit(element);
    await waitUntil(() => q(element, '[aria-invalid="true"]'), 'no errors shown');
    await element.updateComplete;
    const name = q<HTMLInputElement>(element, '#ss-name')!;
    expect(name.getAttribute('aria-invalid')).to.equal('true');
    expect(name.getAttribute('aria-describedby')).to.equal('ss-name-error');
    expect(q(element, '#ss-name-error')!.textContent).to.equal('This field is required.');
    expect(q(element, '#ss-email')!.getAttribute('aria-describedby')).to.equal('ss-email-hint ss-email-error');
    expect(q(element, '#ss-email-error')!.textContent).to.equal('Enter an e-mail address like name@example.org.');
    await waitUntil(() => root(element).activeElement === name, 'focus did not move to the first error');
    expect(status(element)).to.equal('Please correct 2 fields.');
    await accessible(element);
  });

  it('requires the organisation when signing for one, and fields a partner marks required', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { 'required-fields': 'comment', fields: 'organisation,comment' });
    expect(q(element, '[name="role"]')).to.equal(null);
    expect(q(element, '[name="country"]')).to.equal(null);
    q<HTMLInputElement>(element, 'input[value="organisation"]')!.click();
    await element.updateComplete;
    type(element, 'name', PLAINTEXT.name);
    type(element, 'email', PLAINTEXT.email);
    submit(element);
    await waitUntil(() => q(element, '#ss-organisation-error') && q(element, '#ss-comment-error'), 'required fields not enforced');
    expect(q(element, '#ss-name-error')).to.equal(null);
  });

  it('seals in the browser, sends only the envelope, and shows a receipt', async () => {
    const setup = await setupCampaign({ count: 5, goal: 100 });
    const capture = new Capture().start();
    try {
      const element = await mount(setup);
      q<HTMLInputElement>(element, 'input[value="organisation"]')!.click();
      await element.updateComplete;
      type(element, 'organisation', PLAINTEXT.organisation);
      await waitForCountries(element);
      fillValid(element);
      const success = oneEvent(element, 'secure-sign-success');
      submit(element);
      const event = await success;
      await element.updateComplete;
      expect(Object.keys(event.detail).sort()).to.deep.equal(['campaign', 'receivedAt', 'retried', 'sid']);
      expect(q(element, '.status h3')!.textContent).to.equal('Thank you for signing');
      expect(q(element, '[part="receipt"] code')!.textContent).to.equal(event.detail.sid);
      expect(q(element, '.count-text')!.textContent).to.equal('6 of 100 signatures');
      await waitUntil(() => root(element).activeElement === q(element, '.status h3'), 'focus not moved to the success message');
      await accessible(element);

      const { log, stored } = await control({ op: 'log', campaign: setup.campaign });
      expect(stored).to.have.length(1);
      const envelope: Envelope = stored[0].envelope;
      expect(envelope.sid).to.equal(event.detail.sid);
      // Only the campaign's secret key opens it, and it holds exactly what was typed.
      const opened = await openSubmission(setup.keys, envelope, { campaign: setup.campaign });
      expect(opened.signer).to.deep.equal({
        kind: 'organisation',
        name: PLAINTEXT.name,
        email: PLAINTEXT.email,
        organisation: PLAINTEXT.organisation,
        role: PLAINTEXT.role,
        country: 'PL',
        comment: PLAINTEXT.comment,
        consent: { listPublicly: true, contactLater: false },
      });

      // The host page saw ready, start (first interaction) and success, with ids only.
      expect(capture.events.map((e) => e.split(' ')[0])).to.deep.equal(['secure-sign-ready', 'secure-sign-start', 'secure-sign-success']);
      expect(capture.events[0]).to.equal(`secure-sign-ready {"campaign":"${setup.campaign}","open":true}`);
      expect(capture.events[1]).to.equal(`secure-sign-start {"campaign":"${setup.campaign}"}`);

      // Nothing that left the form, or was stored, logged or dispatched, contains what was typed.
      const outside = [
        JSON.stringify(log),
        Capture.storage(),
        capture.events.join('\n'),
        capture.console.join('\n'),
        performance.getEntriesByType('resource').map((e) => e.name).join('\n'),
      ].join('\n');
      expect(log.some((entry: { path: string }) => entry.path.endsWith('/submissions'))).to.equal(true);
      for (const value of [...Object.values(PLAINTEXT), 'Kowalczyk', 'private-mail', 'Lantern', 'journalists']) {
        expect(outside.toLowerCase()).not.to.include(value.toLowerCase());
        expect(outside).not.to.include(encodeURIComponent(value));
      }
      // The requests carried no cookies or credentials.
      for (const entry of log) expect(entry.headers.cookie).to.equal(undefined);
    } finally {
      capture.stop();
    }
  });

  it('shows an accessible busy state while sending, sends one envelope however often Sign is pressed, then the success screen', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup);
    await control({ op: 'fail', campaign: setup.campaign, failure: 'hold' });
    await waitForCountries(element);
    fillValid(element);
    // Three presses: two in the same task (before any render could disable the button), one a
    // task later.
    submit(element);
    submit(element);
    await new Promise((resolve) => setTimeout(resolve, 0));
    submit(element);
    const sent = async () => (await control({ op: 'log', campaign: setup.campaign })).log.filter((e: { path: string }) => e.path.endsWith('/submissions')).length;
    await waitUntil(async () => (await sent()) > 0, 'not sent');
    await element.updateComplete;
    expect(q(element, 'form')!.getAttribute('aria-busy')).to.equal('true');
    expect(q<HTMLButtonElement>(element, 'button[type="submit"]')!.disabled).to.equal(true);
    expect(status(element)).to.equal('Encrypting and sending…');
    await accessible(element);
    await control({ op: 'release', campaign: setup.campaign });
    await waitUntil(() => q(element, '[part="receipt"]'), 'no success after release');
    expect(await sent()).to.equal(1);
  });

  it('shows the error state when the collector refuses for good, keeping the form', async () => {
    const setup = await setupCampaign();
    // The collector knows this campaign under another key id: it answers 422 key-mismatch. An older
    // collector that does not publish the key id (legacy): the widget cannot tell before submit.
    await control({ op: 'setup', campaign: setup.campaign, kid: 'aaaaaaaaaaaaaaaa', legacy: true });
    const element = await mount(setup);
    await waitForCountries(element);
    fillValid(element);
    const failed = oneEvent(element, 'secure-sign-error');
    submit(element);
    expect((await failed).detail).to.deep.equal({ campaign: setup.campaign, code: 'rejected', problem: 'key-mismatch' });
    await element.updateComplete;
    expect(q(element, '.status.problem h3')!.textContent).to.equal('Something went wrong');
    expect(q<HTMLInputElement>(element, '[name="name"]')!.value).to.equal(PLAINTEXT.name);
    expect(Capture.storage()).to.equal('');
    await accessible(element);
  });

  it('copies the share link and announces it', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup, { 'share-url': 'https://campaign.example/letter' });
    await waitForCountries(element);
    fillValid(element);
    submit(element);
    await waitUntil(() => q(element, '[part="receipt"]'), 'no success');
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (text: string) => void copied.push(text) } });
    q<HTMLButtonElement>(element, '.actions button.secondary')!.click();
    await waitUntil(() => status(element) === 'Link copied.', 'copy not announced');
    expect(copied).to.deep.equal(['https://campaign.example/letter']);
  });

  it('refuses a campaign the collector does not know, telling the partner', async () => {
    const setup = await setupCampaign();
    const capture = new Capture().start();
    try {
      const element = await mount({ ...setup, campaign: 'no-such-campaign' });
      expect(q(element, '.status h3')!.textContent).to.equal('Signing is unavailable');
      // The partner's message text is a lazily loaded chunk (messages.ts): it arrives a moment later.
      await waitUntil(() => capture.console.some((line) => line.includes('does not know campaign')), 'no console message');
      expect(capture.console.join('\n')).to.include('the collector does not know campaign "no-such-campaign"');
      expect(capture.events).to.deep.equal(['secure-sign-error {"campaign":"no-such-campaign","code":"invalid-config"}']);
    } finally {
      capture.stop();
    }
  });

  it('shows the closed state when the campaign is not open', async () => {
    const setup = await setupCampaign({ open: false });
    const element = await mount(setup);
    expect(q(element, 'form')).to.equal(null);
    expect(q(element, '.status')!.textContent).to.include('This campaign no longer accepts signatures.');
    await accessible(element);
  });
});

describe('<secure-sign> retry queue', () => {
  it('keeps only the sealed envelope and its withdrawal secret offline and resends it with the same id when back online', async () => {
    const setup = await setupCampaign();
    const capture = new Capture().start();
    try {
      const element = await mount(setup);
      await control({ op: 'fail', campaign: setup.campaign, failure: 'offline' });
      await waitForCountries(element);
      fillValid(element);
      const queued = oneEvent(element, 'secure-sign-queued');
      submit(element);
      const { detail } = await queued;
      await element.updateComplete;
      expect(q(element, '.status h3')!.textContent).to.equal('Saved on this device');
      await accessible(element);

      const stored = Capture.storage();
      expect(stored).to.include(detail.sid);
      const saved: { envelope: Envelope; secret: string }[] = JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith(QUEUE_KEY_PREFIX))!)!);
      expect(saved).to.have.length(1);
      expect(Object.keys(saved[0]!).sort()).to.deep.equal(['envelope', 'secret']);
      // The confirmation hash (issue 16) is kept too, in its place between wh and ct.
      expect(Object.keys(saved[0]!.envelope)).to.deep.equal(['v', 'campaign', 'kid', 'sid', 'wh', 'ch', 'ct']);
      // The withdrawal secret is kept with its envelope, and is the one whose hash the envelope carries.
      const { secret } = saved[0]!;
      expect(withdrawalHash(secret)).to.equal(saved[0]!.envelope.wh);
      for (const value of Object.values(PLAINTEXT)) expect(stored).not.to.include(value);

      await control({ op: 'fail', campaign: setup.campaign, failure: null });
      const success = oneEvent(element, 'secure-sign-success');
      window.dispatchEvent(new Event('online'));
      const sent = await success;
      expect(sent.detail.sid).to.equal(detail.sid);
      expect(sent.detail.retried).to.equal(true);
      const { stored: onServer } = await control({ op: 'log', campaign: setup.campaign });
      expect(onServer.map((s: { envelope: Envelope }) => s.envelope)).to.deep.equal(saved.map((s) => s.envelope));
      // Sent: the envelope and its secret leave storage together; the secret lives on only in the
      // page's memory, for the receipt the success screen offers (receipt.test.ts).
      expect(Capture.storage()).not.to.include(detail.sid);
      expect(Capture.storage()).not.to.include(secret);
      await waitUntil(() => q(element, '[part="withdraw"]'), 'no withdrawal link on the success screen');
      for (const value of Object.values(PLAINTEXT)) expect(capture.events.join('\n') + capture.console.join('\n')).not.to.include(value);
    } finally {
      capture.stop();
    }
  });

  it('sends envelopes kept on an earlier visit when the page loads', async () => {
    const setup = await setupCampaign();
    const { envelope, withdrawalSecret: secret } = await sealWithdrawable({
      publicKey: setup.keys.publicKey,
      campaign: setup.campaign,
      signer: { kind: 'individual', name: 'Earlier Visit', email: 'earlier@example.org', consent: { listPublicly: false, contactLater: false } },
    });
    localStorage.setItem(`${QUEUE_KEY_PREFIX}${new URL(`${location.origin}/fake-collector`).origin}/fake-collector|${setup.campaign}`, JSON.stringify([{ envelope, secret }]));
    const element = await mount(setup);
    await waitUntil(async () => (await control({ op: 'log', campaign: setup.campaign })).stored.length === 1, 'queued envelope not sent');
    const { stored } = await control({ op: 'log', campaign: setup.campaign });
    expect(stored[0].envelope).to.deep.equal(envelope);
    await waitUntil(() => !Capture.storage().includes(envelope.sid), 'queue not emptied');
    expect(element).to.exist;
  });
});

describe('<secure-sign> refuses a wrong campaign key', () => {
  for (const [what, mutate] of [
    ['a typo', (key: string) => key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21)],
    ['a secret key', (key: string) => 'sssk1' + key.slice(5)],
    ['garbage', () => 'hello'],
  ] as const) {
    it(`with ${what}: console message for the partner, polite message for the signer, nothing sent`, async () => {
      const setup = await setupCampaign();
      const capture = new Capture().start();
      try {
        const key = mutate(setup.keys.publicKey.keyString);
        const errorEvent = new Promise<CustomEvent>((resolve) => document.addEventListener('secure-sign-error', (e) => resolve(e), { once: true }));
        const element = await mount(setup, { 'campaign-key': key });
        expect((await errorEvent).detail).to.deep.equal({ campaign: setup.campaign, code: 'invalid-key' });
        expect(q(element, 'form')).to.equal(null);
        expect(q(element, '.status h3')!.textContent).to.equal('Signing is unavailable');
        expect(status(element)).to.equal('Signing is unavailable');
        // The partner's message loads with its own small chunk, so it comes a moment later.
        await waitUntil(() => capture.console.some((line) => line.startsWith('error <secure-sign>')), 'no console message');
        const message = capture.console.find((line) => line.startsWith('error <secure-sign>'));
        expect(message).to.include('"campaign-key"');
        if (key.length > 25) expect(message).not.to.include(key.slice(5, 25));
        const { log } = await control({ op: 'log', campaign: setup.campaign });
        expect(log).to.deep.equal([]);
        await accessible(element);
      } finally {
        capture.stop();
      }
    });
  }
});

describe('<secure-sign> signer wall', () => {
  const entries = [
    { name: 'Amina Haddad', kind: 'individual', country: 'MA', comment: 'Privacy is a right.' },
    { name: '<img src=x onerror="window.__pwned=1">', organisation: 'Open Net <b>Group</b>', kind: 'organisation' },
  ];

  it('renders entries as text only after verifying the signature; an organisation under its name; focus on the wall', async () => {
    const setup = await setupCampaign();
    await control({ op: 'setup', campaign: setup.campaign, kid: setup.keys.publicKey.keyId, wall: await signedWall(setup.keys, setup.campaign, entries) });
    const element = await mount(setup);
    q<HTMLButtonElement>(element, '.wall button')!.click();
    await waitUntil(() => root(element).querySelectorAll('[part="wall-entry"]').length === 2, 'wall not shown');
    const items = [...root(element).querySelectorAll('[part="wall-entry"]')];
    expect(items[0]!.querySelector('.who')!.textContent).to.equal('Amina Haddad');
    expect(items[0]!.querySelector('blockquote')!.textContent).to.equal('Privacy is a right.');
    // An organisation's signature shows under the organisation's name, the person who signed below.
    expect(items[1]!.querySelector('.who')!.textContent).to.equal('Open Net <b>Group</b>');
    expect(items[1]!.querySelector('.meta')!.textContent).to.equal('<img src=x onerror="window.__pwned=1">');
    // The pressed button is gone; focus went to the wall's heading, not to <body>.
    await waitUntil(() => root(element).activeElement === q(element, '#ss-wall-title'), 'focus fell off the wall');
    expect(root(element).querySelector('.wall img, .wall b')).to.equal(null);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    await accessible(element);
  });

  it('asks for no wall when the collector says none is published (no 404 in the partner console), and shows the empty wall', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup);
    q<HTMLButtonElement>(element, '.wall button')!.click();
    await waitUntil(() => /No public signatures yet/.test(root(element).textContent ?? ''), 'empty wall not shown');
    const { log } = (await control({ op: 'log', campaign: setup.campaign })) as { log: { method: string; path: string }[] };
    expect(log.filter((request) => request.path.includes('/files/'))).to.deep.equal([]);
    expect(log.some((request) => request.method === 'GET' && request.path === `/v1/campaigns/${setup.campaign}`)).to.equal(true);
  });

  it('refuses a tampered wall and one signed with another key', async () => {
    for (const tamper of ['edit', 'other-key'] as const) {
      const setup = await setupCampaign();
      let wall = await signedWall(setup.keys, setup.campaign, entries);
      if (tamper === 'edit') wall = wall.replace('Amina Haddad', 'Amina Hadad');
      else {
        const { generateCampaignKeys } = await import('@secure-sign/crypto');
        const other = await generateCampaignKeys();
        wall = await signedWall(other, setup.campaign, entries);
      }
      await control({ op: 'setup', campaign: setup.campaign, kid: setup.keys.publicKey.keyId, wall });
      const capture = new Capture().start();
      try {
        const element = await mount(setup);
        q<HTMLButtonElement>(element, '.wall button')!.click();
        await waitUntil(() => !q(element, '.wall'), `${tamper}: wall still shown`);
        expect(root(element).textContent).not.to.include('Amina');
        await waitUntil(() => capture.console.some((line) => line.includes('signer wall')), `${tamper}: no console message`);
        expect(capture.console.join('\n')).to.include('signer wall could not be verified');
      } finally {
        capture.stop();
      }
    }
  });
});
