// Campaign keys: an X25519 pair for sealed boxes and an Ed25519 pair for signed documents,
// travelling together as one public key string and one secret key string.

import { SecureSignError } from './errors.js';
import { toBase32 } from './encode.js';
import { crc32, concatBytes, utf8 } from './encoding.js';
import { KEY_BYTES, PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX, decodeKeyString } from './key-string.js';
import { ready, type Sodium } from './sodium.js';

/** Domain separation for the key id hash (docs/format.md §2.3). */
const KEY_ID_CONTEXT = 'secure-sign key id v1\0';
/** The key id is the first 10 bytes of the key hash: enough to pick a key, not to authenticate one. */
const KEY_ID_BYTES = 10;
/**
 * The fingerprint is the first 20 bytes (160 bits) of the same hash. People compare it to detect a
 * substituted key, which an attacker must make by a second preimage: 80 bits (the key id) is
 * within reach of a well-funded attacker, 160 bits is not.
 */
const FINGERPRINT_BYTES = 20;

/** The public half of a campaign key: what partners paste into the embed. */
export interface CampaignPublicKey {
  /** X25519 public key (32 bytes) that submissions are sealed to. */
  readonly encryptionKey: Uint8Array;
  /** Ed25519 public key (32 bytes) that verifies the campaign's signed documents. */
  readonly signingKey: Uint8Array;
  /** Short id carried in envelopes and documents: 16 base32 characters (80 bits, for lookup only). */
  readonly keyId: string;
  /**
   * What people compare to be sure a key string is the campaign's: 160 bits of the key hash as 32
   * upper-case base32 characters in eight groups of four, e.g.
   * `ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567`. It starts with the key id (upper-cased).
   */
  readonly fingerprint: string;
  /** The public campaign key string (`sspk1...`). */
  readonly keyString: string;
}

/** A full campaign key. Keep it offline: it opens every submission and signs for the campaign. */
export interface CampaignKeyPair {
  /** The public half. */
  readonly publicKey: CampaignPublicKey;
  /** X25519 secret key (32 bytes). */
  readonly encryptionSecretKey: Uint8Array;
  /** Ed25519 seed (32 bytes) from which the signing key pair is derived. */
  readonly signingSeed: Uint8Array;
  /** Ed25519 secret key in libsodium's 64-byte form (seed followed by public key). */
  readonly signingSecretKey: Uint8Array;
}

/** @internal Encodes 64 key bytes (the inverse of decodeKeyString lives in key-string.ts) as a key string with the given prefix. */
export function encodeKeyString(prefix: string, keyBytes: Uint8Array): string {
  if (keyBytes.length !== KEY_BYTES) throw new RangeError(`keyBytes must be ${KEY_BYTES} bytes`);
  const sum = crc32(concatBytes(utf8(prefix), keyBytes));
  const check = new Uint8Array([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff]);
  return prefix + toBase32(concatBytes(keyBytes, check));
}

function buildPublicKey(sodium: Sodium, encryptionKey: Uint8Array, signingKey: Uint8Array): CampaignPublicKey {
  const keyBytes = concatBytes(encryptionKey, signingKey);
  const digest = sodium.crypto_generichash(32, concatBytes(utf8(KEY_ID_CONTEXT), keyBytes), null);
  const keyId = toBase32(digest.subarray(0, KEY_ID_BYTES));
  return Object.freeze({
    encryptionKey,
    signingKey,
    keyId,
    fingerprint: toBase32(digest.subarray(0, FINGERPRINT_BYTES)).toUpperCase().match(/.{4}/g)!.join(' '),
    keyString: encodeKeyString(PUBLIC_KEY_PREFIX, keyBytes),
  });
}

function buildKeyPair(sodium: Sodium, encryptionSecretKey: Uint8Array, signingSeed: Uint8Array): CampaignKeyPair {
  const encryptionKey = sodium.crypto_scalarmult_base(encryptionSecretKey);
  const signing = sodium.crypto_sign_seed_keypair(signingSeed);
  return Object.freeze({
    publicKey: buildPublicKey(sodium, encryptionKey, signing.publicKey),
    encryptionSecretKey,
    signingSeed,
    signingSecretKey: signing.privateKey,
  });
}

/**
 * Generates a new campaign key from the platform's secure random source.
 *
 * @returns the key pair; share only `publicKey.keyString`.
 * @example
 * ```ts
 * const keys = await generateCampaignKeys();
 * console.log(keys.publicKey.keyString, keys.publicKey.fingerprint);
 * ```
 */
export async function generateCampaignKeys(): Promise<CampaignKeyPair> {
  const sodium = await ready();
  const box = sodium.crypto_box_keypair();
  return buildKeyPair(sodium, box.privateKey, sodium.randombytes_buf(32));
}

function invalidKey(kind: string, problem: string): SecureSignError {
  return new SecureSignError('INVALID_KEY', `invalid ${kind} campaign key string: ${problem}`);
}

/**
 * Parses a public campaign key string (`sspk1...`), checking its checksum.
 *
 * @param text - the key string; surrounding white space is ignored.
 * @throws {@link SecureSignError} `INVALID_KEY` if it is malformed, mistyped or a secret key.
 * @example
 * ```ts
 * const key = await parseCampaignPublicKey(element.getAttribute('campaign-key'));
 * ```
 */
export async function parseCampaignPublicKey(text: unknown): Promise<CampaignPublicKey> {
  const decoded = decodeKeyString(text, 'public');
  if (!decoded.ok) throw invalidKey('public', decoded.problem);
  const sodium = await ready();
  const encryptionKey = decoded.keyBytes.slice(0, 32);
  const signingKey = decoded.keyBytes.slice(32);
  // A point that is not on the curve cannot be a real Ed25519 key: catch it now, not at verify time.
  try {
    sodium.crypto_sign_ed25519_pk_to_curve25519(signingKey);
  } catch {
    throw invalidKey('public', 'not a valid signing key');
  }
  return buildPublicKey(sodium, encryptionKey, signingKey);
}

/**
 * Parses a secret campaign key string (`sssk1...`) and rebuilds the whole key pair.
 *
 * @param text - the secret key string.
 * @throws {@link SecureSignError} `INVALID_KEY` if it is malformed, mistyped or a public key.
 * @example
 * ```ts
 * const keys = await parseCampaignSecretKey(await readDecryptedKeyFile());
 * ```
 */
export async function parseCampaignSecretKey(text: unknown): Promise<CampaignKeyPair> {
  const decoded = decodeKeyString(text, 'secret');
  if (!decoded.ok) throw invalidKey('secret', decoded.problem);
  const sodium = await ready();
  return buildKeyPair(sodium, decoded.keyBytes.slice(0, 32), decoded.keyBytes.slice(32));
}

/**
 * Formats the secret half of a key pair as a secret key string (`sssk1...`), for storage in an
 * encrypted key file. Never show it, log it or send it.
 *
 * @example
 * ```ts
 * const secret = formatCampaignSecretKey(keys);
 * ```
 */
export function formatCampaignSecretKey(keys: CampaignKeyPair): string {
  return encodeKeyString(SECRET_KEY_PREFIX, concatBytes(keys.encryptionSecretKey, keys.signingSeed));
}
