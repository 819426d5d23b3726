// Fixed-window rate limits keyed by an HMAC of the client address under a key drawn at random
// when the limiter is made: the address itself is never stored, and the keyed hashes cannot be
// reversed by someone who dumps memory later without the key. Entries die with their window.
// Limits are per process: N processes behind a load balancer allow up to N times the limit.
import { createHmac, randomBytes } from 'node:crypto';

/** Outcome of {@link RateLimiter.take}. */
export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** Counts requests per client address in fixed windows. */
export class RateLimiter {
  readonly #key = randomBytes(32);
  readonly #limit: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #counts = new Map<string, number>();

  constructor(limit: number, windowSeconds: number) {
    this.#limit = limit;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Counts one request from `address` at time `now` (ms). */
  take(address: string, now: number): RateDecision {
    const windowStart = now - (now % this.#windowMs);
    if (windowStart !== this.#windowStart) {
      // A new window: everything about the previous one is forgotten at once.
      this.#windowStart = windowStart;
      this.#counts = new Map();
    }
    const id = createHmac('sha256', this.#key).update(address).digest('base64url');
    const count = (this.#counts.get(id) ?? 0) + 1;
    this.#counts.set(id, count);
    if (count <= this.#limit) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + this.#windowMs - now) / 1000)) };
  }
}
