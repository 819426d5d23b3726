// The success screen: thanks, the receipt (the random submission id), share and copy-link.
import { html, nothing, type TemplateResult } from 'lit';
import type { Translation } from '../i18n/translation.js';

export function renderSuccess(
  receipt: { readonly sid: string } | undefined,
  t: Translation,
  copied: boolean,
  actions: { readonly share: () => void; readonly copy: () => void },
): TemplateResult {
  const canShare = typeof navigator.share === 'function';
  return html`<div part="status" class="status success">
    <h3 tabindex="-1">${t.successTitle}</h3>
    <p>${t.successBody}</p>
    ${receipt ? html`<p part="receipt" class="receipt">${t.receipt} <code>${receipt.sid}</code></p>` : nothing}
    <div class="actions">
      ${canShare ? html`<button type="button" @click=${actions.share}>${t.share}</button>` : nothing}
      <button type="button" class="secondary" @click=${actions.copy}>${copied ? t.copied : t.copyLink}</button>
    </div>
  </div>`;
}
