// Shared by the widget's browser tests: a campaign on the fake collector (test/fake-collector.mjs),
// mounting the element, typing like a person, and capturing everything that leaves the form.
//
// The widget's shadow root is closed (so that session-replay recorders cannot read the form), so
// `element.shadowRoot` is null. The one supported way in for the project's tests and scripts is
// lit's `element.renderRoot`: `root()` below, and `accessible()` for axe.
import { expect, fixture, html, waitUntil as waitUntilOnce } from '@open-wc/testing';
import { generateCampaignKeys, signDocument, type CampaignKeyPair, type CanonicalValue } from '@secure-sign/crypto';
import '../../src/secure-sign.js';
import type { SecureSign } from '../../src/secure-sign.component.js';

/**
 * waitUntil with a patient default: the machine running the suite may be busy (libsodium's first
 * load and the proof of work can take seconds there), and a condition that never holds still fails.
 */
export function waitUntil(
  condition: () => unknown,
  message?: string,
  options: { timeout?: number; interval?: number } = {},
): Promise<void> {
  return waitUntilOnce(condition as () => boolean, message, { timeout: 15000, interval: 25, ...options });
}

export const COLLECTOR = `${location.origin}/fake-collector`;

let counter = 0;
/** A fresh campaign id per test, so tests never share collector state or retry queues. */
export const newCampaignId = (): string => `test-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export async function control(body: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${COLLECTOR}/__control`, { method: 'POST', body: JSON.stringify(body) });
  return response.json();
}

export interface Setup {
  campaign: string;
  keys: CampaignKeyPair;
}

let sharedKeys: Promise<CampaignKeyPair> | undefined;
/** One key pair for the whole file: key generation is not what these tests are about. */
export const testKeys = (): Promise<CampaignKeyPair> => (sharedKeys ??= generateCampaignKeys());

export async function setupCampaign(
  options: {
    count?: number;
    goal?: number | null;
    open?: boolean;
    wall?: string | null;
    origins?: string[];
    kid?: string;
    /** An older collector: no keyId, originAllowed or log in its answers. */
    legacy?: boolean;
    /** Entries already in the campaign's log (stored envelopes, counted). */
    logEntries?: number;
    /**
     * How the log checkpoint is served: signed ('ok'), by another key, altered after signing (its
     * count or its confirmed line), without a confirmed line, or not yet (404).
     */
    checkpoint?: 'ok' | 'wrong-key' | 'tampered' | 'tampered-confirmed' | 'no-confirmed' | 'none';
    /** The confirmed count the campaign answer states, and whether the campaign shows it. */
    confirmed?: number;
    countShown?: 'all' | 'confirmed';
    /** How many of the `logEntries` have a confirmation entry (04) in the log. */
    confirmedEntries?: number;
    /** Routes answered with 50 MB: 'campaign', 'challenge', 'submissions', 'files', 'checkpoint'. */
    huge?: string[];
  } = {},
): Promise<Setup> {
  const keys = await testKeys();
  const campaign = newCampaignId();
  await control({ op: 'setup', campaign, kid: keys.publicKey.keyId, ...options });
  return { campaign, keys };
}

/** A wall signed as `secure-sign wall sign` does: serial 1 and 30 days' validity unless told otherwise. */
export async function signedWall(
  keys: CampaignKeyPair,
  campaign: string,
  entries: CanonicalValue[],
  options: { serial?: number; issuedAt?: Date; validUntil?: Date } = {},
): Promise<string> {
  const { serial = 1, ...dates } = options;
  return JSON.stringify(await signDocument(keys, { type: 'wall', campaign, serial, data: { entries }, ...dates }));
}

