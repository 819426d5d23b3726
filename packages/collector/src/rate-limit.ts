// Fixed-window rate limits keyed by an HMAC of the client address under a key drawn at random
// when the limiter is made: the address itself is never stored, and the keyed hashes cannot be
// reversed by someone who dumps memory later without the key. Entries die with their window.
// Limits are per process: N processes behind a load balancer allow up to N times the limit.
// IPv6 clients are bucketed by network prefix (a /64 by default): one subscriber usually holds a
// whole /64, so keying on the exact address would give one client 2^64 fresh buckets.
import { createHmac, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** Outcome of {@link RateLimiter.take}. */
export type RateDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly retryAfterSeconds: number;
      /** True for the first refusal of the window only (log once per window, not per request). */
      readonly first: boolean;
    };

/** Counts requests per key (a client bucket, a campaign) in fixed windows. */
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

  /** Counts one request for `key` at time `now` (ms); refused once the window's count passes the limit. */
  take(key: string, now: number): RateDecision {
    const id = this.#id(key, now);
    const count = (this.#counts.get(id) ?? 0) + 1;
    this.#counts.set(id, count);
    return count <= this.#limit ? { ok: true } : this.#refusal(now, count === this.#limit + 1);
  }

  /** Whether `key` has used up the window's limit, without counting anything (for failure-only limits). */
  check(key: string, now: number): RateDecision {
    const count = this.#counts.get(this.#id(key, now)) ?? 0;
    return count < this.#limit ? { ok: true } : this.#refusal(now, false);
  }

  #id(key: string, now: number): string {
    const windowStart = now - (now % this.#windowMs);
    if (windowStart !== this.#windowStart) {
      // A new window: everything about the previous one is forgotten at once.
      this.#windowStart = windowStart;
      this.#counts = new Map();
    }
    return createHmac('sha256', this.#key).update(key).digest('base64url');
  }

  #refusal(now: number, first: boolean): RateDecision {
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((this.#windowStart + this.#windowMs - now) / 1000)), first };
  }
}

/**
 * The rate-limit bucket of a client address: an IPv4 address as it is (an IPv4-mapped IPv6
 * address counts as its IPv4 address), an IPv6 address cut to its first `ipv6Prefix` bits,
 * anything else (not an IP address) as it is.
 *
 * @example
 * ```ts
 * clientBucket('2001:db8:1:2:3:4:5:6', 64); // '2001:db8:1:2::/64'
 * ```
 */
export function clientBucket(address: string, ipv6Prefix: number): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  const bare = address.replace(/%.*$/, ''); // a zone index names an interface, not a host
  if (!isIPv6(bare)) return address;
  const words = expandIPv6(bare);
  const kept: string[] = [];
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, ipv6Prefix - i * 16));
    const mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
    kept.push((words[i]! & mask).toString(16));
  }
  return `${kept.join(':').replace(/(?:^|:)0(?::0)+$/, '::')}/${ipv6Prefix}`;
}

/** The eight 16-bit words of a valid IPv6 address (with an embedded IPv4 tail, if any). */
function expandIPv6(address: string): number[] {
  let text = address;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
