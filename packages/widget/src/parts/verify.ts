// The inside of the "Verify encryption" disclosure: the campaign id, the key's fingerprint as
// @secure-sign/crypto formats it (8 groups of 4 characters, 160 bits), and where the campaign
// publishes it, so a signer can compare the two. Loaded with the lazy chunk (lazy.ts), which the
// fingerprint needs anyway, when the disclosure first opens; the closed <details> stays in the
// first load.

import { html, type TemplateResult } from 'lit';
import type { Translation } from '../i18n/translation.js';

/**
 * The `fingerprint-url` attribute as a URL if it is an absolute https: URL, else undefined (a
 * present but unusable value is reported to the partner once, on the console).
 */
export function fingerprintUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  console.warn('<secure-sign>: the "fingerprint-url" attribute must be the https: URL of the campaign\'s page that publishes its key fingerprint; it is not shown.');
  return undefined;
}

export function renderVerify(campaign: string, fingerprint: string, url: URL | undefined, t: Translation): TemplateResult {
  return html`<p>${t.verifyIntro}</p>
    <dl>
      <dt>${t.verifyCampaign}</dt>
      <dd><code>${campaign}</code></dd>
      <dt>${t.verifyFingerprint}</dt>
      <dd><code class="fingerprint" dir="ltr">${fingerprint}</code></dd>
      <dt>${t.verifyWhere}</dt>
      <dd>
        ${url
          ? html`<a href=${url.href} target="_blank" rel="noopener noreferrer" dir="ltr">${url.host}${url.pathname === '/' ? '' : url.pathname}</a>`
          : t.verifyNoUrl}
      </dd>
    </dl>`;
}
