// Signed documents (docs/format.md §5): what campaign staff publish, such as the public signer
// wall, signed with the campaign's Ed25519 key over a canonical serialisation, so that
// verification never depends on key order or white space and a collector cannot alter a byte.

import * as z from 'zod/mini';
import { canonicalJson, type CanonicalValue } from './canonical.js';
import { fromBase64Url, toBase64Url } from './encode.js';
import { concatBytes, utf8 } from './encoding.js';
import { SecureSignError, authenticationFailed } from './errors.js';
import { parseStrictJson } from './json.js';
import type { CampaignKeyPair, CampaignPublicKey } from './keys.js';
import { campaignIdSchema, isoTimestampSchema } from './schema.js';
import { ready } from './sodium.js';

/** The document version this library writes and reads. */
export const DOCUMENT_VERSION = 1;
/** Prefix of every signed message, so a document signature can never be mistaken for another. */
const SIGNATURE_CONTEXT = 'secure-sign signed document v1\n';
/** Default largest document accepted by {@link verifyDocument}, as JSON text. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** How long a document stays valid when {@link SignOptions.validUntil} is not given: 30 days. */
export const DEFAULT_DOCUMENT_VALIDITY_MS = 30 * 24 * 60 * 60 * 1000;

/** What a signed document says. */
export interface DocumentPayload<T extends CanonicalValue = CanonicalValue> {
  /** What kind of document this is, e.g. `wall`. */
  readonly type: string;
  /** The campaign it belongs to. */
  readonly campaign: string;
  /**
   * Position of this document among the campaign's documents of its type: an integer from 1 to
   * 2^53−1 that staff increase with every new one. Readers never replace a document by one with a
   * lower serial (see {@link VerifyOptions.minSerial}).
   */
  readonly serial: number;
  /** When it was signed: `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC). */
  readonly issuedAt: string;
  /** When it stops being valid, same form, strictly after `issuedAt`. Readers refuse it from then on. */
  readonly validUntil: string;
  /** The content. */
  readonly data: T;
}

/** A signed document as published. */
export interface SignedDocument<T extends CanonicalValue = CanonicalValue> {
  readonly v: 1;
  /** Key id of the signing campaign key. */
  readonly kid: string;
  readonly payload: DocumentPayload<T>;
  /** Ed25519 signature, base64url. */
  readonly sig: string;
}

const documentTypeSchema = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/));

const documentSchema = z.strictObject({
  v: z.literal(1),
  kid: z.string().check(z.regex(/^[a-z2-7]{16}$/)),
  payload: z
    .strictObject({
      type: documentTypeSchema,
      campaign: campaignIdSchema,
      serial: z.number().check(z.int(), z.gte(1), z.lte(Number.MAX_SAFE_INTEGER)),
      issuedAt: isoTimestampSchema,
      validUntil: isoTimestampSchema,
      data: z.unknown(),
    })
    // Both are in the same fixed-width form, so string order is time order.
    .check(z.refine((payload) => payload.validUntil > payload.issuedAt, { message: 'validUntil must be after issuedAt' })),
  sig: z.string().check(z.regex(/^[A-Za-z0-9_-]{86}$/)),
});

function message(payload: unknown): Uint8Array {
  return concatBytes(utf8(SIGNATURE_CONTEXT), utf8(canonicalJson(payload)));
}

/** Options of {@link signDocument}. */
export interface SignOptions<T extends CanonicalValue> {
  /** Document type: 1-32 of a-z, 0-9 and `-`, starting with a letter. */
  readonly type: string;
  readonly campaign: string;
  /**
   * This document's serial: an integer from 1 to `Number.MAX_SAFE_INTEGER`, greater than the serial
   * of the campaign's previous document of this type.
   */
  readonly serial: number;
  readonly data: T;
  /** Signing time; now by default. Must lie in the years 0000 to 9999. */
  readonly issuedAt?: Date;
  /** End of validity, strictly after `issuedAt`; `issuedAt` + {@link DEFAULT_DOCUMENT_VALIDITY_MS} by default. */
  readonly validUntil?: Date;
}

