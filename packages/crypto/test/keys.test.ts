import { describe, expect, it } from 'vitest';
import {
  KEY_STRING_LENGTH,
  checkCampaignKeyString,
  formatCampaignSecretKey,
  generateCampaignKeys,
  isSecureSignError,
  parseCampaignPublicKey,
  parseCampaignSecretKey,
} from '@secure-sign/crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const keys = await generateCampaignKeys();
const keyString = keys.publicKey.keyString;

async function problemOf(text: string): Promise<string> {
  const check = checkCampaignKeyString(text);
  try {
    await parseCampaignPublicKey(text);
  } catch (error) {
    expect(isSecureSignError(error, 'INVALID_KEY')).toBe(true);
    expect(check.ok).toBe(false);
    return (error as Error).message;
  }
  // Both the quick check and the full parse must agree that it is valid.
  expect(check.ok).toBe(true);
  return 'valid';
}

describe('campaign key strings', () => {
  it('round-trips the public key and derives the same id and fingerprint', async () => {
    expect(keyString).toHaveLength(KEY_STRING_LENGTH);
    expect(keyString).toMatch(/^sspk1[a-z2-7]+$/);
    const parsed = await parseCampaignPublicKey(`  ${keyString}\n`);
    expect(parsed.keyId).toBe(keys.publicKey.keyId);
    // 160 bits: 32 base32 characters in eight groups of four, starting with the key id.
    expect(parsed.fingerprint).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/);
    expect(parsed.fingerprint.replaceAll(' ', '').toLowerCase().slice(0, 16)).toBe(parsed.keyId);
    expect(parsed.fingerprint).toBe(keys.publicKey.fingerprint);
    expect(parsed.encryptionKey).toEqual(keys.publicKey.encryptionKey);
    expect(parsed.signingKey).toEqual(keys.publicKey.signingKey);
  });

  it('round-trips the secret key to the same key pair', async () => {
    const again = await parseCampaignSecretKey(formatCampaignSecretKey(keys));
    expect(again.publicKey.keyString).toBe(keyString);
    expect(again.signingSecretKey).toEqual(keys.signingSecretKey);
    expect(again.encryptionSecretKey).toEqual(keys.encryptionSecretKey);
  });

  it('derives the fingerprint as the first 20 bytes of the key hash (format.md §2.3)', async () => {
    const { createRequire } = await import('node:module');
    const sodium = createRequire(import.meta.url)('sodium-native') as {
      crypto_generichash(out: Buffer, input: Buffer): void;
    };
    const digest = Buffer.alloc(32);
    sodium.crypto_generichash(
      digest,
      Buffer.concat([Buffer.from('secure-sign key id v1\0'), keys.publicKey.encryptionKey, keys.publicKey.signingKey]),
    );
    // RFC 4648 base32 of 20 bytes is 32 characters with no padding.
    let bits = '';
    for (const byte of digest.subarray(0, 20)) bits += byte.toString(2).padStart(8, '0');
    const base32 = bits.match(/.{5}/g)!.map((chunk) => BASE32[parseInt(chunk, 2)]).join('');
    expect(keys.publicKey.fingerprint).toBe(base32.toUpperCase().match(/.{4}/g)!.join(' '));
    expect(keys.publicKey.keyId).toBe(base32.slice(0, 16));
  });

  it('gives different keys each time', async () => {
    const other = await generateCampaignKeys();
    expect(other.publicKey.keyString).not.toBe(keyString);
    expect(other.publicKey.keyId).not.toBe(keys.publicKey.keyId);
  });

  // The checksum's promise, checked exhaustively: CRC-32 is linear, so whether a substitution is
  // caught depends only on its position and on the XOR of the two characters, both enumerated here.
  it('catches every single-character substitution, at every position', () => {
    let tried = 0;
    for (let i = 5; i < keyString.length; i++) {
      for (const replacement of BASE32) {
        if (replacement === keyString[i]) continue;
        const typo = keyString.slice(0, i) + replacement + keyString.slice(i + 1);
        expect(checkCampaignKeyString(typo).ok, `position ${i} -> ${replacement}`).toBe(false);
        tried++;
      }
    }
    expect(tried).toBe((keyString.length - 5) * 31);
  });

  it('catches every swap of two neighbouring characters', () => {
    for (let i = 5; i < keyString.length - 1; i++) {
      if (keyString[i] === keyString[i + 1]) continue;
      const swapped = keyString.slice(0, i) + keyString[i + 1] + keyString[i] + keyString.slice(i + 2);
      expect(checkCampaignKeyString(swapped).ok, `swap at ${i}`).toBe(false);
    }
  });

  it('refuses missing, extra and foreign characters with a reason that does not echo the input', async () => {
    expect(await problemOf(keyString.slice(0, -1))).toContain('wrong length');
    expect(await problemOf(`${keyString}a`)).toContain('wrong length');
    expect(await problemOf(keyString.toUpperCase())).toContain('unknown prefix');
    expect(await problemOf(`sspk1${keyString.slice(5).toUpperCase()}`)).toContain('invalid character');
    expect(await problemOf(keyString.replace(/.$/, '1'))).toContain('invalid character');
    expect(await problemOf('')).toContain('unknown prefix');
    // One character changed at a fixed position (a random key need not contain any given letter).
    const typo = keyString.slice(0, 40) + (keyString[40] === 'a' ? 'b' : 'a') + keyString.slice(41);
    const message = await problemOf(typo);
    expect(message).toMatch(/checksum|invalid character/);
    expect(message).not.toContain(keyString.slice(5, 20));
    expect(checkCampaignKeyString(42)).toEqual({ ok: false, problem: 'not a string' });
  });

  it('refuses a secret key pasted where the public key belongs, and the reverse', async () => {
    const secret = formatCampaignSecretKey(keys);
    const message = await problemOf(secret);
    expect(message).toContain('secret key where a public key belongs');
    expect(message).not.toContain(secret.slice(5, 20));
    await expect(parseCampaignSecretKey(keyString)).rejects.toThrow('public key where a secret key belongs');
  });

  it('refuses a correctly checksummed string whose signing key is not a curve point', async () => {
    // Rebuild a key string with valid checksum around an Ed25519 key that cannot be decoded.
    const { encodeKeyString } = await import('../src/keys.js');
    const bytes = new Uint8Array(64);
    bytes.set(keys.publicKey.encryptionKey);
    bytes.fill(0xff, 32);
    const bogus = encodeKeyString('sspk1', bytes);
    expect(checkCampaignKeyString(bogus).ok).toBe(true);
    await expect(parseCampaignPublicKey(bogus)).rejects.toThrow('not a valid signing key');
  });
});
