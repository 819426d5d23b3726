// Confirmation secrets (docs/format.md §3.7). A signer's browser draws 32 random bytes per
// signature and seals them inside the plaintext (`cs`); the envelope carries their SHA-256 outside
// (`ch`). Only staff, holding the campaign key, read the secret: they put it in the confirmation
// link they e-mail to the signer. Clicking reveals it to the collector, which checks it against
// `ch` and logs it (entry kinds 04 and 05), without ever having seen the e-mail address.
//
// Same rules as withdrawal.ts: pure and synchronous (SHA-256 from @noble/hashes), one canonical
// spelling per value, misused arguments throw TypeError naming the argument, never quoting a secret.
import { createWithdrawalSecret, formatWithdrawalCode, parseWithdrawalCode, withdrawalHash } from './withdrawal.js';

/** Size of a confirmation secret, in bytes. */
export const CONFIRMATION_SECRET_BYTES = 32;

/**
 * Creates a new confirmation secret and its hash: 32 bytes from `crypto.getRandomValues`.
 *
 * @returns `secret` (sealed inside the plaintext as `cs`) and `hash` (the envelope's `ch`).
 * @throws Error if the platform has no `crypto.getRandomValues`.
 * @example
 * ```ts
 * const { secret, hash } = createConfirmationSecret();
 * const envelope = await sealSubmission({ publicKey, campaign, signer, confirmationSecret: secret });
 * envelope.ch === hash; // true
 * ```
 */
export function createConfirmationSecret(): { secret: string; hash: string } {
  return createWithdrawalSecret();
}

/**
 * The confirmation hash `ch` of a confirmation secret: base64url of its SHA-256.
 *
 * @param secret - 32 bytes in canonical base64url without padding (43 characters).
 * @throws TypeError if `secret` is not that.
 * @example
 * ```ts
 * confirmationHash(opened.confirmationSecret) === envelope.ch; // true for every opened envelope with ch
 * ```
 */
export function confirmationHash(secret: string): string {
  return withdrawalHash(secret);
}

/**
 * Writes a secret code `<sid>.<secret>`: a withdrawal code (§3.6) or a confirmation code (§3.7),
 * which share one syntax. The same function as {@link formatWithdrawalCode}.
 *
 * @throws TypeError if `sid` or `secret` is malformed.
 * @example
 * ```ts
 * const link = `${collector}/v1/campaigns/${campaign}/confirm?code=${formatSecretCode(sid, cs)}`;
 * ```
 */
export const formatSecretCode: (sid: string, secret: string) => string = formatWithdrawalCode;

/**
 * Reads a secret code `<sid>.<secret>` (withdrawal or confirmation): white space around it is
 * ignored, nothing else is forgiven. The same function as {@link parseWithdrawalCode}.
 *
 * @returns the code's parts, or `undefined` if it is not a well-formed code.
 * @example
 * ```ts
 * const code = parseSecretCode(new URL(request.url).searchParams.get('code'));
 * ```
 */
export const parseSecretCode: typeof parseWithdrawalCode = parseWithdrawalCode;
