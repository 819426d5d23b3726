// Hand-written checks of the two shapes every opened envelope goes through (the envelope and its
// plaintext), for speed: zod's generic machinery costs several times what the checks themselves
// do, and `decrypt` runs them once per signature.
//
// Rules for this file:
// - A fast check only ever ACCEPTS: it returns the value exactly as the zod schema in schema.ts or
//   envelope.ts would (same normalisation, same members in the same order), or `undefined`, and
//   then the caller asks zod, which decides and words the refusal. So no refusal, message or
//   issue list comes from here, and a gap here can only cost speed, never change an outcome.
// - Each rule below restates one of schema.ts; test/fast-schema.test.ts compares both on every
//   envelope vector and on fuzzed inputs. Change both together.

import { BASE64URL_32_PATTERN } from './encode.js';
import { COUNTRY_CODES } from './countries.js';
import { LIMITS, MAX_CREATED_AT, type Signer, type SubmissionPlaintext } from './schema.js';

const CAMPAIGN_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SUBMISSION_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const KEY_ID = /^[a-z2-7]{16}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const LANGUAGE_TAG = /^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/;
const EXTRA_KEY = /^[a-z][a-z0-9_]{0,31}$/;
const COUNTRIES = new Set(COUNTRY_CODES);

// The same sets and patterns as schema.ts (white space, forbidden characters, e-mail shape).
const WHITE_SPACE = new Set([
  0x0009, 0x000a, 0x000b, 0x000c, 0x000d, 0x0020, 0x00a0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
]);
const WHITE_SPACE_CLASS = '\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const FORBIDDEN_INLINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const FORBIDDEN_MULTILINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const FORBIDDEN_IN_EMAIL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/u;
const EMAIL_SHAPE = new RegExp(
  `^[^@${WHITE_SPACE_CLASS}]{1,64}@(?=.{1,253}$)[^@.${WHITE_SPACE_CLASS}]+(?:\\.[^@.${WHITE_SPACE_CLASS}]+)+$`,
  'u',
);

const ENVELOPE_KEYS = new Set(['v', 'campaign', 'kid', 'sid', 'wh', 'ch', 'ct']);
const PLAINTEXT_KEYS = new Set(['v', 'campaign', 'sid', 'wh', 'createdAt', 'signer', 'cs', 'lang']);
const SIGNER_KEYS = new Set(['kind', 'name', 'email', 'organisation', 'role', 'country', 'comment', 'consent', 'extra']);

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Whether every own key of `value` is one of `allowed`. */
function onlyKeys(value: Plain, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function has(value: Plain, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

function trimWhiteSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && WHITE_SPACE.has(value.charCodeAt(start))) start++;
  while (end > start && WHITE_SPACE.has(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** At most `max` code points (a string of at most `max` UTF-16 units has at most that many). */
function withinCodePoints(value: string, max: number): boolean {
  if (value.length <= max) return true;
  let count = 0;
  for (const _ of value) if (++count > max) return false;
  return true;
}

/** schema.ts's `text(max, { multiline })`: the normalised text, or `undefined`. */
function text(value: unknown, max: number, multiline: boolean): string | undefined {
  if (typeof value !== 'string') return undefined;
  let v = value.normalize('NFC');
  if (multiline) v = v.replace(/\r\n?/g, '\n');
  v = trimWhiteSpace(v);
  if (v.length === 0 || !withinCodePoints(v, max)) return undefined;
  if ((multiline ? FORBIDDEN_MULTILINE : FORBIDDEN_INLINE).test(v) || !v.isWellFormed()) return undefined;
  return v;
}

function email(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = trimWhiteSpace(value.normalize('NFC'));
  if (v.length === 0 || !withinCodePoints(v, LIMITS.email)) return undefined;
  if (FORBIDDEN_IN_EMAIL.test(v) || !EMAIL_SHAPE.test(v) || !v.isWellFormed()) return undefined;
  return v;
}

function country(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = trimWhiteSpace(value).replace(/[a-z]/g, (letter) => letter.toUpperCase());
  return COUNTRIES.has(v) ? v : undefined;
}

/** {@link signerSchema}'s output, or `undefined` (zod then decides). */
export function fastSigner(value: unknown): Signer | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, SIGNER_KEYS)) return undefined;
  const kind = value['kind'];
  if (kind !== 'individual' && kind !== 'organisation') return undefined;
  const name = text(value['name'], LIMITS.name, false);
  const mail = email(value['email']);
  if (name === undefined || mail === undefined) return undefined;
  const out: Record<string, unknown> = { kind, name, email: mail };
  if (has(value, 'organisation')) {
    const v = text(value['organisation'], LIMITS.organisation, false);
    if (v === undefined) return undefined;
    out['organisation'] = v;
  } else if (kind === 'organisation') {
    return undefined;
  }
  if (has(value, 'role')) {
    const v = text(value['role'], LIMITS.role, false);
    if (v === undefined) return undefined;
    out['role'] = v;
  }
  if (has(value, 'country')) {
    const v = country(value['country']);
    if (v === undefined) return undefined;
    out['country'] = v;
  }
  if (has(value, 'comment')) {
    const v = text(value['comment'], LIMITS.comment, true);
    if (v === undefined) return undefined;
    out['comment'] = v;
  }
  const consent = value['consent'];
  if (!isPlainObject(consent) || !onlyKeys(consent, CONSENT_KEYS)) return undefined;
  const { listPublicly, contactLater } = consent;
  if (typeof listPublicly !== 'boolean' || typeof contactLater !== 'boolean') return undefined;
  out['consent'] = { listPublicly, contactLater };
  if (has(value, 'extra')) {
    const extra = value['extra'];
    if (!isPlainObject(extra)) return undefined;
    const fields: Record<string, string | boolean> = {};
    let count = 0;
    for (const key in extra) {
      if (!EXTRA_KEY.test(key) || ++count > LIMITS.extraFields) return undefined;
      const field = extra[key];
      if (typeof field === 'boolean') {
        fields[key] = field;
      } else {
        const v = text(field, LIMITS.extraValue, false);
        if (v === undefined) return undefined;
        fields[key] = v;
      }
    }
    out['extra'] = fields;
  }
  return out as Signer;
}

