// altcha-lib's solver with the WebCrypto key derivations its v2 challenges use (SHA-* and
// PBKDF2/SHA-*); shared by the worker and the main-thread fallback.

import { solveChallenge } from 'altcha-lib';
import { deriveKey as pbkdf2 } from 'altcha-lib/algorithms/web/pbkdf2';
import { deriveKey as sha } from 'altcha-lib/algorithms/web/sha';
import type { Challenge, Solution } from '../collector.js';

/** Solves one challenge; `null` on abort, timeout or an algorithm a browser cannot run. */
export async function solve(challenge: Challenge, signal: AbortSignal, timeout: number): Promise<Solution | null> {
  const algorithm = challenge.parameters.algorithm;
  const deriveKey = algorithm.startsWith('PBKDF2/') ? pbkdf2 : algorithm.startsWith('SHA-') ? sha : undefined;
  if (!deriveKey) return null;
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());
  // altcha-lib's types describe its own Challenge; ours is the same JSON, checked by the client.
  const solution = await solveChallenge({ challenge: challenge as never, deriveKey, controller, timeout });
  return solution ? { counter: solution.counter, derivedKey: solution.derivedKey } : null;
}
