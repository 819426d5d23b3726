// Retention (docs/operations.md "Retention"): closing a campaign with a deletion date, and the
// job that deletes its ciphertexts when that date has passed. Rules of this file:
// - Closing is for good: a closed campaign refuses new signatures whatever its dates say, and a
//   second close can only bring the deletion forward (the earliest deleteAt wins), never later.
// - The deletion removes the ciphertexts only. The submission ids, hashes, withdrawal hashes,
//   seqs, receipt times, the log and the count stay: what was counted stays checkable.
// - Every collector process runs the job; the store makes it idempotent (one transaction per
//   campaign, rechecked under the campaign's lock), so processes sharing a database delete once.
// - The log line and the metric carry the campaign id and a number, nothing else.
import type { Logger } from 'pino';
import type { Clock } from './routes/context.js';
import type { Metrics } from './metrics.js';
import type { Retention, RetentionDeletion, Store } from './store/types.js';

const DAY_MS = 86_400_000;
/** Longest retention period: ten years. */
export const MAX_RETENTION_DAYS = 3650;
/** How often each process looks for campaigns due for deletion; every minute by default. */
export const RETENTION_INTERVAL_MS = 60_000;

/**
 * Parses a retention period: `Nd` (days) or `Nw` (weeks), N a positive integer without leading
 * zeros, at least 1 day and at most {@link MAX_RETENTION_DAYS} days. With `allowSeconds` (tests
 * only: `SECURE_SIGN_TEST_SHORT_RETENTION=1`) `Ns` seconds are accepted too, from 1 s.
 *
 * @returns the period in milliseconds.
 * @throws RangeError naming `deleteAfter` if the text is anything else (the text is not echoed).
 * @example
 * ```ts
 * parseRetentionPeriod('180d'); // 15_552_000_000
 * ```
 */
export function parseRetentionPeriod(text: unknown, options: { allowSeconds?: boolean } = {}): number {
  const match = typeof text === 'string' ? /^([1-9][0-9]{0,6})([dws])$/.exec(text) : null;
  const unit = match?.[2];
  if (!match || (unit === 's' && !options.allowSeconds)) {
    throw new RangeError('deleteAfter: expected a period like 180d or 26w (days or weeks, at least 1d)');
  }
  const n = Number(match[1]);
  if (unit === 's') return n * 1000;
  const days = unit === 'w' ? n * 7 : n;
  if (days > MAX_RETENTION_DAYS) throw new RangeError(`deleteAfter: at most ${MAX_RETENTION_DAYS}d`);
  return days * DAY_MS;
}

/**
 * Closes a campaign now with a deletion date `now + periodMs` (see the rules above): it refuses
 * new signatures from this call on. Closing again keeps the earlier deletion date.
 *
 * @returns the campaign's retention after the call, or undefined if there is no such campaign.
 */
export async function closeCampaign(store: Store, id: string, periodMs: number, now: number): Promise<Retention | undefined> {
  if (!Number.isSafeInteger(periodMs) || periodMs < 1000) throw new RangeError('periodMs: expected a whole number of milliseconds, at least 1000');
  return store.closeCampaign(id, new Date(now).toISOString(), new Date(now + periodMs).toISOString());
}

/**
 * One pass of the retention job: deletes the ciphertexts of every campaign due at `now`, logs
 * one line per campaign deleted by this process, counts them in the metric.
 */
export async function runRetention(store: Store, now: number, logger: Logger, metrics?: Metrics): Promise<RetentionDeletion[]> {
  const done = await store.deleteExpired(new Date(now).toISOString());
  for (const { campaign, deleted, deletedAt } of done) {
    metrics?.retentionDeleted.inc({ campaign }, deleted);
    logger.info({ campaign, deleted, deletedAt }, 'retention: deleted the ciphertexts of a closed campaign');
  }
  return done;
}

/** A running retention timer. */
export interface RetentionJob {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs {@link runRetention} every `intervalMs` (passes never overlap), first right away. A failing
 * pass is logged once (class and code only) and retried at the next tick.
 */
export function startRetentionJob(options: { store: Store; logger: Logger; metrics?: Metrics; clock?: Clock; intervalMs?: number }): RetentionJob {
  const { store, logger, metrics } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  let running: Promise<void> | undefined;
  let failing = false;
  const tick = () => {
    if (running) return;
    running = runRetention(store, clock.now(), logger, metrics)
      .then(
        () => {
          failing = false;
        },
        (error: unknown) => {
          if (!failing) logger.warn({ err: { name: (error as Error).name, code: (error as { code?: unknown }).code } }, 'retention: could not delete due ciphertexts');
          failing = true;
        },
      )
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.intervalMs ?? RETENTION_INTERVAL_MS);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