/** The timestamp form of documents for a Date, or a RangeError naming the option. */
function timestampOption(date: unknown, name: string): string {
  if (!(date instanceof Date)) throw new TypeError(`${name}: expected a Date`);
  const time = date.getTime();
  const text = Number.isFinite(time) ? date.toISOString() : undefined;
  if (text === undefined || !isoTimestampSchema.safeParse(text).success) {
    throw new RangeError(`${name}: expected a valid date between the years 0000 and 9999`);
  }
  return text;
}

/**
 * Signs a JSON document with the campaign's Ed25519 key.
 *
 * @throws TypeError if `type` or `campaign` is malformed, `serial` is not a number, `issuedAt` or
 * `validUntil` is not a Date, or `data` is not canonical JSON (floats, undefined, class instances).
 * @throws RangeError if `serial` is not an integer from 1 to `Number.MAX_SAFE_INTEGER`, a date is
 * invalid or outside the years 0000-9999, or `validUntil` is not after `issuedAt`.
 * @example
 * ```ts
 * const wall = await signDocument(keys, { type: 'wall', campaign: 'open-letter', serial: 8, data: { entries } });
 * await writeFile('wall.json', JSON.stringify(wall));
 * ```
 */
export async function signDocument<T extends CanonicalValue>(
  keys: CampaignKeyPair,
  options: SignOptions<T>,
): Promise<SignedDocument<T>> {
  if (!documentTypeSchema.safeParse(options.type).success) throw new TypeError('type: malformed document type');
  if (!campaignIdSchema.safeParse(options.campaign).success) throw new TypeError('campaign: not a valid campaign id');
  const { serial } = options;
  if (typeof serial !== 'number') throw new TypeError('serial: expected a number');
  if (!Number.isSafeInteger(serial) || serial < 1) {
    throw new RangeError('serial: expected an integer from 1 to Number.MAX_SAFE_INTEGER');
  }
  const issuedAtDate = options.issuedAt ?? new Date();
  const issuedAt = timestampOption(issuedAtDate, 'issuedAt');
  const validUntil =
    options.validUntil === undefined
      ? timestampOption(new Date(issuedAtDate.getTime() + DEFAULT_DOCUMENT_VALIDITY_MS), 'validUntil')
      : timestampOption(options.validUntil, 'validUntil');
  if (validUntil <= issuedAt) throw new RangeError('validUntil: must be after issuedAt');
  const payload: DocumentPayload<T> = {
    type: options.type,
    campaign: options.campaign,
    serial,
    issuedAt,
    validUntil,
    data: options.data,
  };
  const sodium = await ready();
  const sig = sodium.crypto_sign_detached(message(payload), keys.signingSecretKey);
  return { v: 1, kid: keys.publicKey.keyId, payload, sig: toBase64Url(sig) };
}

/** Options of {@link verifyDocument}. */
export interface VerifyOptions {
  /** The document must be of this type. */
  readonly type?: string;
  /** The document must belong to this campaign. */
  readonly campaign?: string;
  /** Largest accepted JSON text, in bytes; {@link DEFAULT_MAX_DOCUMENT_BYTES} by default. */
  readonly maxBytes?: number;
  /**
   * The time to check `validUntil` against: the current time by default. A document with
   * `now >= validUntil` is refused (`DOCUMENT_EXPIRED`). `null` skips the check (to inspect an old
   * document, never to display one).
   */
  readonly now?: Date | null;
  /**
   * The serial of the document of this type the reader already holds or has seen: a document with
   * a lower serial is refused (`DOCUMENT_ROLLED_BACK`). The same serial is accepted (a re-fetch).
   */
  readonly minSerial?: number;
}

