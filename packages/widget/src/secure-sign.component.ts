// Rules for this file:
// - What the signer types lives in the form's inputs only. It is read once, at submit, validated,
//   sealed, and the only thing that leaves this component is the sealed envelope. It is never put
//   in a reactive property, an event, storage, the console or a request.
// - Fail closed: if the key is invalid or sealing fails, nothing is sent.
// - libsodium and zod load by dynamic import on the signer's first interaction (see lazy.ts), and
//   with them the parts that only render after it: the verified wall, the verify disclosure's
//   inside, the submit-time checks. The first load holds this file, the form, count and success
//   screen (parts/), and English.
// - Text from the network (the wall, the count) is rendered through lit bindings: text, never HTML.
// - Session-replay and analytics recorders on the partner page must not see what is typed: the
//   shadow root is closed and the form and every control carry the recorders' "do not record"
//   markers (recorders.ts). Every new control gets the same markers. The project's own tests reach
//   inside through `renderRoot` (lit's reference to the root), never `shadowRoot`.

import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { CampaignPublicKey, Envelope, Signer, SignerInput } from '@secure-sign/crypto';
import { CollectorClient, CollectorError, type CampaignInfo, type Challenge, type Receipt, type Solution } from './collector.js';
import { secureSignEvent, type SecureSignErrorCode, type SecureSignEventMap } from './events.js';
import { enFirst } from './i18n/en-first.js';
import { loadTranslation, pickLanguage, withOverrides, type StringOverrides, type Translation } from './i18n/translation.js';
import { checkCampaignKeyString } from './key-check.js';
import type { PartnerMessage, partnerMessages } from './messages.js';
import { say } from './say.js';
import { barWidth, renderCount } from './parts/count.js';
import { renderForm } from './parts/form.js';
import type { OptionalField } from './parts/signer.js';
import type { WallView } from './parts/wall.js';
import { RetryQueue } from './queue.js';
import { styles } from './secure-sign.styles.js';

type Lazy = typeof import('./lazy.js');
type Status = 'loading' | 'unavailable' | 'closed' | 'form' | 'submitting' | 'success' | 'queued' | 'error';
type Field = 'kind' | 'name' | 'email' | 'organisation' | 'role' | 'country' | 'comment';
/** Optional fields a partner may show (and require). Name and e-mail are always shown and required. */
const OPTIONAL_FIELDS: readonly OptionalField[] = ['organisation', 'role', 'country', 'comment'];
const KINDS = ['individual', 'organisation'] as const;

const CAMPAIGN_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const POW_RETRIES = 2;

function list<T extends string>(value: string | null | undefined, allowed: readonly T[], fallback: readonly T[]): readonly T[] {
  if (value == null) return fallback;
  return value
    .split(/[\s,]+/)
    .filter((v): v is T => (allowed as readonly string[]).includes(v));
}

/** A started proof of work: the challenge and the promise of its solution. */
interface PendingPow {
  readonly challenge: Challenge;
  readonly solution: Solution | null;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** Posts the envelope (send.ts, from the solver's chunk, loaded by then). */
  readonly submit: typeof import('./send.js').submit;
}

/**
 * A form to sign a campaign (an open letter, a petition) whose signatures are encrypted in the
 * signer's browser to the campaign's public key before they are sent.
 *
 * @summary Sign-and-comment form with end-to-end encryption, live count and verified signer wall.
 *
 * @slot intro - Content shown above the form (for example the letter's title).
 *
 * @csspart base - The card around everything.
 * @csspart count - The live count and progress towards the goal.
 * @csspart progress - The progress bar's track.
 * @csspart form - The form.
 * @csspart field - Each field's wrapper.
 * @csspart input - Each text input, select and text area.
 * @csspart error - Each field's error message.
 * @csspart submit - The submit button.
 * @csspart status - The box shown while sending, on success, when saved offline or on error.
 * @csspart receipt - The receipt on success.
 * @csspart save-receipt - The "Save my receipt" button on success (downloads the receipt file).
 * @csspart withdraw - The "Withdraw my signature" link on success (the collector's withdrawal page).
 * @csspart wall - The public signer wall.
 * @csspart wall-entry - One entry of the wall.
 * @csspart wall-updated - When the wall shown was signed ("Updated 2 days ago").
 * @csspart wall-refused - The message shown instead of an expired or rolled-back wall.
 * @csspart verify - The "Verify encryption" disclosure (campaign, key fingerprint, where it is published).
 *
 * @cssproperty --secure-sign-accent - Accent colour (buttons, links, focus). Default #1d4ed8 (light), #8cb4ff (dark).
 * @cssproperty --secure-sign-on-accent - Text colour on the accent.
 * @cssproperty --secure-sign-background - Card background.
 * @cssproperty --secure-sign-surface - Background of boxes inside the card.
 * @cssproperty --secure-sign-text - Text colour.
 * @cssproperty --secure-sign-muted - Secondary text colour.
 * @cssproperty --secure-sign-border - Border colour of inputs.
 * @cssproperty --secure-sign-error - Error colour.
 * @cssproperty --secure-sign-success - Success colour.
 * @cssproperty --secure-sign-focus - Focus ring colour.
 * @cssproperty --secure-sign-radius - Corner radius of the card (inputs use half). Default 12px.
 * @cssproperty --secure-sign-font - Font family. Default: inherited from the page.
 * @cssproperty --secure-sign-font-size - Base font size. Default 1rem.
 * @cssproperty --secure-sign-max-width - Largest width. Default 36rem.
 *
 * @event {CustomEvent<SecureSignReadyDetail>} secure-sign-ready - The campaign loaded; `detail.open` says if it accepts signatures.
 * @event {CustomEvent<SecureSignStartDetail>} secure-sign-start - The signer first interacted with the form; encryption is loading.
 * @event {CustomEvent<SecureSignSuccessDetail>} secure-sign-success - A signature was received (`sid`, `receivedAt`, `retried`).
 * @event {CustomEvent<SecureSignQueuedDetail>} secure-sign-queued - A sealed signature could not be sent and is kept for a retry.
 * @event {CustomEvent<SecureSignErrorDetail>} secure-sign-error - Something failed; `detail.code` is stable.
 */
export class SecureSign extends LitElement {
  static override styles = styles;

