// Session replay on a partner page (issue 18): the real rrweb recorder (npm `rrweb`) records this
// whole test page while a person types known values into the widget, with real key presses, through
// an error-and-correct cycle, in the light and the dark theme. None of the values may appear in
// anything the recorder emitted (full snapshots, mutations, input events, everything).
//
// The recorder runs at rrweb's defaults, at PostHog's recorder settings (posthog-js
// `_startRecorder`: rrweb with blockClass `ph-no-capture`, ignoreClass `ph-ignore-input`,
// maskAllInputs), and at PostHog's settings with input masking turned off, as partners often do.
//
// So that the test proves something, the same recorder, page and typing are run against test-only
// subclasses of the element: without either protection (open root, markers removed) the recorder
// DOES capture the values; with only one of the two protections it does not.
import { expect } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { openSubmission, type Envelope } from '@secure-sign/crypto';
import { LitElement, type PropertyValues } from 'lit';
import { EventType, IncrementalSource, record, takeFullSnapshot, type eventWithTime } from 'rrweb';
import { RECORDER_ATTRIBUTES, RECORDER_CLASS } from '../../src/recorders.js';
import { SecureSign } from '../../src/secure-sign.component.js';
import { accessible, control, mount, q, root, setupCampaign, waitUntil } from './helpers.js';

type RecordOptions = NonNullable<Parameters<typeof record>[0]>;

const RECORDER_CLASSES = RECORDER_CLASS.split(' ');

/** What the signer types. The first e-mail is refused by validation and then corrected. */
const TYPED = {
  name: 'Wisława Quillfeather',
  badEmail: 'w.quillfeather-at-replay.example',
  email: 'w.quillfeather@replay-test.example',
  organisation: 'Cobalt Lantern Trust',
  comment: 'Recorded sessions must never hold this comment',
};
/** Distinctive parts too: recorders emit an input event per key press, with the text so far. */
const FRAGMENTS = ['Quillfeather', 'quillfeather', 'replay-test', 'Cobalt Lantern', 'never hold this'];

/** posthog-js's recorder options (sessionRecordingOptions in `_startRecorder`), as it passes them to rrweb. */
const POSTHOG: RecordOptions = {
  blockClass: 'ph-no-capture',
  ignoreClass: 'ph-ignore-input',
  maskTextClass: 'ph-mask',
  maskAllInputs: true,
  maskInputOptions: { password: true },
  slimDOMOptions: {},
  collectFonts: false,
  inlineStylesheet: true,
  recordCrossOriginIframes: false,
};

const RECORDERS: Record<string, RecordOptions> = {
  "rrweb's defaults": {},
  "PostHog's recorder settings": POSTHOG,
  "PostHog's settings with input masking off": { ...POSTHOG, maskAllInputs: false },
};

// ---- test-only variants of the element, for the control cases -----------------------------------

const OPEN: ShadowRootInit = { ...LitElement.shadowRootOptions, mode: 'open' };
const CLOSED: ShadowRootInit = { ...LitElement.shadowRootOptions, mode: 'closed' };

/** Removes every recorder marker from the rendered form, after each render. */
function stripMarkers(renderRoot: Element | DocumentFragment): void {
  for (const element of renderRoot.querySelectorAll('*')) {
    element.classList.remove(...RECORDER_CLASSES);
    if (element.getAttribute('class') === '') element.removeAttribute('class');
    for (const name of Object.keys(RECORDER_ATTRIBUTES)) element.removeAttribute(name);
  }
}

class Unprotected extends SecureSign {
  static override shadowRootOptions = OPEN;
  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    stripMarkers(this.renderRoot);
  }
}
class MarkersOnly extends SecureSign {
  static override shadowRootOptions = OPEN;
}
class ClosedRootOnly extends SecureSign {
  static override shadowRootOptions = CLOSED;
  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    stripMarkers(this.renderRoot);
  }
}
customElements.define('test-unprotected-sign', Unprotected);
customElements.define('test-markers-only-sign', MarkersOnly);
customElements.define('test-closed-root-only-sign', ClosedRootOnly);

// ---- one recorded signature ------------------------------------------------------------------------

/** Focuses a field inside the widget and types into it with real key presses. */
async function typeInto(element: Element, name: string, text: string): Promise<void> {
  const field = q<HTMLInputElement | HTMLTextAreaElement>(element, `[name="${name}"]`)!;
  field.focus();
  // Replaces what is there, as a person selecting the text and typing over it would.
  field.select();
  await sendKeys({ type: text });
  expect(field.value, `typing into ${name}`).to.equal(text);
}

async function pressSubmit(element: Element): Promise<void> {
  q<HTMLButtonElement>(element, 'button[type="submit"]')!.focus();
  await sendKeys({ press: 'Enter' });
}

let pageTexts = 0;

/**
 * Records the page while a signer fills the widget (`tag`) with a wrong e-mail, sees the error,
 * corrects it and signs. Returns every event the recorder emitted, as JSON.
 */
