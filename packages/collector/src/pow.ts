// Proof of work with altcha-lib v2. Challenges are "deterministic": the server picks a random
// counter from 0 to the difficulty and publishes a prefix of the key it derives, so the solver's
// expected work is difficulty/2 hashes, its worst case the difficulty itself, and verification is
// one HMAC (the key signature).
// Challenges are bound to one campaign (`data.campaign`, covered by the signature), expire, and
// are spent in the database when a submission stores, so they work once across all processes.
//
// Rules of this file:
// - Issuing uses altcha-lib itself (createChallenge), so the format is altcha's.
// - Verifying does NOT call altcha-lib: its verifySolution computes HMACs through WebCrypto's
//   async API (about 200 us a request). checkPow does the same checks with synchronous
//   node:crypto HMACs over altcha's documented v2 format (canonical JSON of the sorted parameters,
//   HMAC-SHA-256 signature; HMAC-SHA-256 key signature over the derived key's bytes).
//   test/pow-verify.test.ts proves the verdicts identical to altcha-lib's on challenges and
//   solutions altcha-lib itself creates and solves, valid and tampered.
// - Difficulty rises per campaign under a burst of challenge requests (PowDifficulty below).
import { createChallenge, randomInt, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The algorithm of issued challenges: one SHA-256 per attempt, available to every browser through WebCrypto. */
export const POW_ALGORITHM = 'SHA-256';

/**
 * The largest difficulty the collector ever issues, whatever the configuration and the burst
 * factor: the widget's solver refuses to run past it (packages/widget/src/pow/limits.ts holds the
 * same number; test/pow-burst.test.ts checks they agree).
 */
export const MAX_POW_DIFFICULTY = 16_000_000;

/** A challenge as issued by `POST /v1/campaigns/{campaign}/challenge`. */
export type IssuedChallenge = Challenge & { readonly expiresAt: string };

/** Secrets that sign challenges; shared by every process on one database. */
export interface PowSecrets {
  readonly challenge: string;
  readonly key: string;
}

/**
 * Issues a challenge for a campaign.
 *
 * @param difficulty - largest counter; the solver tries about half of it on average.
 * @param now - current time in ms.
 * @throws RangeError if `difficulty` is not an integer from 1 to {@link MAX_POW_DIFFICULTY}.
 */
export async function issueChallenge(
  secrets: PowSecrets,
  campaign: string,
  difficulty: number,
  ttlSeconds: number,
  now: number,
): Promise<IssuedChallenge> {
  if (!Number.isInteger(difficulty) || difficulty < 1 || difficulty > MAX_POW_DIFFICULTY) {
    throw new RangeError(`difficulty: expected an integer from 1 to ${MAX_POW_DIFFICULTY}`);
  }
  const expiresAtSeconds = Math.floor(now / 1000) + ttlSeconds;
  const challenge = await createChallenge({
    algorithm: POW_ALGORITHM,
    cost: 1,
    counter: difficulty <= 1 ? 0 : randomInt(difficulty, 0),
    deriveKey,
    data: { campaign },
    expiresAt: expiresAtSeconds,
    hmacSignatureSecret: secrets.challenge,
    hmacKeySignatureSecret: secrets.key,
  });
  return { ...challenge, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
}

/** Outcome of {@link checkPow}. */
export type PowCheck =
  | { readonly ok: true; readonly id: string; readonly expiresAt: number }
  | { readonly ok: false; readonly code: 'pow-invalid' | 'pow-expired' };

const INVALID: PowCheck = { ok: false, code: 'pow-invalid' };
const EXPIRED: PowCheck = { ok: false, code: 'pow-expired' };

// The shape of what issueChallenge produces, checked by hand before any HMAC (this runs on every
// submission; a zod parse costs more than both HMACs together). Hostile JSON: plain objects only,
// exactly these members, each of its type.
const HEX = /^[0-9a-f]{1,256}$/;
const KEY_HEX = /^[0-9a-f]{64}$/;
const PARAMETER_KEYS = ['algorithm', 'cost', 'data', 'expiresAt', 'keyLength', 'keyPrefix', 'keySignature', 'nonce', 'salt'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasExactly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    count++;
  }
  if (count !== keys.length) return false;
  for (const key of keys) if (!Object.hasOwn(value, key)) return false;
  return true;
}

const isHex = (value: unknown): value is string => typeof value === 'string' && HEX.test(value);

/**
 * Whether an HMAC's digest equals `given`, in constant time. `given` is already known to be
 * lower-case hex (HEX), so comparing its bytes is comparing the strings, as altcha-lib does (an
 * upper-case signature is refused there too).
 */
function sameDigest(digest: Buffer, given: string): boolean {
  return given.length === digest.length * 2 && timingSafeEqual(digest, Buffer.from(given, 'hex'));
}

/**
 * Verifies a `pow` member of a submission: shape, expiry, signature, key signature (the solution),
 * campaign binding. Synchronous: HMAC-SHA-256 with node:crypto. Does not spend the challenge (the
 * store does that in the insert transaction).
 *
 * @param now - current time in ms; a challenge whose `expiresAt` is not after it is expired.
 * @example
 * ```ts
 * const result = checkPow(secrets, body.pow, 'open-letter', Date.now());
 * if (!result.ok) throw new ProblemError(result.code, '...');
 * ```
 */
export function checkPow(secrets: PowSecrets, pow: unknown, campaign: string, now: number): PowCheck {
  if (!isRecord(pow)) return INVALID;
  const challenge = pow['challenge'];
  const solution = pow['solution'];
  if (!isRecord(challenge) || !isRecord(solution)) return INVALID;
  const parameters = challenge['parameters'];
  const signature = challenge['signature'];
  if (!isRecord(parameters) || !isHex(signature) || !hasExactly(parameters, PARAMETER_KEYS)) return INVALID;
  const { algorithm, cost, data, expiresAt, keyLength, keyPrefix, keySignature, nonce, salt } = parameters;
  if (
    algorithm !== POW_ALGORITHM ||
    cost !== 1 ||
    keyLength !== 32 ||
    !isHex(keyPrefix) ||
    !isHex(keySignature) ||
    !isHex(nonce) ||
    !isHex(salt) ||
    typeof expiresAt !== 'number' ||
    !Number.isSafeInteger(expiresAt) ||
    expiresAt <= 0 ||
    !isRecord(data) ||
    !hasExactly(data, ['campaign']) ||
    typeof data['campaign'] !== 'string' ||
    data['campaign'].length > 64
  ) {
    return INVALID;
  }
  const counter = solution['counter'];
  const derivedKey = solution['derivedKey'];
  if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) return INVALID;
  if (typeof derivedKey !== 'string' || !KEY_HEX.test(derivedKey)) return INVALID;

  // Expiry first, as altcha-lib does: a forged "expired" challenge reads as expired, which tells an
  // attacker nothing.
  if (expiresAt * 1000 <= now) return EXPIRED;

  // HMAC keys are the secrets' UTF-8 bytes, as altcha-lib's WebCrypto import of the strings.
  // altcha's canonical JSON: keys sorted at every level (the literal below lists them in order),
  // undefined members left out (there are none: the shape is exact).
  const canonical = JSON.stringify({
    algorithm,
    cost,
    data: { campaign: data['campaign'] },
    expiresAt,
    keyLength,
    keyPrefix,
    keySignature,
    nonce,
    salt,
  });
  if (!sameDigest(createHmac('sha256', secrets.challenge).update(canonical).digest(), signature)) return INVALID;
  // The derived key is the proof: only a solver that found the counter has the key whose HMAC the
  // collector signed. (altcha-lib does not look at the counter on this path either.)
  if (!sameDigest(createHmac('sha256', secrets.key).update(Buffer.from(derivedKey, 'hex')).digest(), keySignature)) return INVALID;
  if (data['campaign'] !== campaign) return INVALID;
  // The signature is unique per challenge and covers nonce and salt: it identifies the challenge.
  return { ok: true, id: signature, expiresAt: expiresAt * 1000 };
}

