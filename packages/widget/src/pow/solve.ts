// The proof-of-work solver, shared by the worker and the main-thread fallback. It solves altcha's
// v2 challenges as the collector issues them (altcha-lib's createChallenge, "deterministic" mode):
// the derived key of counter n is SHA-256(salt || nonce || n as 4 bytes big-endian) at cost 1,
// and the solution is the first counter from 0 whose key starts with the challenge's keyPrefix,
// exactly what altcha-lib's own solveChallenge returns, so the collector's verification (the
// key's HMAC against the challenge's keySignature) does not change.
//
// It hashes synchronously (sha256.ts) in slices of a few milliseconds and yields to the event
// loop between slices: altcha-lib's solver awaits one WebCrypto digest per counter, and those
// round trips cost many times the hash itself (docs/benchmarks.md, "Proof of work").
//
// Bounds (limits.ts): a challenge that asks for more work per attempt than the collector issues
// is refused before anything runs, and no counter above MAX_POW_COUNTER is ever tried.

import type { Challenge, Solution } from '../collector.js';
import { MAX_POW_COUNTER, outOfBounds } from './limits.js';
import { CounterHasher } from './sha256.js';

/** Counters hashed between two looks at the clock and the abort signal (well under a millisecond). */
const BATCH = 512;

/** How long the solver hashes before it lets the event loop run, by default (ms). */
export const SLICE_MS = 10;

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lets every queued task run (a message to ourselves: unlike setTimeout, never clamped to 4 ms). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Solves one challenge; `null` on abort, timeout, a challenge out of bounds, or no solution up to
 * counter `max` (inclusive).
 *
 * @param timeout - ms from the start after which it gives up.
 * @param sliceMs - ms of hashing between two turns of the event loop (keep it short on the main thread).
 * @example
 * ```ts
 * const solution = await solve(challenge, controller.signal, 90_000);
 * if (solution) await submit(client, envelope, { challenge, solution }); // send.ts
 * ```
 */
export async function solve(
  challenge: Challenge,
  signal: AbortSignal,
  timeout: number,
  max: number = MAX_POW_COUNTER,
  sliceMs: number = SLICE_MS,
): Promise<Solution | null> {
  if (outOfBounds(challenge.parameters) !== undefined || signal.aborted) return null;
  const limit = Math.min(max, MAX_POW_COUNTER);
  const { salt, nonce, keyPrefix } = challenge.parameters;
  // The message before the counter: salt, then nonce (altcha-lib's deriveKey(salt, nonce || n)).
  const saltBytes = hexBytes(salt);
  const prefix = new Uint8Array(saltBytes.length + nonce.length / 2);
  prefix.set(saltBytes);
  prefix.set(hexBytes(nonce), saltBytes.length);
  const hasher = new CounterHasher(prefix);

  // The key prefix as words to compare the digest's first words with, under masks covering the
  // prefix's hex digits (an odd number of digits compares half a byte, as altcha-lib does).
  const digits = keyPrefix.toLowerCase();
  const wordCount = Math.ceil(digits.length / 8);
  const target = new Int32Array(wordCount);
  const mask = new Int32Array(wordCount);
  for (let i = 0; i < wordCount; i++) {
    const chunk = digits.slice(8 * i, 8 * i + 8);
    const shift = 32 - 4 * chunk.length;
    target[i] = parseInt(chunk, 16) << shift;
    mask[i] = -1 << shift;
  }
  const target0 = target[0]!;
  const mask0 = mask[0]!;

  const start = performance.now();
  let sliceStart = start;
  let counter = 0;
  while (counter <= limit) {
    const end = Math.min(limit, counter + BATCH - 1);
    for (; counter <= end; counter++) {
      const digest = hasher.hash(counter);
      if ((digest[0]! & mask0) !== target0) continue;
      let match = true;
      for (let i = 1; i < wordCount && match; i++) match = (digest[i]! & mask[i]!) === target[i];
      if (match) {
        const derivedKey = Array.from(digest, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
        return { counter, derivedKey };
      }
    }
    const now = performance.now();
    if (signal.aborted || now - start > timeout) return null;
    if (now - sliceStart >= sliceMs) {
      await yieldToEventLoop();
      if (signal.aborted) return null;
      sliceStart = performance.now();
    }
  }
  return null;
}
