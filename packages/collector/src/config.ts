// Validated settings. Everything that comes from flags, environment or the admin API passes
// through these zod schemas; a bad value is a misconfiguration and throws before anything listens.
import { campaignIdSchema, checkCampaignKeyString } from '@secure-sign/crypto';
import { z } from 'zod';
import { MAX_POW_DIFFICULTY } from './pow.js';

/** Settings of one collector process (the app part; storage is chosen separately). */
export interface CollectorConfig {
  /** Proof-of-work difficulty: the largest counter a solver may have to try (expected work is half). */
  readonly powDifficulty: number;
  /** How long an issued challenge stays valid, in seconds. */
  readonly powTtlSeconds: number;
  /**
   * Challenges one campaign may be issued per burst window (per process) before its difficulty
   * rises: above it the difficulty doubles, above twice it quadruples... (docs/operations.md).
   */
  readonly powBurstThreshold: number;
  /** Length of the sliding window challenges are counted over for {@link powBurstThreshold}, in seconds. */
  readonly powBurstWindowSeconds: number;
  /** Largest factor a burst multiplies the difficulty by (a power of two; never above MAX_POW_DIFFICULTY). */
  readonly powBurstMaxFactor: number;
  /** Submissions one client address may make per rate window. */
  readonly rateLimit: number;
  /** Challenges one client address may request per rate window. */
  readonly challengeRateLimit: number;
  /** Length of the rate-limit window, in seconds. */
  readonly rateWindowSeconds: number;
  /** IPv6 clients share one rate-limit bucket per network of this prefix length (64: one /64). */
  readonly ipv6Prefix: number;
  /** Submissions one campaign may store per rate window, from all clients together (a ceiling against floods). */
  readonly campaignRateLimit: number;
  /** Failed admin or staff token attempts one client may make per rate window before it is refused outright. */
  readonly authFailureLimit: number;
  /**
   * Clocks of collector processes sharing a database may disagree by up to this many seconds:
   * spent challenges are kept this long past their expiry before they are pruned.
   */
  readonly clockSkewSeconds: number;
  /** Bearer token for the admin endpoints; the endpoints are off when undefined. */
  readonly adminToken?: string | undefined;
  /** Take the client address from the last `X-Forwarded-For` hop (behind a trusted proxy). */
  readonly trustProxy: boolean;
  /**
   * Names this collector's logs: each campaign's log origin (and key name) is `<logName>/<campaign>`.
   * Usually the public host of the collector, e.g. `collector.example`; `localhost` by default.
   * Changing it gives every log a new identity (docs/operations.md).
   */
  readonly logName: string;
  /**
   * Tests only (`SECURE_SIGN_TEST_SHORT_RETENTION=1`): retention periods in seconds (`30s`) are
   * accepted by the admin API, below the 1-day minimum. Off by default.
   */
  readonly shortRetentionForTests: boolean;
}

/** A log name: a lower-case host, an optional port, optional path segments; no scheme. */
export const LOG_NAME = /^[a-z0-9](?:[a-z0-9.-]{0,98}[a-z0-9])?(?::[0-9]{1,5})?(?:\/[a-z0-9._~-]{1,64}){0,4}$/;

/** Largest `rateLimit` (and `campaignRateLimit`); the challenge limit defaults to five times it. */
export const MAX_RATE_LIMIT = 1_000_000;

/**
 * Default proof-of-work difficulty: the solver tries a uniformly random number of SHA-256 hashes
 * from 0 to it, 625,000 on average. Chosen with bench/pow.mjs in the benchmark's headless
 * Chromium (docs/benchmarks.md): the widget's worker hashes 2,000 to 2,500 times a millisecond
 * of its CPU time there, so a solve, worker start included, takes about 0.3 s at the median and
 * 0.5 s at the 95th percentile on an idle core (1.5 s is the bound).
 */
export const DEFAULT_POW_DIFFICULTY = 1_250_000;

/** Default burst threshold: challenges per campaign per window (per process) before the difficulty rises. */
export const DEFAULT_POW_BURST_THRESHOLD = 600;

/** Default burst factor cap: a burst multiplies the difficulty by 2, 4 or at most 8. */
export const DEFAULT_POW_BURST_MAX_FACTOR = 8;

/**
 * Default per-campaign ceiling: 6000 submissions per window (100 a second with the 60 s window),
 * or the per-client limit if that is larger (a ceiling below one client's allowance means nothing).
 */
export const DEFAULT_CAMPAIGN_RATE_LIMIT = 6000;