/**
 * Verifies a signed document against a campaign's public key and returns its payload. Use only
 * what this returns, never the unverified input.
 *
 * Checks, in this order: size, JSON (duplicate member names are malformed), version, shape, key
 * id, signature, type, campaign, serial (`minSerial`), expiry (`now`). So a forged or foreign
 * document is never reported as merely expired or rolled back.
 *
 * @param publicKey - the campaign's public key.
 * @param input - the document, or its JSON text.
 * @throws {@link SecureSignError} with code `OVERSIZE`, `MALFORMED_DOCUMENT`, `UNSUPPORTED_VERSION`,
 * `KEY_MISMATCH`, `AUTHENTICATION_FAILED`, `DOCUMENT_TYPE_MISMATCH`, `CAMPAIGN_MISMATCH`,
 * `DOCUMENT_ROLLED_BACK` or `DOCUMENT_EXPIRED`.
 * @throws TypeError or RangeError if `now` is not a valid Date or null, or `minSerial` is not a
 * safe integer.
 * @example
 * ```ts
 * const { data, serial } = await verifyDocument(publicKey, await response.text(), {
 *   type: 'wall', campaign, minSerial: lastSeenSerial,
 * });
 * ```
 */
export async function verifyDocument(
  publicKey: CampaignPublicKey,
  input: unknown,
  options: VerifyOptions = {},
): Promise<DocumentPayload> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const now = options.now === undefined ? new Date() : options.now;
  if (now !== null && !(now instanceof Date && Number.isFinite(now.getTime()))) {
    throw new TypeError('now: expected a valid Date or null');
  }
  const { minSerial } = options;
  if (minSerial !== undefined && !Number.isSafeInteger(minSerial)) {
    throw new RangeError('minSerial: expected a safe integer');
  }
  let value = input;
  if (typeof input === 'string') {
    if (input.length > maxBytes || utf8(input).length > maxBytes) {
      throw new SecureSignError('OVERSIZE', `document is larger than ${maxBytes} bytes`);
    }
    const parsed = parseStrictJson(input);
    if (!parsed.ok) {
      throw new SecureSignError(
        'MALFORMED_DOCUMENT',
        parsed.problem === 'not JSON' ? 'document is not valid JSON' : 'document has two members of the same name',
      );
    }
    value = parsed.value;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const version = (value as Record<string, unknown>)['v'];
    if (version !== DOCUMENT_VERSION) {
      throw new SecureSignError('UNSUPPORTED_VERSION', 'document version is not supported');
    }
  }
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) throw new SecureSignError('MALFORMED_DOCUMENT', 'document is not a well-formed signed document');
  const doc = parsed.data;
  if (doc.kid !== publicKey.keyId) throw new SecureSignError('KEY_MISMATCH', 'document was signed by another campaign key');
  let signed: Uint8Array;
  try {
    signed = message(doc.payload);
  } catch (cause) {
    throw new SecureSignError('MALFORMED_DOCUMENT', 'document payload is not canonical JSON', { cause });
  }
  const sodium = await ready();
  const sig = fromBase64Url(doc.sig);
  if (!sig || !sodium.crypto_sign_verify_detached(sig, signed, publicKey.signingKey)) throw authenticationFailed();
  const payload = doc.payload as DocumentPayload;
  if (options.type !== undefined && payload.type !== options.type) {
    throw new SecureSignError('DOCUMENT_TYPE_MISMATCH', 'document is of another type than expected');
  }
  if (options.campaign !== undefined && payload.campaign !== options.campaign) {
    throw new SecureSignError('CAMPAIGN_MISMATCH', 'document belongs to another campaign');
  }
  if (minSerial !== undefined && payload.serial < minSerial) {
    throw new SecureSignError(
      'DOCUMENT_ROLLED_BACK',
      `document serial ${payload.serial} is lower than ${minSerial}, the serial already seen: an older document replayed`,
    );
  }
  if (now !== null && now.getTime() >= Date.parse(payload.validUntil)) {
    throw new SecureSignError('DOCUMENT_EXPIRED', `document expired at ${payload.validUntil}`);
  }
  return payload;
}
