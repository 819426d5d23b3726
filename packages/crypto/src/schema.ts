// The signer's data and the other validated shapes of the format (docs/format.md §4).
//
// Rules for this file:
// - Every string is normalised to Unicode NFC and trimmed before its limits are checked, and every
//   limit counts Unicode code points, so that the widget, the collector and the CLI agree on what
//   "too long" means in any language.
// - No field accepts unbounded input, and no control character except a line break in comments.
// - Objects are strict: an unknown field is a violation, never silently kept.
// - Messages name the rule broken, never the value (values may be personal data).

import * as z from 'zod/mini';
import { COUNTRY_CODES } from './countries.js';
import { BASE64URL_32_PATTERN } from './encode.js';

/**
 * The largest `createdAt` (ms since the epoch): the last millisecond of 9999-12-31, so that
 * `new Date(createdAt).toISOString()` is always a normal date with a four-digit year.
 */
export const MAX_CREATED_AT = 253402300799999;

/**
 * Limits of the format: text lengths in Unicode code points, `extraFields` as a count of fields,
 * `createdAt` as the largest accepted timestamp ({@link MAX_CREATED_AT}).
 */
export const LIMITS = Object.freeze({
  name: 200,
  email: 254,
  organisation: 200,
  role: 200,
  comment: 2000,
  extraFields: 8,
  extraKey: 32,
  extraValue: 200,
  campaignId: 64,
  createdAt: MAX_CREATED_AT,
});

const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

