// Length hiding (docs/format.md §3.3): the plaintext is padded to the smallest of a few fixed
// sizes, so the ciphertext length tells an observer only which bucket a signature falls in.

import { SecureSignError } from './errors.js';

/** The padded plaintext sizes, in bytes. Every sealed plaintext is exactly one of these long. */
export const PADDING_BUCKETS: readonly number[] = Object.freeze([1024, 2048, 4096, 8192, 16384, 32768]);

/** The largest plaintext that can be sealed (one byte goes to the padding marker). */
export const MAX_PLAINTEXT_BYTES = 32768 - 1;

/**
 * @internal ISO/IEC 7816-4 padding: the message, one 0x80 byte, then zeros up to the bucket.
 * @throws {@link SecureSignError} `OVERSIZE` if the message does not fit the largest bucket.
 */
export function pad(message: Uint8Array): Uint8Array {
  const size = PADDING_BUCKETS.find((bucket) => bucket > message.length);
  if (size === undefined) {
    throw new SecureSignError('OVERSIZE', `plaintext is larger than ${MAX_PLAINTEXT_BYTES} bytes`);
  }
  const out = new Uint8Array(size);
  out.set(message);
  out[message.length] = 0x80;
  return out;
}

/**
 * @internal Removes padding, insisting on the exact form {@link pad} produces.
 * @throws {@link SecureSignError} `BAD_PADDING` otherwise.
 */
export function unpad(padded: Uint8Array): Uint8Array {
  if (!PADDING_BUCKETS.includes(padded.length)) {
    throw new SecureSignError('BAD_PADDING', 'padded plaintext is not one of the bucket sizes');
  }
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) {
    throw new SecureSignError('BAD_PADDING', 'padding marker missing');
  }
  // The smallest bucket that fits must have been used; a larger one wastes space and is refused so
  // that exactly one padded form exists for each message.
  const smallest = PADDING_BUCKETS.find((bucket) => bucket > end);
  if (smallest !== padded.length) {
    throw new SecureSignError('BAD_PADDING', 'plaintext padded to a larger bucket than needed');
  }
  return padded.subarray(0, end);
}