async function signWhileRecorded(tag: string, options: RecordOptions, scheme: 'light' | 'dark' = 'light'): Promise<{ json: string; events: eventWithTime[] }> {
  await emulateMedia({ colorScheme: scheme });
  const events: eventWithTime[] = [];
  const stop = record({ ...options, emit: (event) => void events.push(event) });
  if (!stop) throw new Error('rrweb did not start');
  // Something on the partner page itself, which the recorder must see: proof it was recording.
  const pageText = document.createElement('p');
  pageText.textContent = `partner-page-text-${++pageTexts}`;
  try {
    const setup = await setupCampaign();
    const element = await mount(setup, { fields: 'organisation,comment' }, undefined, tag);
    document.body.append(pageText);
    expect(getComputedStyle(q(element, '.base')!).backgroundColor).to.equal(scheme === 'dark' ? 'rgb(22, 27, 34)' : 'rgb(255, 255, 255)');

    await typeInto(element, 'name', TYPED.name);
    await typeInto(element, 'email', TYPED.badEmail);
    await typeInto(element, 'organisation', TYPED.organisation);
    await typeInto(element, 'comment', TYPED.comment);
    await pressSubmit(element);
    await waitUntil(() => q(element, '#ss-email-error'), 'the wrong e-mail was not reported');
    takeFullSnapshot(); // a snapshot with the error shown and every field filled
    await typeInto(element, 'email', TYPED.email);
    await waitUntil(() => !q(element, '#ss-email-error'), 'the error did not clear on correction');
    takeFullSnapshot(); // and one with the corrected values, just before submitting
    await pressSubmit(element);
    await waitUntil(() => q(element, '[part="receipt"]'), 'no success after the correction');

    // The typing really reached the form: the sealed signature holds exactly the corrected values.
    const { stored } = await control({ op: 'log', campaign: setup.campaign });
    expect(stored).to.have.length(1);
    const opened = await openSubmission(setup.keys, stored[0].envelope as Envelope, { campaign: setup.campaign });
    expect(opened.signer).to.deep.include({ name: TYPED.name, email: TYPED.email, organisation: TYPED.organisation, comment: TYPED.comment });
    element.parentElement?.remove();
  } finally {
    stop();
    pageText.remove();
  }
  const json = JSON.stringify(events);
  // The recorder was recording the page the whole time: snapshots, mutations, the page's own text.
  expect(events.filter((e) => e.type === EventType.FullSnapshot).length).to.be.at.least(3);
  expect(events.some((e) => e.type === EventType.IncrementalSnapshot && e.data.source === IncrementalSource.Mutation)).to.equal(true);
  expect(json).to.include(pageText.textContent!);
  return { json, events };
}

function expectNoneOfTheTypedValues(json: string): void {
  for (const value of [...Object.values(TYPED), ...FRAGMENTS]) {
    expect(json.includes(value), `the recording holds "${value}"`).to.equal(false);
    expect(json.includes(JSON.stringify(value).slice(1, -1)), `the recording holds "${value}" (escaped)`).to.equal(false);
  }
}

afterEach(async () => {
  await emulateMedia({ colorScheme: 'light' });
});

describe('<secure-sign> under session replay (rrweb)', () => {
  it('has a closed shadow root, and the form and every control carry every recorder marker', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup);
    expect(element.shadowRoot === null, 'the shadow root is open').to.equal(true);
    const marked = [q(element, 'form')!, ...root(element).querySelectorAll('input, select, textarea')];
    // The form, the two kinds, name, e-mail, organisation, role, country, comment, two consents.
    expect(marked).to.have.length(11);
    for (const field of marked) {
      const what = field.getAttribute('name') ?? field.tagName;
      for (const name of RECORDER_CLASSES) expect(field.classList.contains(name), `${what} .${name}`).to.equal(true);
      for (const [name, value] of Object.entries(RECORDER_ATTRIBUTES)) expect(field.getAttribute(name), `${what} [${name}]`).to.equal(value);
    }
    await accessible(element);
  });

  it('axe still checks inside the closed root (a broken label fails)', async () => {
    const setup = await setupCampaign();
    const element = await mount(setup);
    q(element, 'label[for="ss-name"]')!.remove();
    let failed = false;
    try {
      await accessible(element);
    } catch {
      failed = true;
    }
    expect(failed, 'axe did not see the unlabelled input').to.equal(true);
  });

  for (const [recorder, options] of Object.entries(RECORDERS)) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${recorder}, ${scheme} theme: nothing typed appears in the recording, through an error and its correction`, async () => {
        const { json, events } = await signWhileRecorded('secure-sign', options, scheme);
        expectNoneOfTheTypedValues(json);
        // Only the retargeted <secure-sign> element is ever seen, never a field inside it.
        const inputs = events.filter((e) => e.type === EventType.IncrementalSnapshot && e.data.source === IncrementalSource.Input);
        expect(inputs).to.deep.equal([]);
      });
    }
  }

  for (const [variant, tag] of [
    ['the markers alone (open root)', 'test-markers-only-sign'],
    ['the closed root alone (no markers)', 'test-closed-root-only-sign'],
  ] as const) {
    for (const recorder of ["rrweb's defaults", "PostHog's settings with input masking off"]) {
      it(`${recorder}: ${variant} already keep every typed value out`, async () => {
        const { json } = await signWhileRecorded(tag, RECORDERS[recorder]!);
        expectNoneOfTheTypedValues(json);
      });
    }
  }

  for (const recorder of ["rrweb's defaults", "PostHog's settings with input masking off"]) {
    it(`control, ${recorder}: without the protection (open root, no markers) the recorder captures what is typed`, async () => {
      const { json, events } = await signWhileRecorded('test-unprotected-sign', RECORDERS[recorder]!);
      for (const value of Object.values(TYPED)) expect(json, value).to.include(JSON.stringify(value).slice(1, -1));
      const inputs = events.filter((e) => e.type === EventType.IncrementalSnapshot && e.data.source === IncrementalSource.Input);
      expect(JSON.stringify(inputs)).to.include(TYPED.comment);
      const snapshots = events.filter((e) => e.type === EventType.FullSnapshot);
      expect(JSON.stringify(snapshots.at(-1))).to.include(TYPED.email);
    });
  }
});
