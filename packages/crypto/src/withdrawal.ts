// Withdrawal secrets (docs/format.md §3.6). A signer's browser draws 32 random bytes per
// signature; the envelope carries wh = SHA-256(secret), outside the ciphertext for the collector
// and inside it for staff, and the signer keeps the secret. Revealing the secret later proves that
// whoever asks to withdraw holds it, without saying who they are.
//
// Rules for this file:
// - Pure and synchronous: SHA-256 from @noble/hashes (the log module uses the same), no libsodium,
//   no zod, so that the log module and any entry point can import it cheaply. libsodium.js's
//   standard build has no SHA-256 and WebCrypto's digest is asynchronous and missing from pages
//   that are not a secure context (an embed on plain http).
// - Every secret and hash is canonical base64url without padding, 43 characters: one spelling per
//   value, so that comparing strings compares values.
// - Misused arguments throw TypeError naming the argument, never quoting a secret.
import { sha256 } from '@noble/hashes/sha2.js';
import { BASE64URL_32_PATTERN, fromBase64Url, toBase64Url } from './encode.js';

/** Size of a withdrawal secret, in bytes. */
export const WITHDRAWAL_SECRET_BYTES = 32;

/** @internal The 32 bytes of a canonical 43-character base64url value, or undefined. */
export function decode32(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !BASE64URL_32_PATTERN.test(text)) return undefined;
  const bytes = fromBase64Url(text);
  return bytes?.length === WITHDRAWAL_SECRET_BYTES ? bytes : undefined;
}

/** @internal wh of a secret's 32 bytes. */
export function withdrawalHashOfBytes(secret: Uint8Array): string {
  return toBase64Url(sha256(secret));
}

/**
 * Creates a new withdrawal secret and its hash. The secret is 32 bytes from the platform's
 * `crypto.getRandomValues`, the random source libsodium.js uses when sealing.
 *
 * @returns `secret` (give it to the signer only) and `hash` (what the envelope carries as `wh`).
 * @throws Error if the platform has no `crypto.getRandomValues`.
 * @example
 * ```ts
 * const { secret, hash } = createWithdrawalSecret();
 * const envelope = await sealSubmission({ publicKey, campaign, signer, withdrawalSecret: secret });
 * envelope.wh === hash; // true
 * ```
 */
export function createWithdrawalSecret(): { secret: string; hash: string } {
  if (typeof globalThis.crypto?.getRandomValues !== 'function') {
    throw new Error('secure-sign needs crypto.getRandomValues (every current browser, Node 20+)');
  }
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(WITHDRAWAL_SECRET_BYTES));
  return { secret: toBase64Url(bytes), hash: withdrawalHashOfBytes(bytes) };
}

/**
 * The withdrawal hash `wh` of a withdrawal secret: base64url of its SHA-256.
 *
 * @param secret - 32 bytes in canonical base64url without padding (43 characters).
 * @throws TypeError if `secret` is not that.
 * @example
 * ```ts
 * withdrawalHash('8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PA'); // the wh of 32 bytes f0
 * ```
 */
export function withdrawalHash(secret: string): string {
  const bytes = decode32(secret);
  if (!bytes) throw new TypeError('secret: expected 32 bytes in canonical base64url (43 characters)');
  return withdrawalHashOfBytes(bytes);
}

/** A withdrawal code as the signer holds it: the submission id and the secret. */
export interface WithdrawalCode {
  /** The envelope's `sid`. */
  readonly sid: string;
  /** The withdrawal secret (43 base64url characters). */
  readonly secret: string;
}

const SUBMISSION_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * Writes the withdrawal code a signer keeps: `<sid>.<secret>` (both base64url; `.` is not in
 * the alphabet), 66 characters.
 *
 * @throws TypeError if `sid` or `secret` is malformed.
 * @example
 * ```ts
 * const code = formatWithdrawalCode(envelope.sid, withdrawalSecret);
 * ```
 */
export function formatWithdrawalCode(sid: string, secret: string): string {
  if (typeof sid !== 'string' || !SUBMISSION_ID.test(sid) || fromBase64Url(sid)?.length !== 16) {
    throw new TypeError('sid: expected 16 bytes in canonical base64url (22 characters)');
  }
  if (!decode32(secret)) throw new TypeError('secret: expected 32 bytes in canonical base64url (43 characters)');
  return `${sid}.${secret}`;
}

/**
 * Reads a withdrawal code as a signer pastes it: leading and trailing white space is ignored,
 * nothing else is forgiven.
 *
 * @returns the code's parts, or `undefined` if it is not a well-formed code.
 * @example
 * ```ts
 * const code = parseWithdrawalCode(form.get('code'));
 * if (!code) return badRequest();
 * ```
 */
export function parseWithdrawalCode(text: unknown): WithdrawalCode | undefined {
  if (typeof text !== 'string' || text.length > 200) return undefined;
  const trimmed = text.trim();
  const dot = trimmed.indexOf('.');
  if (dot < 0) return undefined;
  const sid = trimmed.slice(0, dot);
  const secret = trimmed.slice(dot + 1);
  if (!SUBMISSION_ID.test(sid) || fromBase64Url(sid)?.length !== 16 || !decode32(secret)) return undefined;
  return { sid, secret };
}