/** Settings of {@link PowDifficulty}, as in {@link CollectorConfig}. */
export interface PowBurstSettings {
  /** Difficulty of a campaign outside a burst. */
  readonly powDifficulty: number;
  /** Challenges per campaign per window (this process) above which the difficulty rises. */
  readonly powBurstThreshold: number;
  /** Length of the sliding window, in seconds. */
  readonly powBurstWindowSeconds: number;
  /** Largest factor the difficulty is multiplied by (the result is also capped at MAX_POW_DIFFICULTY). */
  readonly powBurstMaxFactor: number;
}

// The sliding window is kept as SLOTS counts of window/SLOTS each: memory per campaign is fixed
// however many challenges arrive, and the count leaves the window a slot at a time.
const SLOTS = 12;

interface Window {
  readonly counts: number[];
  readonly slots: number[];
  factor: number;
}

/**
 * The difficulty of each issued challenge: the configured one, multiplied for a campaign whose
 * challenges in the last window exceed the threshold. Above the threshold the factor is the power
 * of two at or above count/threshold (2 just above it, 4 above twice it...), at most
 * `powBurstMaxFactor`; it falls back as the window drains. Per process, like the rate limits.
 * Raising logs a warning and counts `secure_sign_pow_burst_raises_total`; the factor in force is
 * the gauge `secure_sign_pow_difficulty_factor`.
 */