export async function mount(setup: Setup, attributes: Record<string, string> = {}, wrapperLang?: string, tag = 'secure-sign'): Promise<SecureSign> {
  const host = document.createElement('div');
  if (wrapperLang) host.lang = wrapperLang;
  const element = document.createElement(tag) as SecureSign;
  element.setAttribute('campaign', setup.campaign);
  element.setAttribute('campaign-key', setup.keys.publicKey.keyString);
  element.setAttribute('collector', COLLECTOR);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  host.append(element);
  await fixture(html`${host}`);
  await waitUntil(() => !root(element).querySelector('.base > .note .spinner') && root(element).querySelector('.base'), 'widget did not load');
  await element.updateComplete;
  return element;
}

/** The widget's (closed) shadow root, through lit's `renderRoot`. */
export const root = (element: Element): ShadowRoot => (element as SecureSign).renderRoot as ShadowRoot;

/**
 * Runs axe on the widget, inside its closed shadow root. axe walks shadow trees through
 * `element.shadowRoot`, which is null for a closed root (axe would then check an empty element and
 * pass), so the root is shown to axe on this one element for the time of the check.
 */
export async function accessible(element: Element): Promise<void> {
  Object.defineProperty(element, 'shadowRoot', { configurable: true, get: () => root(element) });
  try {
    await expect(element).to.be.accessible();
  } finally {
    delete (element as { shadowRoot?: unknown }).shadowRoot;
  }
}
export const q = <T extends Element = HTMLElement>(element: Element, selector: string): T | null =>
  root(element).querySelector<T>(selector);

/** Types into a field the way a browser does: focus, value, input event. */
export function type(element: Element, name: string, value: string): void {
  const input = q<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(element, `[name="${name}"]`);
  if (!input) throw new Error(`no field ${name}`);
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true, composed: true }));
}

export function check(element: Element, name: string): void {
  q<HTMLInputElement>(element, `input[name="${name}"]`)!.click();
}

export function submit(element: Element): void {
  q<HTMLButtonElement>(element, 'button[type="submit"]')!.click();
}

export const status = (element: Element): string => q(element, '[role="status"]')?.textContent?.trim() ?? '';

/** Everything the page emits that could leak what was typed: events, console, storage. */
export class Capture {
  events: string[] = [];
  console: string[] = [];
  #restore: (() => void)[] = [];

  start(): this {
    const names = ['secure-sign-ready', 'secure-sign-start', 'secure-sign-success', 'secure-sign-queued', 'secure-sign-error'];
    for (const name of names) {
      const listener = (event: Event): void => {
        this.events.push(`${name} ${JSON.stringify((event as CustomEvent).detail)}`);
      };
      document.addEventListener(name, listener);
      this.#restore.push(() => document.removeEventListener(name, listener));
    }
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[level];
      console[level] = (...args: unknown[]) => {
        this.console.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
        original.apply(console, args);
      };
      this.#restore.push(() => {
        console[level] = original;
      });
    }
    return this;
  }

  stop(): void {
    for (const restore of this.#restore.splice(0)) restore();
  }

  static storage(): string {
    const parts: string[] = [];
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i)!;
        parts.push(`${key}=${store.getItem(key)}`);
      }
    }
    return parts.join('\n');
  }
}

/**
 * Records the files the page saves through a Blob URL and an `<a download>` (what "Save my
 * receipt" does): the file name and the URL, which the test reads back with fetch as the browser
 * would save it. The download itself goes ahead.
 */
export function watchDownloads(): { files: { name: string; href: string }[]; blobs: () => number; stop: () => void } {
  const files: { name: string; href: string }[] = [];
  let blobs = 0;
  const create = URL.createObjectURL;
  const click = HTMLAnchorElement.prototype.click;
  URL.createObjectURL = (object: Blob | MediaSource): string => {
    blobs++;
    return create.call(URL, object);
  };
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement): void {
    if (this.download) files.push({ name: this.download, href: this.href });
    click.call(this);
  };
  return {
    files,
    blobs: () => blobs,
    stop: () => {
      URL.createObjectURL = create;
      HTMLAnchorElement.prototype.click = click;
    },
  };
}
