// Encoders and decoders that only key derivation, sealing, opening and signing need. They are
// kept apart from encoding.ts, which the key-string check uses, so that a page's first load (the
// widget checks the key string before libsodium is loaded) carries only what that check needs.
import { BASE32_ALPHABET, decodeBits } from './encoding.js';

/** @internal Packs bytes into characters of `bitsPerChar` bits each. */
export function encodeBits(bytes: Uint8Array, alphabet: string, bitsPerChar: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  const mask = (1 << bitsPerChar) - 1;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= bitsPerChar) {
      bits -= bitsPerChar;
      out += alphabet[(buffer >> bits) & mask];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (bitsPerChar - bits)) & mask];
  return out;
}

/** @internal RFC 4648 base32, lower case, no padding. */
export function toBase32(bytes: Uint8Array): string {
  return encodeBits(bytes, BASE32_ALPHABET, 5);
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** @internal RFC 4648 §5 base64url, no padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return encodeBits(bytes, BASE64URL_ALPHABET, 6);
}

/**
 * @internal 32 bytes in canonical base64url without padding: 43 characters, the last of which has
 * its two unused low bits zero. Withdrawal secrets and withdrawal hashes (`wh`) have this form.
 */
export const BASE64URL_32_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** @internal Strict decoder for {@link toBase64Url}; `undefined` for any non-canonical input. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  return decodeBits(text, BASE64URL_ALPHABET, 6);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** @internal Strict UTF-8 decoding: `undefined` for invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}