// White space (docs/format.md §4.2), written out rather than left to String.prototype.trim or a
// regular expression's \s so that no engine's Unicode tables decide: ECMAScript's WhiteSpace and
// LineTerminator code points, which have been these since Unicode 6.3.
const WHITE_SPACE = new Set([
  0x0009, 0x000a, 0x000b, 0x000c, 0x000d, 0x0020, 0x00a0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
]);
/** The same set as a regular expression class body, for the e-mail shape. */
const WHITE_SPACE_CLASS = '\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** Removes leading and trailing {@link WHITE_SPACE} (a loop: a regular expression could backtrack). */
function trimWhiteSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && WHITE_SPACE.has(value.charCodeAt(start))) start++;
  while (end > start && WHITE_SPACE.has(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

// Text: C0 and C1 controls, DEL, and the bidi controls that can make a name display as something else.
const FORBIDDEN_INLINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const FORBIDDEN_MULTILINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
// E-mail addresses, stricter: also every invisible formatting character (soft hyphen, Arabic
// letter mark, Mongolian vowel separator, zero-width characters, bidi marks, embeddings,
// overrides and isolates, word joiner and invisible operators, byte order mark), any of which can
// make one address look like another (`ada@\u202egro.elpmaxe` displays as `ada@example.org`).
const FORBIDDEN_IN_EMAIL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/u;

function text(max: number, options: { multiline?: boolean } = {}) {
  const forbidden = options.multiline ? FORBIDDEN_MULTILINE : FORBIDDEN_INLINE;
  return z.string().check(
    z.normalize('NFC'),
    // Windows line breaks become \n so that one comment has one form.
    z.overwrite((value) => (options.multiline ? value.replace(/\r\n?/g, '\n') : value)),
    z.overwrite(trimWhiteSpace),
    z.refine((value) => value.length > 0, { message: 'required' }),
    z.refine((value) => codePoints(value) <= max, { message: `too long (at most ${max} characters)` }),
    z.refine((value) => !forbidden.test(value), { message: 'contains control characters' }),
    z.refine((value) => value.isWellFormed(), { message: 'contains invalid Unicode' }),
  );
}

// Deliberately permissive about what may stand on either side of the @ (international addresses
// are welcome); strict about shape and length. Deliverability is the campaign's business.
const EMAIL_SHAPE = new RegExp(
  `^[^@${WHITE_SPACE_CLASS}]{1,64}@(?=.{1,253}$)[^@.${WHITE_SPACE_CLASS}]+(?:\\.[^@.${WHITE_SPACE_CLASS}]+)+$`,
  'u',
);

/** A campaign id: 1 to 64 lower-case letters, digits and inner hyphens, safe in any URL path. */
export const campaignIdSchema = z.string().check(
  z.regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, { message: 'must be 1-64 of a-z, 0-9 and inner hyphens' }),
);

/** A submission id: 16 random bytes in base64url, 22 characters. */
export const submissionIdSchema = z.string().check(
  z.regex(/^[A-Za-z0-9_-]{21}[AQgw]$/, { message: 'must be 16 bytes in base64url (22 characters)' }),
);

/**
 * A withdrawal hash `wh` (docs/format.md §3.6): SHA-256 of the withdrawal secret, 32 bytes in
 * canonical base64url without padding (43 characters).
 */
export const withdrawalHashSchema = z.string().check(
  z.regex(BASE64URL_32_PATTERN, { message: 'must be 32 bytes in base64url (43 characters)' }),
);

/**
 * A withdrawal secret as a signer reveals it (docs/format.md §3.6): 32 bytes in canonical
 * base64url without padding (43 characters). For validating requests; compute its hash with
 * {@link withdrawalHash}.
 */
export const withdrawalSecretSchema = withdrawalHashSchema;

/**
 * A confirmation hash `ch` (docs/format.md §3.7): SHA-256 of the confirmation secret, 32 bytes in
 * canonical base64url without padding (43 characters), exactly like `wh`.
 */
export const confirmationHashSchema = withdrawalHashSchema;

/**
 * A confirmation secret `cs` as the plaintext carries it and as a confirmation link reveals it
 * (docs/format.md §3.7): 32 bytes in canonical base64url without padding (43 characters).
 */
export const confirmationSecretSchema = withdrawalHashSchema;

/** The largest language tag the plaintext's `lang` may carry, in characters. */
export const MAX_LANGUAGE_TAG_LENGTH = 35;

/**
 * The language of the form a signer used (docs/format.md §3.2): a short BCP 47 tag such as `en`,
 * `fr`, `de` or `pt-BR`, at most 35 characters, a primary subtag of 2 or 3 lower-case letters and
 * up to three subtags of 1 to 8 letters or digits. Informative only (the language of the e-mail
 * staff send); nothing is normalised, so `pt-br` and `pt-BR` are both accepted as written.
 */
export const languageTagSchema = z.string().check(
  z.refine((value) => value.length <= MAX_LANGUAGE_TAG_LENGTH && /^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/.test(value), {
    message: 'must be a language tag such as en, fr or pt-BR (at most 35 characters)',
  }),
);

/** Exactly the form `Date.prototype.toISOString` writes for years 0000 to 9999. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A timestamp as signed documents carry it: `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, milliseconds) naming
 * a real instant, so `2026-02-30T00:00:00.000Z` or `2026-13-45T25:61:61.000Z` are refused. The
 * check is a round trip: the text must be exactly what `toISOString` writes for the date it parses to.
 *
 * @example
 * ```ts
 * isoTimestampSchema.safeParse(new Date(createdAt).toISOString()).success; // true
 * ```
 */
export const isoTimestampSchema = z.string().check(
  z.refine((value) => ISO_TIMESTAMP.test(value) && isRealTimestamp(value), {
    message: 'must be a real UTC date in the form YYYY-MM-DDTHH:MM:SS.sssZ',
  }),
);

function isRealTimestamp(value: string): boolean {
  const time = Date.parse(value);
  return Number.isFinite(time) && new Date(time).toISOString() === value;
}

/** The data a person submits when signing. See docs/format.md §4.1. */
export const signerSchema = z
  .strictObject({
    /** Signing as a person, or on behalf of an organisation. */
    kind: z.enum(['individual', 'organisation']),
    name: text(LIMITS.name),
    email: z.string().check(
      z.normalize('NFC'),
      z.overwrite(trimWhiteSpace),
      z.refine((value) => value.length > 0, { message: 'required' }),
      z.refine((value) => codePoints(value) <= LIMITS.email, { message: `too long (at most ${LIMITS.email} characters)` }),
      z.refine((value) => !FORBIDDEN_IN_EMAIL.test(value), { message: 'contains control or invisible formatting characters' }),
      z.refine((value) => EMAIL_SHAPE.test(value), { message: 'not an e-mail address' }),
      z.refine((value) => value.isWellFormed(), { message: 'contains invalid Unicode' }),
    ),
    organisation: z.optional(text(LIMITS.organisation)),
    role: z.optional(text(LIMITS.role)),
    country: z.optional(
      z.string().check(
        z.overwrite(trimWhiteSpace),
        // ASCII only: toUpperCase would also turn dotless ı into I and long ſ into S.
        z.overwrite((value) => value.replace(/[a-z]/g, (letter) => letter.toUpperCase())),
        z.refine((value) => COUNTRY_CODES.includes(value), { message: 'not an ISO 3166-1 alpha-2 country code' }),
      ),
    ),
    comment: z.optional(text(LIMITS.comment, { multiline: true })),
    consent: z.strictObject({
      /** May the name, organisation and comment appear on the public signer wall? */
      listPublicly: z.boolean(),
      /** May the campaign contact this person later? */
      contactLater: z.boolean(),
    }),
    /** Campaign-defined fields: short keys, short text or yes/no values. */
    extra: z.optional(
      z
        .record(
          z.string().check(z.regex(/^[a-z][a-z0-9_]{0,31}$/, { message: 'extra field names are 1-32 of a-z, 0-9, _' })),
          z.union([text(LIMITS.extraValue), z.boolean()]),
        )
        .check(
          z.refine((value) => Object.keys(value).length <= LIMITS.extraFields, {
            message: `at most ${LIMITS.extraFields} extra fields`,
          }),
        ),
    ),
  })
  .check(
    z.refine((value) => value.kind !== 'organisation' || value.organisation !== undefined, {
      message: 'required when signing for an organisation',
      path: ['organisation'],
    }),
  );

/** A signer's data after validation and normalisation. */
export type Signer = z.output<typeof signerSchema>;
/** A signer's data as it may be given to {@link sealSubmission}, before normalisation. */
export type SignerInput = z.input<typeof signerSchema>;

/** The plaintext inside every envelope (docs/format.md §3.2). */
export const plaintextSchema = z.strictObject({
  v: z.literal(1),
  campaign: campaignIdSchema,
  sid: submissionIdSchema,
  /** The withdrawal hash, equal to the envelope's `wh` (docs/format.md §3.6). */
  wh: withdrawalHashSchema,
  /** Creation time in milliseconds since the Unix epoch, as the signer's clock saw it. */
  createdAt: z.number().check(z.int(), z.gte(0), z.lte(MAX_CREATED_AT)),
  signer: signerSchema,
  /**
   * The confirmation secret, present exactly when the envelope carries `ch`, with
   * SHA-256(cs) = `ch` (docs/format.md §3.7). Staff put it in the signer's confirmation link.
   */
  cs: z.optional(confirmationSecretSchema),
  /** The language of the form the signer used (informative: the language of staff's e-mail). */
  lang: z.optional(languageTagSchema),
});

/** The decrypted plaintext of an envelope. */
export type SubmissionPlaintext = z.output<typeof plaintextSchema>;
