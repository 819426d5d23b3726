// Byte encodings used by the format, written out here (not taken from libsodium) so that they
// work before libsodium has loaded and so that their strictness is ours to specify: every decoder
// accepts exactly one spelling of a value (canonical), which keeps checksums and signatures honest.

/** @internal */
export const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** @internal Unpacks characters of `bitsPerChar` bits each; `undefined` for any non-canonical input. */
export function decodeBits(text: string, alphabet: string, bitsPerChar: number): Uint8Array | undefined {
  // A character-code table (-1 outside the alphabet): indexOf per character was a third of the
  // time spent opening an envelope.
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  const out = new Uint8Array(Math.floor((text.length * bitsPerChar) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (table[code] as number) : -1;
    if (value < 0) return undefined;
    buffer = (buffer << bitsPerChar) | value;
    bits += bitsPerChar;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  // Canonical form only: leftover bits must be fewer than one character and all zero.
  if (bits >= bitsPerChar || buffer !== 0 || index !== out.length) return undefined;
  return out;
}

/** @internal Strict decoder for `toBase32`; `undefined` for any non-canonical input. */
export function fromBase32(text: string): Uint8Array | undefined {
  return decodeBits(text, BASE32_ALPHABET, 5);
}

let crcTable: Uint32Array | undefined;

/** @internal CRC-32 (IEEE 802.3, as in zlib), used only to catch typing mistakes in key strings. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const encoder = new TextEncoder();

/** @internal UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** @internal Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