export class PowDifficulty {
  readonly #settings: PowBurstSettings;
  readonly #logger: Logger | undefined;
  readonly #slotMs: number;
  readonly #windows = new Map<string, Window>();
  readonly #raises: Counter<'campaign'> | undefined;
  readonly #factor: Gauge<'campaign'> | undefined;
  #lastSweep = 0;

  constructor(settings: PowBurstSettings, options: { logger?: Logger; registry?: Registry } = {}) {
    this.#settings = settings;
    this.#logger = options.logger;
    this.#slotMs = Math.max(1, (settings.powBurstWindowSeconds * 1000) / SLOTS);
    const registry = options.registry;
    if (registry) {
      this.#raises =
        (registry.getSingleMetric('secure_sign_pow_burst_raises_total') as Counter<'campaign'> | undefined) ??
        new Counter({
          name: 'secure_sign_pow_burst_raises_total',
          help: 'Times the proof-of-work difficulty of a campaign rose because of a burst of challenge requests, by campaign.',
          labelNames: ['campaign'],
          registers: [registry],
        });
      this.#factor =
        (registry.getSingleMetric('secure_sign_pow_difficulty_factor') as Gauge<'campaign'> | undefined) ??
        new Gauge({
          name: 'secure_sign_pow_difficulty_factor',
          help: 'Factor the proof-of-work difficulty of a campaign is multiplied by now (1 outside a burst), by campaign.',
          labelNames: ['campaign'],
          registers: [registry],
        });
    }
  }

  /**
   * Counts one challenge issued for `campaign` at `now` (ms) and returns its difficulty.
   *
   * @example
   * ```ts
   * const difficulty = powDifficulty.take('open-letter', clock.now());
   * ```
   */
  take(campaign: string, now: number): number {
    const slot = Math.floor(now / this.#slotMs);
    this.#sweep(slot);
    let window = this.#windows.get(campaign);
    if (!window) {
      window = { counts: new Array<number>(SLOTS).fill(0), slots: new Array<number>(SLOTS).fill(-Infinity), factor: 1 };
      this.#windows.set(campaign, window);
    }
    const index = slot % SLOTS;
    if (window.slots[index] !== slot) {
      window.slots[index] = slot;
      window.counts[index] = 0;
    }
    window.counts[index]! += 1;
    const count = this.#count(window, slot);
    const factor = this.#factorFor(count);
    if (factor !== window.factor) this.#change(campaign, window, factor, count);
    return this.difficultyFor(factor);
  }

  /** The difficulty at a factor: the configured one times it, capped at {@link MAX_POW_DIFFICULTY}. */
  difficultyFor(factor: number): number {
    return Math.min(MAX_POW_DIFFICULTY, this.#settings.powDifficulty * factor);
  }

  #count(window: Window, slot: number): number {
    let count = 0;
    for (let i = 0; i < SLOTS; i++) if (window.slots[i]! > slot - SLOTS) count += window.counts[i]!;
    return count;
  }

  #factorFor(count: number): number {
    const { powBurstThreshold, powBurstMaxFactor } = this.#settings;
    if (count <= powBurstThreshold) return 1;
    return Math.min(powBurstMaxFactor, 2 ** Math.ceil(Math.log2(count / powBurstThreshold)));
  }

  #change(campaign: string, window: Window, factor: number, count: number): void {
    const rose = factor > window.factor;
    window.factor = factor;
    this.#factor?.set({ campaign }, factor);
    const fields = {
      campaign,
      factor,
      difficulty: this.difficultyFor(factor),
      challenges: count,
      threshold: this.#settings.powBurstThreshold,
      windowSeconds: this.#settings.powBurstWindowSeconds,
    };
    if (rose) {
      this.#raises?.inc({ campaign });
      this.#logger?.warn(fields, 'proof-of-work difficulty raised for a burst of challenges');
    } else {
      this.#logger?.info(fields, 'proof-of-work difficulty lowered');
    }
  }

  // Once a window: forget campaigns whose window is empty, reset the factor of those that calmed
  // down without asking again (their next challenge would recompute it anyway; the gauge should
  // not stay high).
  #sweep(slot: number): void {
    if (slot - this.#lastSweep < SLOTS) return;
    this.#lastSweep = slot;
    for (const [campaign, window] of this.#windows) {
      const count = this.#count(window, slot);
      if (count === 0) {
        if (window.factor !== 1) this.#change(campaign, window, 1, 0);
        this.#windows.delete(campaign);
      } else {
        const factor = this.#factorFor(count);
        if (factor < window.factor) this.#change(campaign, window, factor, count);
      }
    }
  }
}
