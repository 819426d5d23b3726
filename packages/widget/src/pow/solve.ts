// altcha-lib's solver with WebCrypto SHA-256, bounded; shared by the worker and the main-thread
// fallback. Bounds (limits.ts): a challenge that asks for more work per attempt than the collector
// issues is refused before anything runs, and no counter above MAX_POW_COUNTER is ever tried.

import { solveChallenge } from 'altcha-lib';
import { deriveKey as sha } from 'altcha-lib/algorithms/web/sha';
import type { Challenge, Solution } from '../collector.js';
import { MAX_POW_COUNTER, outOfBounds } from './limits.js';

/** Thrown inside the key derivation to stop altcha-lib's loop at the bound. */
class PastBound extends Error {}

/**
 * Solves one challenge; `null` on abort, timeout, a challenge out of bounds, or no solution up to
 * counter `max` (inclusive).
 */
export async function solve(challenge: Challenge, signal: AbortSignal, timeout: number, max: number = MAX_POW_COUNTER): Promise<Solution | null> {
  if (outOfBounds(challenge.parameters) !== undefined) return null;
  const limit = Math.min(max, MAX_POW_COUNTER);
  const controller = new AbortController();
  if (signal.aborted) return null;
  signal.addEventListener('abort', () => controller.abort());
  // uint32 counter mode: the password is the nonce then the counter, 4 bytes big-endian.
  const bounded: typeof sha = (parameters, salt, password) => {
    const n = password.length;
    const counter = ((password[n - 4]! << 24) >>> 0) + (password[n - 3]! << 16) + (password[n - 2]! << 8) + password[n - 1]!;
    if (counter > limit) throw new PastBound();
    return sha(parameters, salt, password);
  };
  try {
    // altcha-lib's types describe its own Challenge; ours is the same JSON, checked by the client.
    const solution = await solveChallenge({ challenge: challenge as never, deriveKey: bounded, controller, timeout });
    return solution ? { counter: solution.counter, derivedKey: solution.derivedKey } : null;
  } catch (error) {
    if (error instanceof PastBound) return null;
    throw error;
  }
}
