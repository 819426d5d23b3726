// The textual form of campaign keys. Pure JavaScript (no libsodium) so that a page can check a
// pasted key string, and the widget can refuse a bad one, before any cryptography is loaded.
//
// Layout (docs/format.md §2): PREFIX || base32(key bytes || CRC-32(ascii(PREFIX) || key bytes)).
// A single mistyped character changes at most five adjacent bits, which CRC-32 always detects;
// tests check every position and every substitute character.

import { crc32, concatBytes, fromBase32, utf8 } from './encoding.js';

/** Prefix of a public campaign key string. */
export const PUBLIC_KEY_PREFIX = 'sspk1';
/** Prefix of a secret campaign key string. */
export const SECRET_KEY_PREFIX = 'sssk1';
/** @internal Length of each key: 32 bytes of X25519 then 32 bytes of Ed25519. */
export const KEY_BYTES = 64;
/** Length of a key string of either kind, in characters. */
export const KEY_STRING_LENGTH = 5 + Math.ceil(((KEY_BYTES + 4) * 8) / 5);

/** Why a key string was refused, without echoing any of it. */
export type KeyStringProblem =
  | 'not a string'
  | 'secret key where a public key belongs'
  | 'public key where a secret key belongs'
  | 'unknown prefix'
  | 'wrong length'
  | 'invalid character'
  | 'checksum mismatch (typo?)';

/** @internal Decodes a key string of the given kind to its 64 key bytes, or says what is wrong. */
export function decodeKeyString(
  text: unknown,
  kind: 'public' | 'secret',
): { ok: true; keyBytes: Uint8Array } | { ok: false; problem: KeyStringProblem } {
  if (typeof text !== 'string') return { ok: false, problem: 'not a string' };
  // Surrounding white space is a copy-and-paste artefact, not a typo.
  const trimmed = text.trim();
  const prefix = kind === 'public' ? PUBLIC_KEY_PREFIX : SECRET_KEY_PREFIX;
  if (!trimmed.startsWith(prefix)) {
    if (kind === 'public' && trimmed.startsWith(SECRET_KEY_PREFIX)) {
      return { ok: false, problem: 'secret key where a public key belongs' };
    }
    if (kind === 'secret' && trimmed.startsWith(PUBLIC_KEY_PREFIX)) {
      return { ok: false, problem: 'public key where a secret key belongs' };
    }
    return { ok: false, problem: 'unknown prefix' };
  }
  if (trimmed.length !== KEY_STRING_LENGTH) return { ok: false, problem: 'wrong length' };
  const bytes = fromBase32(trimmed.slice(prefix.length));
  if (!bytes) return { ok: false, problem: 'invalid character' };
  const keyBytes = bytes.subarray(0, KEY_BYTES);
  const expected = crc32(concatBytes(utf8(prefix), keyBytes));
  const actual = ((bytes[64]! << 24) | (bytes[65]! << 16) | (bytes[66]! << 8) | bytes[67]!) >>> 0;
  if (expected !== actual) return { ok: false, problem: 'checksum mismatch (typo?)' };
  return { ok: true, keyBytes: keyBytes.slice() };
}

/**
 * Checks the form and checksum of a public campaign key string without loading any cryptography.
 * Use it to validate what a person pasted; {@link parseCampaignPublicKey} does the full parse.
 *
 * @param text - the string to check.
 * @returns `{ ok: true }`, or `{ ok: false, problem }` where `problem` never repeats the input.
 * @example
 * ```ts
 * const check = checkCampaignKeyString(input.value);
 * if (!check.ok) showError(`That key is not valid: ${check.problem}`);
 * ```
 */
export function checkCampaignKeyString(text: unknown): { ok: true } | { ok: false; problem: KeyStringProblem } {
  const result = decodeKeyString(text, 'public');
  return result.ok ? { ok: true } : result;
}
