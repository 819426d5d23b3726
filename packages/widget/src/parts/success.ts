// The success screen: thanks, the receipt (the random submission id), share and copy-link, and
// (issue 11) "Save my receipt", which downloads the receipt file that proves the signature is in
// the campaign's public log and holds the secret that withdraws it, and the link to the
// collector's withdrawal page. Loaded with the lazy chunk (lazy.ts): a signature was sealed.
//
// Rules: nothing is downloaded or stored unless the signer presses the button (the file is made
// then, from memory); the file holds nothing the signer typed, only what the collector answered,
// the log key, the submission id and the withdrawal secret; the collector's answer is checked
// before anything of it goes into the file.
import { html, nothing, type TemplateResult } from 'lit';
import { receiptText } from '../i18n/receipt.js';
import type { Translation } from '../i18n/translation.js';

/** What the success screen shows and can save. */
export interface SuccessReceipt {
  readonly sid: string;
  readonly receivedAt: string;
  /** The collector's `log` member, unchecked. */
  readonly log?: unknown;
  /** The withdrawal secret, when the widget sealed this signature. */
  readonly secret?: string | undefined;
}

/** The success screen's actions and what the receipt file needs. */
export interface SuccessContext {
  readonly share: () => void;
  readonly copy: () => void;
  /** The `collector` attribute. */
  readonly collector: string;
  readonly campaign: string;
  /** The `log-key` attribute, else the campaign answer's `log` member (whose `vkey` is used). */
  readonly vkey: unknown;
  /** The partner's string overrides. */
  readonly strings: unknown;
}

/** A receipt file: its name and its JSON text (docs/embedding.md, "The receipt"). */
export interface ReceiptFile {
  readonly name: string;
  readonly text: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
// Printable text on one line (origins, keys); a note is lines of it.
const LINE = /^[^\u0000-\u001f\u007f]{1,512}$/;
// 49 bytes in canonical standard base64.
const ENTRY = /^[A-Za-z0-9+/]{65}[AQgw]==$/;

const bytes = (base64: string): string => atob(base64.replace(/-/g, '+').replace(/_/g, '/'));

/**
 * The receipt file of a stored signature, or `undefined` when the collector's answer does not
 * carry a well-formed log receipt for this very submission (an older or misbehaving collector:
 * the partner is told on the console).
 */
export function receiptFile(receipt: SuccessReceipt, context: Pick<SuccessContext, 'collector' | 'campaign' | 'vkey'>): ReceiptFile | undefined {
  const log = receipt.log;
  const vkey = isObject(context.vkey) ? context.vkey['vkey'] : context.vkey;
  const { origin, index, entry, promise } = isObject(log) ? log : {};
  const ok =
    typeof origin === 'string' &&
    LINE.test(origin) &&
    typeof vkey === 'string' &&
    LINE.test(vkey) &&
    Number.isSafeInteger(index) &&
    (index as number) >= 0 &&
    typeof entry === 'string' &&
    ENTRY.test(entry) &&
    // A stored envelope's entry (kind 0x01) for this submission id.
    bytes(entry).slice(0, 17) === `\u0001${bytes(receipt.sid)}` &&
    typeof promise === 'string' &&
    promise.length <= 65536 &&
    promise.split('\n').every((line) => line === '' || LINE.test(line));
  if (!ok) {
    console.warn('<secure-sign>: the collector\'s answer carries no well-formed log receipt for this signature, so "Save my receipt" is not offered.');
    return undefined;
  }
  const url = new URL(context.collector);
  const collector = url.origin + url.pathname.replace(/\/+$/, '');
  const file = {
    secureSignReceipt: 1,
    collector,
    campaign: context.campaign,
    sid: receipt.sid,
    receivedAt: receipt.receivedAt,
    log: { origin, vkey, index, entry, promise },
    ...(receipt.secret ? { withdrawal: { code: `${receipt.sid}.${receipt.secret}`, page: withdrawPage(context) } } : {}),
  };
  return { name: `secure-sign-receipt-${context.campaign}-${index as number}.json`, text: `${JSON.stringify(file, null, 2)}\n` };
}

/** The collector's withdrawal page for the campaign. */
export function withdrawPage(context: Pick<SuccessContext, 'collector' | 'campaign'>): string {
  const url = new URL(context.collector);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1/campaigns/${encodeURIComponent(context.campaign)}/withdraw`;
}

/** Saves a file through a download (a Blob and an <a download>, which a strict CSP allows). */
function download(file: ReceiptFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function renderSuccess(receipt: SuccessReceipt | undefined, t: Translation, copied: boolean, context: SuccessContext): TemplateResult {
  const canShare = typeof navigator.share === 'function';
  const r = receiptText(t.lang, context.strings);
  const file = receipt && receiptFileOnce(receipt, context);
  return html`<div part="status" class="status success">
    <h3 tabindex="-1">${t.successTitle}</h3>
    <p>${t.successBody}</p>
    ${receipt ? html`<p part="receipt" class="receipt">${t.receipt} <code>${receipt.sid}</code></p>` : nothing}
    <div class="actions">
      ${canShare ? html`<button type="button" @click=${context.share}>${t.share}</button>` : nothing}
      <button type="button" class="secondary" @click=${context.copy}>${copied ? t.copied : t.copyLink}</button>
    </div>
    ${file
      ? html`<div class="actions">
            <button type="button" class="secondary" part="save-receipt" aria-describedby="ss-receipt-note" @click=${() => download(file)}>${r.saveReceipt}</button>
          </div>
          <p class="note" id="ss-receipt-note">${r.receiptExplains}</p>
          ${receipt!.secret
            ? html`<p><a part="withdraw" href=${withdrawPage(context)} target="_blank" rel="noopener noreferrer">${r.withdraw}</a></p>`
            : nothing}`
      : nothing}
  </div>`;
}

// The file of a receipt, made once per receipt (the success screen re-renders, e.g. on "Copy link").
const files = new WeakMap<SuccessReceipt, ReceiptFile | undefined>();
function receiptFileOnce(receipt: SuccessReceipt, context: SuccessContext): ReceiptFile | undefined {
  if (!files.has(receipt)) files.set(receipt, receiptFile(receipt, context));
  return files.get(receipt);
}