const CONSENT_KEYS = new Set(['listPublicly', 'contactLater']);

/** {@link plaintextSchema}'s output, or `undefined` (zod then decides). */
export function fastPlaintext(value: unknown): SubmissionPlaintext | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, PLAINTEXT_KEYS)) return undefined;
  const { v, campaign, sid, wh, createdAt } = value;
  if (v !== 1 || typeof campaign !== 'string' || !CAMPAIGN_ID.test(campaign)) return undefined;
  if (typeof sid !== 'string' || !SUBMISSION_ID.test(sid) || typeof wh !== 'string' || !BASE64URL_32_PATTERN.test(wh)) return undefined;
  if (typeof createdAt !== 'number' || !Number.isInteger(createdAt) || createdAt < 0 || createdAt > MAX_CREATED_AT) return undefined;
  const signer = fastSigner(value['signer']);
  if (signer === undefined) return undefined;
  const out: Record<string, unknown> = { v, campaign, sid, wh, createdAt, signer };
  if (has(value, 'cs')) {
    const cs = value['cs'];
    if (typeof cs !== 'string' || !BASE64URL_32_PATTERN.test(cs)) return undefined;
    out['cs'] = cs;
  }
  if (has(value, 'lang')) {
    const lang = value['lang'];
    if (typeof lang !== 'string' || lang.length > 35 || !LANGUAGE_TAG.test(lang)) return undefined;
    out['lang'] = lang;
  }
  return out as SubmissionPlaintext;
}

/** The envelope members as envelope.ts's schema outputs them, or `undefined` (zod then decides). */
export function fastEnvelopeMembers(value: unknown): { v: 1; campaign: string; kid: string; sid: string; wh: string; ch?: string; ct: string } | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, ENVELOPE_KEYS)) return undefined;
  const { v, campaign, kid, sid, wh, ct } = value;
  if (v !== 1 || typeof campaign !== 'string' || !CAMPAIGN_ID.test(campaign)) return undefined;
  if (typeof kid !== 'string' || !KEY_ID.test(kid) || typeof sid !== 'string' || !SUBMISSION_ID.test(sid)) return undefined;
  if (typeof wh !== 'string' || !BASE64URL_32_PATTERN.test(wh)) return undefined;
  if (typeof ct !== 'string' || ct.length === 0 || !BASE64URL.test(ct)) return undefined;
  if (!has(value, 'ch')) return { v, campaign, kid, sid, wh, ct };
  const ch = value['ch'];
  if (typeof ch !== 'string' || !BASE64URL_32_PATTERN.test(ch)) return undefined;
  return { v, campaign, kid, sid, wh, ch, ct };
}

const BASE64URL_VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/** Node's Buffer where there is one (its base64url decoder is native), else `undefined`. */
const NodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'base64url'): Uint8Array } }).Buffer;

/**
 * The bytes of a text that the envelope schema's `ct` pattern accepted (base64url characters
 * only), exactly as encode.ts's `fromBase64Url` decodes it: `undefined` unless canonical (a length
 * that is not 1 more than a multiple of 4, and the last character's unused low bits zero). In
 * Node, Buffer's native decoder does the work, which for those texts gives the same bytes.
 */
export function decodeBase64UrlCharacters(text: string, fallback: (text: string) => Uint8Array | undefined): Uint8Array | undefined {
  if (NodeBuffer === undefined) return fallback(text);
  const rest = text.length % 4;
  if (rest === 1) return undefined;
  if (rest !== 0) {
    const last = BASE64URL_VALUES[text.charCodeAt(text.length - 1)] as number;
    if (last < 0 || (last & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return NodeBuffer.from(text, 'base64url');
}
