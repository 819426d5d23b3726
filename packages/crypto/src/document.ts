// Signed documents (docs/format.md §5): what campaign staff publish, such as the public signer
// wall, signed with the campaign's Ed25519 key over a canonical serialisation, so that
// verification never depends on key order or white space and a collector cannot alter a byte.

import * as z from 'zod/mini';
import { canonicalJson, type CanonicalValue } from './canonical.js';
import { fromBase64Url, toBase64Url } from './encode.js';
import { concatBytes, utf8 } from './encoding.js';
import { SecureSignError, authenticationFailed } from './errors.js';
import type { CampaignKeyPair, CampaignPublicKey } from './keys.js';
import { campaignIdSchema } from './schema.js';
import { ready } from './sodium.js';

/** The document version this library writes and reads. */
export const DOCUMENT_VERSION = 1;
/** Prefix of every signed message, so a document signature can never be mistaken for another. */
const SIGNATURE_CONTEXT = 'secure-sign signed document v1\n';
/** Default largest document accepted by {@link verifyDocument}, as JSON text. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** What a signed document says. */
export interface DocumentPayload<T extends CanonicalValue = CanonicalValue> {
  /** What kind of document this is, e.g. `wall`. */
  readonly type: string;
  /** The campaign it belongs to. */
  readonly campaign: string;
  /** When it was signed (ISO 8601, UTC). */
  readonly issuedAt: string;
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

const documentSchema = z.strictObject({
  v: z.literal(1),
  kid: z.string().check(z.regex(/^[a-z2-7]{16}$/)),
  payload: z.strictObject({
    type: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/)),
    campaign: campaignIdSchema,
    issuedAt: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/)),
    data: z.unknown(),
  }),
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
  readonly data: T;
  /** Signing time; now by default. */
  readonly issuedAt?: Date;
}

/**
 * Signs a JSON document with the campaign's Ed25519 key.
 *
 * @throws TypeError if `type` or `campaign` is malformed, or `data` is not canonical JSON
 * (floats, undefined, class instances).
 * @example
 * ```ts
 * const wall = await signDocument(keys, { type: 'wall', campaign: 'open-letter', data: { entries } });
 * await writeFile('wall.json', JSON.stringify(wall));
 * ```
 */
export async function signDocument<T extends CanonicalValue>(
  keys: CampaignKeyPair,
  options: SignOptions<T>,
): Promise<SignedDocument<T>> {
  const payload: DocumentPayload<T> = {
    type: options.type,
    campaign: options.campaign,
    issuedAt: (options.issuedAt ?? new Date()).toISOString(),
    data: options.data,
  };
  if (!documentSchema.shape.payload.shape.type.safeParse(payload.type).success) throw new TypeError('type: malformed document type');
  if (!campaignIdSchema.safeParse(payload.campaign).success) throw new TypeError('campaign: not a valid campaign id');
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
}

/**
 * Verifies a signed document against a campaign's public key and returns its payload. Use only
 * what this returns, never the unverified input.
 *
 * @param publicKey - the campaign's public key.
 * @param input - the document, or its JSON text.
 * @throws {@link SecureSignError} with code `OVERSIZE`, `MALFORMED_DOCUMENT`, `UNSUPPORTED_VERSION`,
 * `KEY_MISMATCH`, `AUTHENTICATION_FAILED`, `CAMPAIGN_MISMATCH` or `DOCUMENT_TYPE_MISMATCH`.
 * @example
 * ```ts
 * const { data } = await verifyDocument(publicKey, await response.text(), { type: 'wall', campaign });
 * ```
 */
export async function verifyDocument(
  publicKey: CampaignPublicKey,
  input: unknown,
  options: VerifyOptions = {},
): Promise<DocumentPayload> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  let value = input;
  if (typeof input === 'string') {
    if (input.length > maxBytes || utf8(input).length > maxBytes) {
      throw new SecureSignError('OVERSIZE', `document is larger than ${maxBytes} bytes`);
    }
    try {
      value = JSON.parse(input);
    } catch {
      throw new SecureSignError('MALFORMED_DOCUMENT', 'document is not valid JSON');
    }
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
  if (options.type !== undefined && doc.payload.type !== options.type) {
    throw new SecureSignError('DOCUMENT_TYPE_MISMATCH', 'document is of another type than expected');
  }
  if (options.campaign !== undefined && doc.payload.campaign !== options.campaign) {
    throw new SecureSignError('CAMPAIGN_MISMATCH', 'document belongs to another campaign');
  }
  return doc.payload as DocumentPayload;
}
