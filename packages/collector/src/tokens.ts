// Staff tokens: `sst_` + 32 random bytes in base64url (43 characters). Stored only as SHA-256;
// compared in constant time. A hash suffices (no slow KDF) because the token is 256 random bits.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Shape of a staff token. */
export const STAFF_TOKEN_PATTERN = /^sst_[A-Za-z0-9_-]{43}$/;

/** A new random staff token. */
export function newStaffToken(): string {
  return `sst_${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a token: SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` hashes to `expectedHash`; constant time in the token's content. */
export function tokenMatches(token: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
