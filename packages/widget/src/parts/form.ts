// The signing form. Rules (see also the component's): what the signer types lives in the inputs
// only (never bound to state), every control carries the session-replay recorders' markers
// (recorders.ts), every input has a label, and errors are linked with aria-describedby.

import { html, nothing, type TemplateResult } from 'lit';
import type { Translation } from '../i18n/translation.js';
import { RECORDER_CLASS } from '../recorders.js';
import type { OptionalField } from './signer.js';

type Kind = 'individual' | 'organisation';

/** What the form shows, and what it calls back. */
export interface FormView {
  readonly t: Translation;
  /** Sending: the submit button is disabled and shows progress. */
  readonly busy: boolean;
  /** The last attempt failed: an error box above the form. */
  readonly failed: boolean;
  readonly kind: Kind;
  readonly kinds: readonly Kind[];
  readonly shown: readonly OptionalField[];
  readonly required: readonly OptionalField[];
  /** Error message per field name. */
  readonly errors: Readonly<Record<string, string | undefined>>;
  /** Country codes and names, sorted (from the lazy chunk; empty until it loaded). */
  readonly countries: readonly { readonly code: string; readonly name: string }[];
  readonly privacyUrl: string | undefined;
  /**
   * False for the element's first render only (issue 19): the fields a signer fills first (the
   * kind, name, e-mail) and the Sign button, without the optional fields, consents and privacy
   * link, which follow a task later so that no single task renders the whole form on a slow phone.
   */
  readonly whole: boolean;
  readonly onSubmit: (event: SubmitEvent) => void;
  /** The signer's first interaction. */
  readonly onStart: () => void;
  readonly onKind: (kind: Kind) => void;
  /** A field changed: its error goes away. */
  readonly onEdit: (name: string) => void;
}

const isRequired = (f: FormView, name: OptionalField): boolean => f.required.includes(name) || (name === 'organisation' && f.kind === 'organisation');

const describedBy = (f: FormView, name: string, hint = false): string =>
  [hint ? `ss-${name}-hint` : '', f.errors[name] ? `ss-${name}-error` : ''].filter(Boolean).join(' ');

function field(f: FormView, name: OptionalField | 'name' | 'email', label: string, control: TemplateResult, hint?: string): TemplateResult {
  const error = f.errors[name];
  const optional = name !== 'name' && name !== 'email' && !isRequired(f, name);
  return html`<div part="field" class="field">
    <label class="field-label" for="ss-${name}">
      ${label}${optional ? html` <span class="optional">(${f.t.optional})</span>` : nothing}
    </label>
    ${control} ${hint ? html`<div class="hint" id="ss-${name}-hint">${hint}</div>` : nothing}
    ${error ? html`<div part="error" class="error" id="ss-${name}-error">${error}</div>` : nothing}
  </div>`;
}

function input(f: FormView, name: 'name' | 'email' | 'organisation' | 'role', type: string, autocomplete: string, hint = false): TemplateResult {
  const required = name === 'name' || name === 'email' || isRequired(f, name);
  return html`<input
    part="input"
    class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden"
    id="ss-${name}"
    name=${name}
    type=${type}
    autocomplete=${autocomplete}
    ?required=${required}
    aria-required=${required ? 'true' : 'false'}
    aria-invalid=${f.errors[name] ? 'true' : 'false'}
    aria-describedby=${describedBy(f, name, hint) || nothing}
    @input=${() => f.onEdit(name)}
  />`;
}

/** The privacy-url resolved against the page (partners write "/privacy"), kept only if http(s). */
function privacyHref(value: string | undefined): string | undefined {
  try {
    const url = new URL(value!, document.baseURI);
    return value && /^https?:$/.test(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function renderForm(f: FormView): TemplateResult {
  const { t, shown } = f;
  const showOrganisation = shown.includes('organisation') || f.kind === 'organisation';
  const privacy = privacyHref(f.privacyUrl);
  return html`
    ${f.failed
      ? html`<div part="status" class="status problem spaced">
          <h3 tabindex="-1">${t.errorTitle}</h3>
          <p>${t.errorBody}</p>
        </div>`
      : nothing}
    <form
      part="form"
      class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden"
      novalidate
      aria-label=${t.formLabel}
      aria-busy=${f.busy ? 'true' : 'false'}
      @submit=${f.onSubmit}
      @focusin=${f.onStart}
      @pointerdown=${f.onStart}
    >
      ${f.kinds.length > 1
        ? html`<fieldset>
            <legend>${t.signAs}</legend>
            <div class="segmented">
              ${f.kinds.map(
                (kind) => html`<label>
                  <input
                    class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden"
                    type="radio"
                    name="kind"
                    value=${kind}
                    .checked=${f.kind === kind}
                    @change=${() => f.onKind(kind)}
                  />
                  ${kind === 'individual' ? t.kindIndividual : t.kindOrganisation}
                </label>`,
              )}
            </div>
          </fieldset>`
        : nothing}
      ${field(f, 'name', t.name, input(f, 'name', 'text', 'name'))}
      ${field(f, 'email', t.email, input(f, 'email', 'email', 'email', true), t.emailHint)}
      ${f.whole
        ? html`${showOrganisation ? field(f, 'organisation', t.organisation, input(f, 'organisation', 'text', 'organization')) : nothing}
      ${shown.includes('role') ? field(f, 'role', t.role, input(f, 'role', 'text', 'organization-title')) : nothing}
      ${shown.includes('country')
        ? field(
            f,
            'country',
            t.country,
            html`<select
              part="input"
              class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden"
              id="ss-country"
              name="country"
              autocomplete="country"
              ?required=${isRequired(f, 'country')}
              aria-invalid=${f.errors['country'] ? 'true' : 'false'}
              aria-describedby=${describedBy(f, 'country') || nothing}
              @change=${() => f.onEdit('country')}
            >
              <option value="">${t.countryNone}</option>
              ${f.countries.map((c) => html`<option value=${c.code}>${c.name}</option>`)}
            </select>`,
          )
        : nothing}
      ${shown.includes('comment')
        ? field(
            f,
            'comment',
            t.comment,
            html`<textarea
              part="input"
              class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden"
              id="ss-comment"
              name="comment"
              maxlength="2000"
              ?required=${isRequired(f, 'comment')}
              aria-invalid=${f.errors['comment'] ? 'true' : 'false'}
              aria-describedby=${describedBy(f, 'comment') || nothing}
              @input=${() => f.onEdit('comment')}
            ></textarea>`,
          )
        : nothing}
      <div class="consent">
        <input type="checkbox" class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden" id="ss-listPublicly" name="listPublicly" />
        <label for="ss-listPublicly">${t.consentList}</label>
      </div>
      <div class="consent">
        <input type="checkbox" class=${RECORDER_CLASS} data-hj-suppress data-clarity-mask="True" data-private data-dd-privacy="hidden" id="ss-contactLater" name="contactLater" />
        <label for="ss-contactLater">${t.consentContact}</label>
      </div>
      ${privacy ? html`<p><a href=${privacy} target="_blank" rel="noopener noreferrer">${t.privacy}</a></p>` : nothing}`
        : nothing}
      <div class="actions">
        <button part="submit" type="submit" ?disabled=${f.busy}>
          ${f.busy ? html`<span class="spinner" aria-hidden="true"></span>${t.submitting}` : t.submit}
        </button>
      </div>
      <p class="note">
        <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
          <rect x="4" y="11" width="16" height="10" rx="2"></rect>
          <path d="M8 11V7a4 4 0 0 1 8 0v4"></path>
        </svg>
        <span>${t.encryptedNote}</span>
      </p>
    </form>
  `;
}