  /** Closed, so that session-replay recorders on the page cannot read the form (see recorders.ts). */
  static override shadowRootOptions: ShadowRootInit = { mode: 'closed' };

  static override properties = {
    campaign: { type: String },
    campaignKey: { type: String, attribute: 'campaign-key' },
    collector: { type: String },
    language: { type: String, attribute: 'lang' },
    privacyUrl: { type: String, attribute: 'privacy-url' },
    fields: { type: String },
    requiredFields: { type: String, attribute: 'required-fields' },
    kinds: { type: String },
    theme: { type: String, reflect: true },
    hideCount: { type: Boolean, attribute: 'hide-count' },
    hideWall: { type: Boolean, attribute: 'hide-wall' },
    wallLimit: { type: Number, attribute: 'wall-limit' },
    shareUrl: { type: String, attribute: 'share-url' },
    fingerprintUrl: { type: String, attribute: 'fingerprint-url' },
    logKey: { type: String, attribute: 'log-key' },
    strings: { converter: parseStrings },
    _status: { state: true },
    _t: { state: true },
    _info: { state: true },
    _errors: { state: true },
    _receipt: { state: true },
    _wall: { state: true },
    _announce: { state: true },
    _kind: { state: true },
    _arrived: { state: true },
    _verify: { state: true },
    _logCount: { state: true },
  };

  /** Campaign id, as registered on the collector. */
  declare campaign: string;
  /** The campaign's public key string (`sspk1…`). The widget refuses to work with an invalid one. */
  declare campaignKey: string;
  /** The collector's URL (https). */
  declare collector: string;
  /** Language (`en`, `fr`, `de`, `es`, `pt`, `ar`); the page's `lang` when unset. Attribute `lang`. */
  declare language: string | undefined;
  /** Link to the campaign's privacy notice: absolute or relative to the page, http(s) only. */
  declare privacyUrl: string | undefined;
  /** Optional fields shown, comma-separated: `organisation,role,country,comment` (the default). */
  declare fields: string | undefined;
  /** Which of the shown optional fields are required, comma-separated. None by default. */
  declare requiredFields: string | undefined;
  /** Ways to sign: `individual,organisation` (default), or just one of them. */
  declare kinds: string | undefined;
  /**
   * `light`, `dark`, or `auto` (the default): follows the page's `color-scheme` where it names
   * one (for example `:root { color-scheme: dark }`), else the system's preference.
   */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** Hide the live count and goal. */
  declare hideCount: boolean;
  /** Hide the public signer wall. */
  declare hideWall: boolean;
  /** Most wall entries shown. Default 50. */
  declare wallLimit: number;
  /** The URL shared from the success screen; the page's URL by default. */
  declare shareUrl: string | undefined;
  /** The https: page where the campaign publishes its key fingerprint, linked from "Verify encryption". */
  declare fingerprintUrl: string | undefined;
  /**
   * The campaign log's verifier key (`log.vkey` of `GET /v1/campaigns/{campaign}`, as
   * `secure-sign snippet` prints it). When set, the count shown is the one of the log's latest
   * signed checkpoint, verified in the browser against this key; a checkpoint that does not verify
   * hides the count.
   */
  declare logKey: string | undefined;
  /** Partner overrides of any string (see `Translation`); as a property, or JSON in the attribute. */
  declare strings: StringOverrides | undefined;

