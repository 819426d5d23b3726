// The strings of the widget. One file per language, each a complete `Translation`, so that the
// compiler catches a missing string. English ships in the initial bundle, but only the strings
// shown before the lazy chunk arrives (en-first.ts; the chunk brings en-late.ts, and the component
// completes its translation then); the other languages load on demand (a few hundred bytes each)
// so that the first load of a partner page stays small.
// Punctuation belongs to the strings, not to the templates: French typography puts a narrow
// no-break space (U+202F) before ":", ";", "?" and "!", which a template's ": " cannot know.

import { enFirst } from './en-first.js';
import type { ReceiptStrings } from './receipt.js';

/** Every string the widget shows. Plural forms are functions. */
export interface Translation {
  /** BCP 47 language tag of this translation. */
  readonly lang: string;
  /** Writing direction. */
  readonly dir: 'ltr' | 'rtl';
  readonly formLabel: string;
  readonly signAs: string;
  readonly kindIndividual: string;
  readonly kindOrganisation: string;
  readonly name: string;
  readonly email: string;
  readonly emailHint: string;
  readonly organisation: string;
  readonly role: string;
  readonly country: string;
  readonly countryNone: string;
  readonly comment: string;
  readonly optional: string;
  readonly consentList: string;
  readonly consentContact: string;
  readonly privacy: string;
  readonly submit: string;
  readonly submitting: string;
  readonly encryptedNote: string;
  readonly loading: string;
  readonly preparing: string;
  readonly count: (count: number) => string;
  readonly goal: (count: number, goal: number) => string;
  /**
   * The count (and the goal, when there is one) when the campaign shows only signatures whose
   * e-mail address was confirmed.
   */
  readonly confirmed: (count: number, goal: number | null) => string;
  readonly closed: string;
  readonly errorsSummary: (count: number) => string;
  readonly errorRequired: string;
  readonly errorTooLong: string;
  readonly errorEmail: string;
  readonly errorInvalid: string;
  readonly successTitle: string;
  readonly successBody: string;
  /** Label before the receipt's id, with its colon ("Receipt:", "Reçu\u202F:"). */
  readonly receipt: string;
  readonly share: string;
  readonly copyLink: string;
  readonly copied: string;
  readonly queuedTitle: string;
  readonly queuedBody: string;
  readonly sentLater: string;
  readonly errorTitle: string;
  readonly errorBody: string;
  readonly retry: string;
  readonly unavailableTitle: string;
  readonly unavailableBody: string;
  readonly wallTitle: string;
  readonly wallShow: string;
  readonly wallEmpty: string;
  readonly wallOrganisation: string;
  /** When the wall shown was signed: `{ago}` is a relative time from Intl.RelativeTimeFormat ("2 days ago"). */
  readonly wallUpdated: string;
  /** A wall past its `validUntil`: nothing from it is shown. */
  readonly wallExpired: string;
  /** A wall older (lower serial) than one this browser has already verified: nothing from it is shown. */
  readonly wallRolledBack: string;
  /** The "Verify encryption" disclosure. */
  readonly verifyTitle: string;
  readonly verifyIntro: string;
  readonly verifyCampaign: string;
  readonly verifyFingerprint: string;
  /** Label of the link to where the campaign publishes its fingerprint (attribute `fingerprint-url`). */
  readonly verifyWhere: string;
  /** Shown instead of the link when the partner gave none. */
  readonly verifyNoUrl: string;
}

/** Languages that ship with the widget. */
export const LANGUAGES = ['en', 'fr', 'de', 'es', 'pt', 'ar'] as const;
/** A language that ships with the widget. */
export type Language = (typeof LANGUAGES)[number];

/** A partner's overrides: any subset of the strings (functions or plain text for plurals). */
export type StringOverrides = { [K in keyof Translation]?: Translation[K] extends (...args: never[]) => string ? string | Translation[K] : Translation[K] } & Partial<ReceiptStrings>;

/**
 * Picks the best shipped language for a BCP 47 tag (`pt-BR` → `pt`), English when none fits.
 */
export function pickLanguage(tag: string | null | undefined): Language {
  const base = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : 'en';
}

/**
 * Loads a translation. English is bundled (without the strings of en-late.ts, which the lazy
 * chunk brings: the caller completes it then); the others are separate chunks.
 */
export async function loadTranslation(lang: Language): Promise<Translation> {
  switch (lang) {
    case 'fr':
      return (await import('./fr.js')).fr;
    case 'de':
      return (await import('./de.js')).de;
    case 'es':
      return (await import('./es.js')).es;
    case 'pt':
      return (await import('./pt.js')).pt;
    case 'ar':
      return (await import('./ar.js')).ar;
    default:
      return enFirst as Translation;
  }
}

/**
 * Applies a partner's overrides to a translation. Plural strings given as plain text may use
 * `{count}` and `{goal}`. Unknown keys and values of the wrong type are ignored, so a typo in a
 * partner's JSON never breaks the form.
 */
export function withOverrides(base: Translation, overrides: unknown): Translation {
  if (typeof overrides !== 'object' || overrides === null) return base;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides as Record<string, unknown>)) {
    if (!(key in base) || key === 'lang') continue;
    const current = (base as unknown as Record<string, unknown>)[key];
    if (typeof current === 'function') {
      if (typeof value === 'function') result[key] = value;
      else if (typeof value === 'string') {
        const template = value;
        result[key] = (count: number, goal?: number) =>
          template.replaceAll('{count}', String(count)).replaceAll('{goal}', String(goal ?? ''));
      }
    } else if (key === 'dir') {
      if (value === 'ltr' || value === 'rtl') result[key] = value;
    } else if (typeof value === 'string') result[key] = value;
  }
  return result as unknown as Translation;
}