const configSchema = z.strictObject({
  powDifficulty: z.number().check(z.int(), z.gte(1), z.lte(MAX_POW_DIFFICULTY, `at most ${MAX_POW_DIFFICULTY}`)),
  powTtlSeconds: z.number().check(z.int(), z.gte(10), z.lte(86_400)),
  powBurstThreshold: z.number().check(z.int(), z.gte(1), z.lte(10_000_000)),
  powBurstWindowSeconds: z.number().check(z.int(), z.gte(1), z.lte(3600)),
  powBurstMaxFactor: z.number().check(
    z.int(),
    z.refine((n) => [1, 2, 4, 8, 16, 32, 64].includes(n), 'must be 1, 2, 4, 8, 16, 32 or 64'),
  ),
  rateLimit: z.number().check(z.int(), z.gte(1), z.lte(MAX_RATE_LIMIT, `at most ${MAX_RATE_LIMIT}`)),
  challengeRateLimit: z.number().check(z.int(), z.gte(1), z.lte(5 * MAX_RATE_LIMIT, `at most ${5 * MAX_RATE_LIMIT}`)),
  rateWindowSeconds: z.number().check(z.int(), z.gte(1), z.lte(86_400)),
  ipv6Prefix: z.number().check(z.int(), z.gte(32, 'at least 32'), z.lte(128, 'at most 128')),
  campaignRateLimit: z.number().check(z.int(), z.gte(1), z.lte(MAX_RATE_LIMIT, `at most ${MAX_RATE_LIMIT}`)),
  authFailureLimit: z.number().check(z.int(), z.gte(1), z.lte(1_000_000)),
  clockSkewSeconds: z.number().check(z.int(), z.gte(0), z.lte(86_400)),
  adminToken: z.optional(z.string().check(z.minLength(32, 'admin token must be at least 32 characters'))),
  trustProxy: z.boolean(),
  shortRetentionForTests: z.boolean(),
  logName: z.string().check(z.regex(LOG_NAME, 'must be a lower-case host name, optionally with :port and /path, e.g. collector.example')),
});

/**
 * Fills in defaults and validates a collector configuration.
 *
 * @throws TypeError naming the first bad setting.
 * @example
 * ```ts
 * const config = resolveConfig({ powDifficulty: 1000 });
 * ```
 */
export function resolveConfig(input: Partial<CollectorConfig> = {}): CollectorConfig {
  const rateLimit = input.rateLimit ?? 20;
  const candidate = {
    powDifficulty: input.powDifficulty ?? DEFAULT_POW_DIFFICULTY,
    powTtlSeconds: input.powTtlSeconds ?? 600,
    powBurstThreshold: input.powBurstThreshold ?? DEFAULT_POW_BURST_THRESHOLD,
    powBurstWindowSeconds: input.powBurstWindowSeconds ?? 60,
    powBurstMaxFactor: input.powBurstMaxFactor ?? DEFAULT_POW_BURST_MAX_FACTOR,
    rateLimit,
    challengeRateLimit: input.challengeRateLimit ?? rateLimit * 5,
    rateWindowSeconds: input.rateWindowSeconds ?? 60,
    ipv6Prefix: input.ipv6Prefix ?? 64,
    campaignRateLimit: input.campaignRateLimit ?? Math.max(DEFAULT_CAMPAIGN_RATE_LIMIT, rateLimit),
    authFailureLimit: input.authFailureLimit ?? 10,
    clockSkewSeconds: input.clockSkewSeconds ?? 300,
    trustProxy: input.trustProxy ?? false,
    shortRetentionForTests: input.shortRetentionForTests ?? false,
    logName: input.logName ?? 'localhost',
    ...(input.adminToken === undefined ? {} : { adminToken: input.adminToken }),
  };
  const result = configSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TypeError(`config.${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

const isoInstant = z
  .string()
  .check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/, 'must be an ISO 8601 time with a zone'))
  .transform((text, ctx) => {
    const time = Date.parse(text);
    if (Number.isNaN(time)) {
      ctx.issues.push({ code: 'custom', message: 'not a valid time', input: text });
      return z.NEVER;
    }
    return new Date(time).toISOString();
  });

const originSchema = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.issues.push({ code: 'custom', message: 'not a URL', input: text });
    return z.NEVER;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== text.replace(/\/$/, '')) {
    ctx.issues.push({ code: 'custom', message: 'must be an origin like https://example.org (scheme, host, optional port)', input: text });
    return z.NEVER;
  }
  return url.origin;
});

/** A campaign as an operator registers it (the admin command and `POST /v1/admin/campaigns`). */
export const campaignInputSchema = z
  .strictObject({
    campaign: campaignIdSchema,
    key: z.string().check(
      z.refine((text) => checkCampaignKeyString(text).ok, 'not a valid public campaign key string (sspk1...)'),
    ),
    origins: z.optional(z.array(originSchema).check(z.maxLength(100))),
    goal: z.optional(z.nullable(z.number().check(z.int(), z.gte(1), z.lte(1_000_000_000)))),
    opensAt: z.optional(z.nullable(isoInstant)),
    closesAt: z.optional(z.nullable(isoInstant)),
    /** Which count widgets show: `all` signatures (the default) or the `confirmed` ones. */
    countShown: z.optional(z.enum(['all', 'confirmed'])),
  })
  .check(
    z.refine(
      (c) => c.opensAt == null || c.closesAt == null || Date.parse(c.opensAt) < Date.parse(c.closesAt),
      { message: 'closesAt must be after opensAt', path: ['closesAt'] },
    ),
  );

/** A validated campaign registration. */
export type CampaignInput = z.output<typeof campaignInputSchema>;