  declare private _status: Status;
  declare private _t: Translation;
  declare private _info: CampaignInfo | undefined;
  declare private _errors: Partial<Record<Field | 'listPublicly' | 'contactLater', string>>;
  /** The collector's receipt and the signature's withdrawal secret (in memory only). */
  declare private _receipt: (Receipt & { secret?: string | undefined }) | undefined;
  declare private _wall: WallView | 'hidden' | 'button' | 'loading';
  declare private _announce: string;
  declare private _kind: 'individual' | 'organisation';
  /** The lazy chunk has arrived (its parts render: the country list, the wall). */
  declare private _arrived: boolean;
  /** The verify disclosure's facts, once it has been opened and the key parsed. */
  declare private _verify: { fingerprint: string; url: URL | undefined } | undefined;
  /** With `log-key`: the count of the latest verified checkpoint, or `false` when it did not verify. */
  declare private _logCount: number | false | undefined;

  #client: CollectorClient | undefined;
  #queue: RetryQueue | undefined;
  #lazy: Promise<Lazy> | undefined;
  /** The lazy chunk once loaded, for the parts it renders. */
  #parts: Lazy | undefined;
  /** `origin + path` of the collector: the key of what this browser remembers for it. */
  #collectorKey = '';
  #publicKey: Promise<CampaignPublicKey> | undefined;
  #pow: Promise<PendingPow> | undefined;
  #abort = new AbortController();
  #started = false;
  /** The form shows while the campaign's facts are asked for: the count says "Loading…". */
  #asking = false;
  #flushing = false;
  #sealing = false; // between a valid press of Sign and the answer (see #onSubmit)
  #generation = 0;
  /** "Show recent signers" was pressed: focus moves to the wall once it is shown. */
  #focusWall = false;
  /** The strings of the verified count's note (from the chunk that verifies it). */
  #logNote: typeof import('./log-count.js').receiptText | undefined;
  /**
   * The first render comes in three tasks (issue 19), so that none of a slow phone's load is long:
   * the module's evaluation with "Loading…" (0); then the form's first fields and its Sign button
   * (1); then a frame later the rest of the form, the verify disclosure and the wall (2).
   * `updateComplete` taken after the first part waits for the rest. A Sign pressed in that one
   * frame waits for the lazy chunk, which that press starts to fetch (the prefetch waits a second
   * on screen), so the form is read whole.
   */
  #stage = 0;

  constructor() {
    super();
    this.campaign = '';
    this.campaignKey = '';
    this.collector = '';
    this.hideCount = false;
    this.hideWall = false;
    this.wallLimit = 50;
    this._status = 'loading';
    this._t = enFirst as Translation;
    this._errors = {};
    this._wall = 'hidden';
    this._announce = '';
    this._kind = 'individual';
    this._arrived = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    window.addEventListener(
      'online',
      () => {
        // A connection dropped before the encryption code arrived: fetch it now.
        if (this.#started) this.#loadCrypto();
        void this.#flush();
      },
      { signal },
    );
    // Another widget on this page for the same collector and campaign took a signature: the same
    // count everywhere (the collector counts it once). The retry queue's key names both.
    document.addEventListener(
      'secure-sign-success',
      (event) => {
        const other = event.target;
        if (other !== this && other instanceof SecureSign && other.#queue?.key === this.#queue?.key && this._info) {
          this._info = { ...this._info, count: this._info.count + 1 };
        }
      },
      { signal },
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('campaign') || changed.has('campaignKey') || changed.has('collector')) void this.#init();
    else if (changed.has('language') || changed.has('strings')) void this.#loadStrings();
    if (changed.has('kinds')) {
      const kinds = this.#kinds();
      if (!kinds.includes(this._kind)) this._kind = kinds[0] ?? 'individual';
    }
  }

  // ---- set-up ---------------------------------------------------------------------------------

  async #loadStrings(): Promise<void> {
    const tag = this.language || this.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang;
    const base = await loadTranslation(pickLanguage(tag));
    this._t = withOverrides(this.#parts ? { ...this.#parts.enLate, ...base } : base, this.strings);
  }

  /** Dispatches one of the widget's events; its detail names this campaign first. */
  #emit<K extends keyof SecureSignEventMap>(name: K, detail: Omit<SecureSignEventMap[K]['detail'], 'campaign'>): void {
    this.dispatchEvent(secureSignEvent(name, { campaign: this.campaign, ...detail } as SecureSignEventMap[K]['detail']));
  }

  #fail<K extends PartnerMessage>(code: SecureSignErrorCode, message: K, ...args: Parameters<(typeof partnerMessages)[K]>): void {
    // For the partner who embedded the widget: what is wrong and what to do, never a key's value.
    // The texts load only now (messages.ts), keeping them out of every page's first load.
    say('error', message, ...args);
    this._status = 'unavailable';
    this._announce = this._t.unavailableTitle;
    this.#emit('secure-sign-error', { code });
  }

