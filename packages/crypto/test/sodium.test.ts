// sodium.ts: libsodium-wrappers behind the core's interface, with every buffer the wrappers put in
// WebAssembly memory zeroed when they free it (secret keys and plaintext do not linger there).
import sodiumWrappers from 'libsodium-wrappers';
import { describe, expect, it } from 'vitest';
import { ready } from '../src/sodium.js';

/** Whether `needle` occurs anywhere in `haystack`. */
function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

const heap = (): Uint8Array => (sodiumWrappers as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8;

describe('sodium', () => {
  it('leaves no copy of a sealed message, an opened one or a secret key in WebAssembly memory', async () => {
    const sodium = await ready();
    const message = crypto.getRandomValues(new Uint8Array(256));
    const { publicKey, privateKey } = sodium.crypto_box_keypair();
    const sealed = sodium.crypto_box_seal(message, publicKey);
    const opened = sodium.crypto_box_seal_open(sealed, publicKey, privateKey);
    expect(opened).toEqual(message);
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const signing = sodium.crypto_sign_seed_keypair(seed);
    const signature = sodium.crypto_sign_detached(message, signing.privateKey);
    expect(sodium.crypto_sign_verify_detached(signature, message, signing.publicKey)).toBe(true);
    // (The first bytes of a freed block hold the allocator's own bookkeeping: look for the rest.)
    for (const secret of [message, privateKey, seed, signing.privateKey]) expect(contains(heap(), secret.subarray(16))).toBe(false);
  });

  it('answers false, not an exception, for a signature or key of the wrong size', async () => {
    const sodium = await ready();
    const { publicKey, privateKey } = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
    const message = new Uint8Array([1, 2, 3]);
    const signature = sodium.crypto_sign_detached(message, privateKey);
    expect(sodium.crypto_sign_verify_detached(signature.subarray(1), message, publicKey)).toBe(false);
    expect(sodium.crypto_sign_verify_detached(signature, message, publicKey.subarray(1))).toBe(false);
    expect(sodium.crypto_sign_verify_detached(signature, message, publicKey)).toBe(true);
  });
});
