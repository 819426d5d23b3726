// Byte helpers of the log module. Base64 here is RFC 4648 §4 (standard alphabet, with '='
// padding), as the C2SP specifications use it; the decoder is canonical (one accepted spelling
// per byte string), like every decoder of this package.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { encodeBits, fromUtf8 } from '../encode.js';
import { decodeBits } from '../encoding.js';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** @internal SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return nobleSha256(parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts));
}

/** @internal Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** @internal Byte equality (the inputs are public: no constant-time need). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal RFC 4648 §4 base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  const text = encodeBits(bytes, BASE64_ALPHABET, 6);
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** @internal Strict decoder for {@link toBase64}: `undefined` unless `text` is exactly what `toBase64` writes. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let end = text.length;
  if (text.endsWith('==')) end -= 2;
  else if (text.endsWith('=')) end -= 1;
  // 4k+1 characters encode no byte string; decodeBits refuses stray bits and characters ('=' too).
  if (end % 4 === 1) return undefined;
  return decodeBits(text.slice(0, end), BASE64_ALPHABET, 6);
}

/** @internal Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

const encoder = new TextEncoder();

/** @internal UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export { fromUtf8 };