  async #init(): Promise<void> {
    const generation = ++this.#generation;
    this.#client = undefined;
    this.#queue = undefined;
    this.#lazy = undefined;
    this.#publicKey = undefined;
    this.#pow = undefined;
    this._verify = undefined;
    this._logCount = undefined;
    this.#started = false;
    this._status = 'loading';
    await this.#loadStrings();
    if (generation !== this.#generation) return;

    if (!CAMPAIGN_ID.test(this.campaign)) {
      this.#fail('invalid-config', 'campaign');
      return;
    }
    const check = checkCampaignKeyString(this.campaignKey);
    if (!check.ok) {
      this.#fail('invalid-key', 'key', check.problem);
      return;
    }
    try {
      this.#client = new CollectorClient(this.collector, this.campaign);
      const url = new URL(this.collector);
      this.#collectorKey = url.origin + url.pathname;
      this.#queue = new RetryQueue(this.#collectorKey, this.campaign);
    } catch {
      this.#fail('invalid-config', 'collector');
      return;
    }

    // The form shows now, not after the campaign's answer, which on a slow phone connection is a
    // whole round trip away (issue 19); the count says "Loading…" until it comes, and a closed or
    // unknown campaign replaces the form then.
    this._status = 'form';
    this._wall = this.hideWall ? 'hidden' : 'button';
    this.#asking = true;
    this.#prefetch();
    let info: CampaignInfo | undefined;
    try {
      info = await this.#client.campaign();
    } catch (error) {
      if (generation !== this.#generation || this.#unknown(error)) return;
      // Unreachable collector (offline, or down): still show the form, whose signatures are kept
      // and retried, and ask again when the connection returns and with backoff.
      this.#askAgain(generation, 2000);
    } finally {
      if (generation === this.#generation) {
        this.#asking = false;
        this.requestUpdate();
      }
    }
    if (generation !== this.#generation) return;
    if (!this.#setInfo(info)) return;
    this.#emit('secure-sign-ready', { open: info?.open ?? true });
    // Signatures saved on an earlier visit are sent now (sealed already: no cryptography needed).
    if (this.#queue.list().length > 0) void this.#flush();
  }

  /** A 404 for the campaign: the partner's configuration is wrong (true), said on the console. */
  #unknown(error: unknown): boolean {
    if (!(error instanceof CollectorError && error.status === 404)) return false;
    this.#fail('invalid-config', 'unknown', this.campaign);
    return true;
  }

  /**
   * Takes the campaign's public facts. Refuses (false) when the collector says this page's origin
   * is not registered: it would refuse every signature, which the signer would otherwise see as
   * "saved on this device" forever.
   */
  #setInfo(info: CampaignInfo | undefined): boolean {
    this._info = info;
    if (info?.originAllowed === false) {
      this.#fail('invalid-config', 'origin', this.campaign, location.origin);
      return false;
    }
    if (info && !info.open && this._status === 'form') this._status = 'closed';
    // The key may have been parsed before these facts arrived.
    this.#publicKey?.then((key) => this.#wrongKey(key), () => undefined);
    if (info) this.#checkCount();
    return true;
  }

  /** Asks for the campaign's facts again after `delay` ms (doubling up to a minute) or when the browser is back online. */
  #askAgain(generation: number, delay: number): void {
    const signal = this.#abort.signal;
    const again = (): void => {
      clearTimeout(timer);
      window.removeEventListener('online', again);
      if (generation !== this.#generation || signal.aborted) return;
      this.#client!.campaign().then(
        (info) => generation === this.#generation && this.#setInfo(info),
        (error) => generation === this.#generation && !this.#unknown(error) && this.#askAgain(generation, Math.min(delay * 2, 60_000)),
      );
    };
    const timer = setTimeout(again, delay);
    window.addEventListener('online', again, { signal });
  }

  /**
   * A valid key, but not the one registered for the campaign (another campaign's): refused (true)
   * at once, rather than by the collector at submit (a 422 that no retry can fix).
   */
  #wrongKey(key: CampaignPublicKey): boolean {
    const expected = this._info?.keyId;
    if (!expected || key.keyId === expected) return false;
    this.#fail('invalid-key', 'wrongKey', this.campaign, key.keyId, expected);
    return true;
  }

  /**
   * With `log-key`: verifies the log's latest checkpoint in a chunk of its own and shows its count
   * (until then the collector's own number shows). One that does not verify hides the count; the
   * chunk tells the partner why on the console.
   */
  #checkCount(): void {
    const generation = this.#generation;
    if (this.logKey && this.#client) {
      import('./log-count.js')
        .then((m) => ((this.#logNote = m.receiptText), m.verifiedCount(this.#client!, this.logKey!, this.campaign, this._info?.confirmed)))
        .then(
          (count) => generation === this.#generation && count !== undefined && this._logCount !== false && (this._logCount = Math.max(count, this._logCount || 0)),
          () => generation === this.#generation && (this._logCount = false),
        );
    }
  }

  #kinds(): readonly ('individual' | 'organisation')[] {
    const kinds = list(this.kinds, KINDS, KINDS);
    return kinds[0] ? kinds : KINDS;
  }

  #shown(): readonly OptionalField[] {
    return list(this.fields, OPTIONAL_FIELDS, OPTIONAL_FIELDS);
  }

  #required(): readonly OptionalField[] {
    return list(this.requiredFields, OPTIONAL_FIELDS, []);
  }

  // ---- lazy cryptography and proof of work -----------------------------------------------------

  /** Loads the lazy chunk and parses the key, once: on the first interaction or when "Verify encryption" opens. */
  #loadCrypto(): void {
    // Offline: not even tried, as Chromium remembers a failed import() for the page's lifetime (the
    // 'online' listener loads it); other browsers fetch a failed one again on the next call.
    if (this.#lazy || !navigator.onLine) return;
    const generation = this.#generation;
    let arrived = false;
    const lazy = (this.#lazy = import('./lazy.js'));
    const publicKey = (this.#publicKey = lazy.then((parts) => {
      arrived = true;
      this.#parts = parts;
      // English's last strings come with the chunk (en-late.ts); a partner's overrides apply to them too.
      this._t = withOverrides({ ...parts.enLate, ...this._t }, this.strings);
      // So do the styles of what renders from now on (late.styles.ts).
      const root = this.renderRoot as ShadowRoot;
      root.adoptedStyleSheets &&= [...root.adoptedStyleSheets, parts.lateStyles.styleSheet!];
      this._arrived = true;
      // loadKey also warms the sealing code up in the background, so the click seals fast.
      return parts.loadKey(this.campaignKey, this.campaign);
    }));
    publicKey.then(
      (key) => this.#wrongKey(key),
      (error: Error) => {
        if (generation !== this.#generation) return;
        // The key or the page's CSP (loadKey's message says which): nothing can be sealed.
        if (arrived) this.#fail('invalid-key', 'text', error.message);
        else {
          // The chunk did not arrive (a dropped connection): fetched again on the next interaction
          // or when the browser is back online, instead of leaving the form broken until a reload.
          this.#lazy = this.#publicKey = undefined;
          say('warn', 'offline');
        }
      },
    );
  }

  /**
   * Loads the crypto chunk before the first tap for visitors who are about to sign: once the form
   * has been on screen for 1 s and the browser is idle (and the campaign's answer did not make the
   * form go away). Never while it stays off-screen, nor for visitors who asked to save data or are
   * on a very slow (2G) connection (the first tap loads it).
   */
  #prefetch(): void {
    const connection = (navigator as Navigator & { connection?: { saveData?: boolean; effectiveType?: string } }).connection;
    if (connection?.saveData || /2g/.test(String(connection?.effectiveType))) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new IntersectionObserver(([entry]) => {
      clearTimeout(timer);
      if (entry?.isIntersecting) {
        // (Later visibility changes only call #loadCrypto again, which does nothing once loaded.)
        timer = setTimeout(() => (window.requestIdleCallback ?? setTimeout)(() => this._status === 'form' && this.#loadCrypto()), 1000);
      }
    });
    // A removed element is reported as not intersecting, which cancels the timer.
    observer.observe(this);
  }

  /** Starts loading the cryptography and the proof of work; called on the first interaction. */
  #start(): void {
    if (!this.#client) return;
    this.#loadCrypto();
    if (this.#started) return;
    this.#started = true;
    this.#emit('secure-sign-start', {});
    this.#pow = this.#newPow();
    if (this._wall === 'button') void this.#loadWall();
  }

  /** The disclosure's first opening loads what the fingerprint needs. */
  async #openVerify(event: Event): Promise<void> {
    if (!(event.target as HTMLDetailsElement).open || this._verify || !this.#client) return;
    this.#loadCrypto();
    const generation = this.#generation;
    try {
      const [lazy, publicKey] = await Promise.all([this.#lazy!, this.#publicKey!]);
      if (generation === this.#generation) this._verify = { fingerprint: publicKey.fingerprint, url: lazy.fingerprintUrl(this.fingerprintUrl) };
    } catch {
      // An unparsable key: #loadCrypto has already made the widget unavailable.
    }
  }

  #newPow(): Promise<PendingPow> | undefined {
    const client = this.#client;
    if (!client) return undefined;
    const signal = this.#abort.signal;
    const pending = (async (): Promise<PendingPow> => {
      // Offline: not even tried (a failed import() is remembered, see #loadCrypto); kept for a retry.
      if (!navigator.onLine) throw new CollectorError('network', 0);
      // The solver's chunk also brings the challenge's request (send.ts).
      const solver = await import('./pow/solver.js');
      const challenge = await solver.challenge(client);
      const solution = await solver.solveChallenge(challenge, signal);
      const raw = challenge['expiresAt'];
      // altcha-lib counts in seconds; an ISO string is accepted too.
      const at = typeof raw === 'number' ? raw * (raw < 1e12 ? 1000 : 1) : typeof raw === 'string' ? Date.parse(raw) : NaN;
      return { challenge, solution, expiresAt: Number.isFinite(at) ? at : Date.now() + 5 * 60_000, submit: solver.submit };
    })();
    // Handled where it is awaited (#proof asks again); this only silences the unhandled rejection.
    pending.catch(() => undefined);
    return pending;
  }

  /** A solved, unexpired proof of work: the one prepared while the signer typed, if still fresh. */
  async #proof(): Promise<{ challenge: Challenge; solution: Solution; submit: PendingPow['submit'] }> {
    let lastError: unknown = new CollectorError('pow-unsolved', 0);
    for (let attempt = 0; attempt < 3; attempt++) {
      // One prepared earlier may have failed while the connection was down: ask afresh then.
      const fresh = !this.#pow;
      const pow = this.#pow ?? this.#newPow();
      this.#pow = undefined;
      if (!pow) break;
      try {
        const { challenge, solution, expiresAt, submit } = await pow;
        if (solution && expiresAt - Date.now() > 30_000) return { challenge, solution, submit };
      } catch (error) {
        lastError = error;
        if (fresh && error instanceof CollectorError && error.transient) throw error;
      }
    }
    throw lastError;
  }

  // ---- the wall --------------------------------------------------------------------------------

  async #loadWall(): Promise<void> {
    if (!this.#client || this._wall === 'hidden') return;
    if (!this.#started) {
      this.#start();
      return;
    }
    this.#loadCrypto();
    this._wall = 'loading';
    try {
      let parts: [Lazy, CampaignPublicKey, string | undefined];
      try {
        parts = await Promise.all([this.#lazy ?? Promise.reject(), this.#publicKey!, this._info?.noWall ? undefined : this.#client.file('wall.json')]);
      } catch (error) {
        // The collector is down or unreachable (or the code did not arrive): nothing was verified;
        // the button offers it again. (An unusable key has made the whole widget unavailable.)
        say('warn', 'wallFetch', error instanceof CollectorError ? `${error.code}, ${error.status}` : 'network');
        this._wall = 'button';
        return;
      }
      const [lazy, publicKey, text] = parts;
      try {
        // Expired or rolled back: a message instead (verifyWall tells the partner on the console).
        this._wall = await lazy.verifyWall(publicKey, text, {
          campaign: this.campaign,
          collector: this.#collectorKey,
          limit: Math.max(0, Math.min(this.wallLimit || 50, 1000)),
        });
      } catch {
        // A wall that fails verification is never shown, not even in part.
        say('warn', 'wallForged');
        this._wall = 'hidden';
      }
    } finally {
      if (this.#focusWall) {
        // The pressed button is gone: focus the wall's heading (or the button again), not <body>.
        this.#focusWall = false;
        void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.wall [tabindex],.wall button')?.focus());
      }
    }
  }

  // ---- submitting ------------------------------------------------------------------------------

  /**
   * Shows each field's error and moves focus to the first; the signer as validated (sealed
   * without a second validation) when there is none.
   */
  #validate(lazy: Lazy, input: SignerInput): Signer | undefined {
    const { errors, signer } = lazy.fieldErrors(input, this._t, this.#shown(), this.#required());
    const count = Object.keys(errors).length;
    // No errors now and none shown: nothing to re-render on the way to sealing (issue 13).
    if (count > 0 || Object.keys(this._errors).length > 0) this._errors = errors;
    if (count > 0) {
      this._announce = this._t.errorsSummary(count);
      void this.updateComplete.then(() => {
        this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      });
    }
    return signer;
  }

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.#sealing || this._status === 'submitting' || !this.#client || !this.#queue) return;
    // From here until the answer, another press does nothing (#sealing: the button is disabled
    // only once the busy state renders).
    this.#sealing = true;
    let busy: ReturnType<typeof setTimeout> | undefined;
    try {
      this.#start();
      let lazy: Lazy;
      try {
        lazy = await (this.#lazy ?? Promise.reject());
      } catch {
        // Offline before the encryption code arrived: nothing was sealed or sent; try again later.
        this._status = 'error';
        this._announce = this._t.errorBody;
        return;
      }
      const signer = this.#validate(lazy, lazy.readSigner(this.renderRoot, this._kind, this.#shown()));
      if (!signer) return;
      // The busy state renders a task later: after the request has left when everything is ready,
      // or while the proof of work is still being solved. Rendered before sealing, it delayed the
      // request by a couple of milliseconds (issue 13). Every way out below sets the status in the
      // same task as the finally that cancels this.
      busy = setTimeout(() => {
        this._status = 'submitting';
        this._announce = this._t.submitting;
      });
      let sealed: { envelope: Envelope; withdrawalSecret: string };
      try {
        const publicKey = await this.#publicKey!;
        if (this.#wrongKey(publicKey)) return;
        // Confirmable (issue 16): staff can e-mail the signer a confirmation link, in this language.
        // The confirmation secret is sealed for staff; the widget does not keep it.
        sealed = await lazy.sealWithdrawable({ publicKey, campaign: this.campaign, signer, confirmable: true, lang: this._t.lang });
      } catch {
        // Fail closed: nothing was sent. (An unusable key has already made the widget unavailable.)
        if ((this._status as Status) === 'unavailable') return;
        this._status = 'error';
        this._announce = this._t.errorBody;
        this.#emit('secure-sign-error', { code: 'encryption-failed' });
        return;
      }
      await this.#send(sealed.envelope, sealed.withdrawalSecret, false);
    } finally {
      this.#sealing = false;
      clearTimeout(busy);
    }
  }

  /** Sends one sealed envelope; keeps it (with its withdrawal secret) for a retry if the collector cannot be reached. */
  async #send(envelope: Envelope, secret: string | undefined, retried: boolean): Promise<'sent' | 'kept' | 'refused'> {
    const client = this.#client!;
    const queue = this.#queue!;
    let lastError: unknown;
    for (let attempt = 0; attempt <= POW_RETRIES; attempt++) {
      try {
        // (No import() here: even of a loaded module, it resolves a task later.)
        const { submit, ...pow } = await this.#proof();
        const receipt = await submit(client, envelope, pow);
        queue.remove(envelope.sid);
        this._receipt = { ...receipt, secret };
        this._status = 'success';
        this._announce = retried ? this._t.sentLater : this._t.successTitle;
        // Sent from the retry queue at load: the success screen comes with the lazy chunk.
        this.#loadCrypto();
        if (this._info) this._info = { ...this._info, count: this._info.count + 1 };
        // The signed count catches up within about a second (the collector's next checkpoint).
        setTimeout(() => this.#checkCount(), 2000);
        this.#emit('secure-sign-success', { sid: receipt.sid, receivedAt: receipt.receivedAt, retried });
        void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.status h3')?.focus());
        return 'sent';
      } catch (error) {
        lastError = error;
        if (error instanceof CollectorError && error.code.startsWith('pow-') && error.code !== 'pow-unsolved') continue;
        break;
      }
    }
    const error = lastError instanceof CollectorError ? lastError : new CollectorError('network', 0);
    if (error.transient || error.code === 'pow-unsolved') {
      const kept = queue.add(envelope, secret);
      this._status = kept ? 'queued' : 'error';
      this._announce = kept ? this._t.queuedTitle : this._t.errorBody;
      if (kept) this.#emit('secure-sign-queued', { sid: envelope.sid });
      else this.#emit('secure-sign-error', { code: 'network' });
      return 'kept';
    }
    // A worker the browser refused (changed files) is this page's fault, not the envelope's: one
    // already kept for later stays kept.
    const local = error.code === 'worker-refused';
    if (!local) queue.remove(envelope.sid);
    if (error.code === 'campaign-closed') {
      this._status = 'closed';
      this._announce = this._t.closed;
      this.#emit('secure-sign-error', { code: 'campaign-closed', problem: error.code });
    } else {
      this._status = 'error';
      this._announce = this._t.errorBody;
      this.#emit('secure-sign-error', { code: local ? 'invalid-config' : 'rejected', problem: error.code });
    }
    return local ? 'kept' : 'refused';
  }

  /** Sends every kept envelope, oldest first, each with its own submission id. */
  async #flush(): Promise<void> {
    if (this.#flushing || !this.#client || !this.#queue) return;
    this.#flushing = true;
    try {
      for (const { envelope, secret } of this.#queue.list()) {
        if ((await this.#send(envelope, secret, true)) === 'kept') break; // still offline
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #share(): Promise<void> {
    const url = this.shareUrl || location.href;
    try {
      await navigator.share({ url });
    } catch {
      // Dismissed by the signer, or not allowed here: nothing to do.
    }
  }

  async #copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.shareUrl || location.href);
      this._announce = this._t.copied;
    } catch {
      this._announce = '';
    }
  }

  // ---- rendering -------------------------------------------------------------------------------

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // CSSOM, which a strict CSP allows, where a style attribute (lit's styleMap on first render) is refused.
    const bar = this.renderRoot.querySelector<HTMLElement>('.progress-bar');
    if (bar) bar.style.width = barWidth(this._info!);
  }

  protected override async scheduleUpdate(): Promise<void> {
    const stage = this.#stage;
    if (stage < 2 && this._status !== 'loading') {
      // The first part in the task after the one that rendered "Loading…" (the module's, which
      // also sends the campaign request); the rest after the frame that shows the first part (or
      // soon, in a tab that draws no frames).
      await new Promise((go) => (stage && requestAnimationFrame(() => setTimeout(go)), setTimeout(go, stage * 250)));
      this.#stage = stage + 1;
    }
    super.scheduleUpdate();
    if (this.#stage === 1) this.requestUpdate();
  }

  protected override render(): TemplateResult {
    const t = this._t;
    return html`
      <div part="base" class="base ${this.#scheme()}" lang=${t.lang} dir=${t.dir}>
        <slot name="intro"></slot>
        ${this.hideCount || this._logCount === false
          ? nothing
          : this.#asking
            ? html`<p class="note"><span class="spinner" aria-hidden="true"></span>${t.loading}</p>`
            : typeof this._logCount === 'number' && this._info
            ? renderCount({ ...this._info, count: this._logCount }, t, this.#logNote!(t.lang, this.strings).countVerified)
            : renderCount(this._info, t)}
        ${this.#renderBody()} ${this.#stage > 1 ? [this.#renderVerify(), this.#renderWall()] : nothing}
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this._announce}</div>
      </div>
    `;
  }

  /** With theme="auto", the page's color-scheme around the element when it names one scheme. */
  #scheme(): string {
    if (this.theme && this.theme !== 'auto') return '';
    // color-scheme is inherited: the parent's computed value is the page's around the element.
    const scheme = getComputedStyle(this.parentElement ?? document.documentElement).colorScheme;
    const dark = scheme.includes('dark');
    return dark === scheme.includes('light') ? '' : dark ? 'dark' : 'light';
  }

  #renderBody(): TemplateResult {
    const t = this._t;
    switch (this._status) {
      case 'loading':
        return html`<p class="note"><span class="spinner" aria-hidden="true"></span>${t.loading}</p>`;
      case 'unavailable':
        return html`<div part="status" class="status problem">
          <h3 tabindex="-1">${t.unavailableTitle}</h3>
          <p>${t.unavailableBody}</p>
        </div>`;
      case 'closed':
        return html`<div part="status" class="status"><p>${t.closed}</p></div>`;
      case 'success':
        // "Copy link" worked (what was announced): the button says so too.
        // (Sent from the retry queue at load: shown once the lazy chunk has arrived.)
        return this._arrived
          ? this.#parts!.renderSuccess(this._receipt, t, this._announce === t.copied, {
              share: () => void this.#share(),
              copy: () => void this.#copy(),
              collector: this.collector,
              campaign: this.campaign,
              vkey: this.logKey || this._info?.log,
              strings: this.strings,
            })
          : html``;
      case 'queued':
        return html`<div part="status" class="status">
          <h3 tabindex="-1">${t.queuedTitle}</h3>
          <p>${t.queuedBody}</p>
        </div>`;
      default:
        return renderForm({
          t,
          busy: this._status === 'submitting',
          failed: this._status === 'error',
          kind: this._kind,
          kinds: this.#kinds(),
          shown: this.#shown(),
          required: this.#required(),
          errors: this._errors,
          countries: this._arrived ? this.#parts!.countryOptions(t.lang) : [],
          privacyUrl: this.privacyUrl,
          whole: this.#stage > 1,
          onSubmit: (e) => void this.#onSubmit(e),
          onStart: () => this.#start(),
          onKind: (kind) => {
            this._kind = kind;
          },
          onEdit: (name) => this.#clearError(name),
        });
    }
  }

  #clearError(name: string): void {
    if (name in this._errors) {
      const { [name as Field]: _, ...rest } = this._errors;
      this._errors = rest;
    }
  }

  #renderVerify(): TemplateResult | typeof nothing {
    if (this._status === 'loading' || this._status === 'unavailable') return nothing;
    const t = this._t;
    const verify = this._verify;
    return html`<details part="verify" class="verify" @toggle=${(e: Event) => void this.#openVerify(e)}>
      <summary>${t.verifyTitle}</summary>
      ${verify && this.#parts
        ? this.#parts.renderVerify(this.campaign, verify.fingerprint, verify.url, t)
        : html`<p class="note"><span class="spinner" aria-hidden="true"></span>${t.loading}</p>`}
    </details>`;
  }

  #renderWall(): TemplateResult | typeof nothing {
    const wall = this._wall;
    const t = this._t;
    if (wall === 'hidden' || this._status === 'loading' || this._status === 'unavailable') return nothing;
    if (wall === 'button' || wall === 'loading') {
      return html`<section part="wall" class="wall" aria-label=${t.wallTitle}>
        <button
          type="button"
          class="secondary"
          ?disabled=${wall === 'loading'}
          @click=${() => {
            this.#focusWall = true;
            void this.#loadWall();
          }}
        >
          ${wall === 'loading' ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}${t.wallShow}
        </button>
      </section>`;
    }
    return html`<section part="wall" class="wall" aria-label=${t.wallTitle}>${this.#parts!.renderWall(wall, t)}</section>`;
  }
}

function parseStrings(value: string | null): StringOverrides | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as StringOverrides) : undefined;
  } catch {
    say('error', 'strings');
    return undefined;
  }
}
