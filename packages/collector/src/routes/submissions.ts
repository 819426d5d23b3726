// Submissions: the browser's preflight, proof-of-work challenge and sealed-envelope POST, and
// the staff DELETE of one submission. Idempotent by submission id (docs/api.md).
import { PADDING_BUCKETS, SEALED_BOX_OVERHEAD, formatEnvelope, isSecureSignError, parseEnvelope, type Envelope } from '@secure-sign/crypto';
import { Hono, type Context } from 'hono';
import { createHash } from 'node:crypto';
import { isOpen } from '../campaigns.js';
import { logOrigin, signPromise } from '../log.js';
import { storedEntry } from '../store/log-entries.js';
import { PowDifficulty, checkPow, issueChallenge, type PowCheck } from '../pow.js';
import type { CampaignRecord } from '../store/types.js';
import { ProblemError } from '../problems.js';
import {
  CAMPAIGN_ID,
  MAX_SUBMISSION_BODY_BYTES,
  allowOrigin,
  campaignOf,
  checkOrigin,
  originAllowed,
  clientAddress,
  readJsonBody,
  requireStaff,
  type Env,
  type RouteDeps,
} from './context.js';

/**
 * Lengths a version 1 ciphertext can have, in base64url characters (unpadded): a padding bucket
 * (docs/format.md §3.3) plus the sealed-box overhead. Any other length cannot have been sealed by
 * a conforming client, and the collector can tell without opening anything.
 */
export const CIPHERTEXT_LENGTHS: ReadonlySet<number> = new Set(PADDING_BUCKETS.map((bucket) => Math.ceil(((bucket + SEALED_BOX_OVERHEAD) * 4) / 3)));

/** A 2xx receipt (docs/api.md): where an event is in the campaign's log, with the log key's promise. */
export interface LogReceipt {
  readonly campaign: string;
  readonly sid: string;
  readonly receivedAt: string;
  readonly log: { readonly origin: string; readonly index: number; readonly entry: string; readonly promise: string };
}

/**
 * The receipt of the event of seq `seq`: the promise is signed now, per request (Ed25519 is
 * deterministic, so a retry gets the same receipt byte for byte).
 */
export async function logReceipt(deps: RouteDeps, campaign: string, sid: string, receivedAt: string, seq: number, entry: Uint8Array): Promise<LogReceipt> {
  const origin = logOrigin(deps.config.logName, campaign);
  const index = seq - 1;
  const promise = await signPromise(await deps.logKey(), origin, index, entry);
  return { campaign, sid, receivedAt, log: { origin, index, entry: Buffer.from(entry).toString('base64'), promise } };
}

/** A submission's body, read and checked as far as it can be without the campaign. */
interface Parsed {
  /** The body's members (`envelope`, `pow`). */
  readonly value: Record<string, unknown>;
  readonly envelope: Envelope;
  /** The envelope's normalised text (field order fixed, so "the same envelope" is a string comparison). */
  readonly text: string;
  /** SHA-256 of `text`, hex. */
  readonly envelopeHash: string;
}

/** Reads the body and parses its envelope; throws the refusal a malformed one gets. */
async function parseSubmission(c: Context<Env>): Promise<Parsed> {
  const { value } = await readJsonBody(c, MAX_SUBMISSION_BODY_BYTES);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('envelope' in value)) {
    throw new ProblemError('malformed-envelope', 'The body must be {"envelope": ..., "pow": ...}.');
  }
  const body = value as Record<string, unknown>;
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(body['envelope']);
  } catch (error) {
    if (isSecureSignError(error, 'UNSUPPORTED_VERSION')) throw new ProblemError('unsupported-version', 'This envelope version is not supported.');
    if (isSecureSignError(error, 'OVERSIZE')) throw new ProblemError('payload-too-large', 'The envelope is too large.');
    throw new ProblemError('malformed-envelope', 'The envelope is not a well-formed version 1 envelope.');
  }
  if (!CIPHERTEXT_LENGTHS.has(envelope.ct.length)) {
    throw new ProblemError('malformed-envelope', 'The ciphertext length is not one of the padding buckets plus the sealed-box overhead.');
  }
  const text = formatEnvelope(envelope);
  return { value: body, envelope, text, envelopeHash: createHash('sha256').update(text).digest('hex') };
}

/**
 * `OPTIONS` preflight, `POST /v1/campaigns/{campaign}/challenge`,
 * `POST /v1/campaigns/{campaign}/submissions` and `DELETE /v1/campaigns/{campaign}/submissions/{sid}`.
 */
export function submissionRoutes(deps: RouteDeps): Hono<Env> {
  const { store, config, clock, metrics } = deps;
  const app = new Hono<Env>();
  const powDifficulty = new PowDifficulty(config, { logger: deps.logger, registry: metrics.registry }); // per app: bursts per campaign

  // Preflight for the browser POSTs.
  app.options('/v1/campaigns/:campaign/:action{challenge|submissions|withdrawals|confirmations}', async (c) => {
    const campaign = await campaignOf(deps, c);
    const origin = c.req.header('origin');
    if (origin !== undefined && (campaign.origins.length === 0 || campaign.origins.includes(origin))) {
      c.header('Access-Control-Allow-Origin', campaign.origins.length > 0 ? origin : '*');
      c.header('Access-Control-Allow-Methods', 'POST');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '600');
    }
    c.header('Vary', 'Origin');
    return c.body(null, 204);
  });

  app.post('/v1/campaigns/:campaign/challenge', async (c) => {
    const campaign = await campaignOf(deps, c);
    checkOrigin(c, campaign);
    const now = clock.now();
    if (!isOpen(campaign, now)) throw new ProblemError('campaign-closed', 'This campaign does not accept signatures now.');
    const decision = deps.challengeLimiter.take(clientAddress(deps, c), now);
    if (!decision.ok) {
      throw new ProblemError('rate-limited', 'Too many requests. Retry later.', { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    const challenge = await issueChallenge(await deps.powSecrets(), campaign.id, powDifficulty.take(campaign.id, now), config.powTtlSeconds, now);
    c.header('Cache-Control', 'no-store');
    return c.json(challenge, 201);
  });

  // The campaigns' settings as this app last read them, by id: only campaigns that exist, so at
  // most one entry per registered campaign. A copy can be out of date (another process or the
  // admin API changed the campaign since), which is why nothing is decided on it alone: a refusal
  // is made on a fresh read, and a write states the settings it was decided on
  // (`SubmissionInsert.expect`), which the store compares with the campaign's row inside the
  // transaction that locks it, answering `stale` if they changed. A closed campaign is refused
  // by that transaction too (`closed`), and a campaign that no longer exists (`unknown-campaign`),
  // so every change takes effect at once, across processes. Staff routes never use this copy.
  const campaigns = new Map<string, CampaignRecord>();

  app.post('/v1/campaigns/:campaign/submissions', async (c) => {
    const id = c.req.param('campaign') ?? '';
    let campaign = CAMPAIGN_ID.test(id) ? campaigns.get(id) : undefined;
    let fresh = campaign === undefined;
    if (campaign === undefined) {
      campaign = await campaignOf(deps, c);
      campaigns.set(campaign.id, campaign);
    }
    const reread = async (): Promise<void> => {
      const found = await store.getCampaign(id);
      if (!found) {
        campaigns.delete(id);
        campaign = undefined;
        throw new ProblemError('unknown-campaign', 'No campaign has this id.');
      }
      campaigns.set(id, found);
      campaign = found;
      fresh = true;
    };
    c.header('Cache-Control', 'no-store');
    const now = clock.now();

    // Read and checked once, whatever the campaign's settings (errors are kept and thrown again).
    let parsedOnce: Promise<Parsed> | undefined;
    const parsed = () => (parsedOnce ??= parseSubmission(c));
    let powOnce: Promise<PowCheck> | undefined;
    const powOf = (body: Record<string, unknown>) => (powOnce ??= deps.powSecrets().then((secrets) => checkPow(secrets, body['pow'], id, now)));

    // Every check the campaign's settings take part in, in the order a request meets them: the
    // origin before the body is read, the envelope's campaign and key after it is parsed, the
    // campaign being open after the proof of work. Throws the first refusal; returns the proof
    // of work's or the closed campaign's (answered after looking for a stored retry).
    const decide = async (record: CampaignRecord): Promise<{ body: Parsed; pow: PowCheck; refusal?: ProblemError }> => {
      if (!originAllowed(c, record)) throw new ProblemError('origin-not-allowed', 'This page is not allowed to submit to this campaign.');
      const body = await parsed();
      if (body.envelope.campaign !== record.id) throw new ProblemError('campaign-mismatch', 'The envelope was sealed for another campaign.');
      if (body.envelope.kid !== record.keyId) throw new ProblemError('key-mismatch', 'The envelope was sealed to another campaign key.');
      const pow = await powOf(body.value);
      if (!pow.ok) {
        return { body, pow, refusal: new ProblemError(pow.code, pow.code === 'pow-expired' ? 'The challenge expired: request a new one.' : 'The proof of work does not verify.') };
      }
      if (!isOpen(record, now)) return { body, pow, refusal: new ProblemError('campaign-closed', 'This campaign does not accept signatures now.') };
      return { body, pow };
    };
    // decide() on the copy, and again on a fresh read whenever the copy refuses: a refusal is
    // always what the campaign's current settings give.
    const decideNow = async (): Promise<Awaited<ReturnType<typeof decide>>> => {
      try {
        const decision = await decide(campaign!);
        if (decision.refusal === undefined || fresh) return decision;
      } catch (error) {
        if (fresh || !(error instanceof ProblemError)) throw error;
      }
      await reread();
      return decide(campaign!);
    };

    try {
      let decision = await decideNow();
      const { envelope, text, envelopeHash } = decision.body;
      // The receipt: where the envelope is in the campaign's log (index = seq - 1), its entry
      // (docs/log.md §7), and the log key's signed promise of both, so the signer can later ask for
      // an inclusion proof and hold the collector to its word.
      // (From the hash just computed: the same entry as hashing the text again.)
      const entry = storedEntry(envelope.sid, null, envelopeHash);
      const receipt = (receivedAt: string, seq: number) => logReceipt(deps, id, envelope.sid, receivedAt, seq, entry);

      // Idempotency: a retry of a stored envelope always gets its receipt, whatever its proof of
      // work, the campaign's state or the rate limits say. New envelopes are the common case, so the
      // store is not asked up front (one query less per submission): a retry that passes every check
      // below is answered by the insert (a duplicate), and one that fails a check is looked up here
      // before the refusal is sent. A retry whose proof of work still verifies takes a rate-limit
      // token like its first attempt did, and gets its receipt even when that token is refused.
      const answerRetry = async (): Promise<Response | undefined> => {
        const existing = await store.findSubmission(id, envelope.sid);
        if (!existing) return undefined;
        // (A deleted submission answers too: its id stays reserved, so a retry does not restore it.)
        if (existing.envelopeHash !== envelopeHash) throw new ProblemError('submission-id-conflict', 'Another envelope holds this submission id.');
        allowOrigin(c, campaign!);
        return c.json(await receipt(existing.receivedAt, existing.seq), 200);
      };

      let refusal = decision.refusal;
      // The campaign ceiling refused it (and was reached just now: `first`).
      let ceiling: { first: boolean } | undefined;
      if (refusal === undefined) {
        const decisionLimit = deps.submissionLimiter.take(clientAddress(deps, c), now);
        if (!decisionLimit.ok) {
          refusal = new ProblemError('rate-limited', 'Too many submissions. Retry later.', { 'Retry-After': String(decisionLimit.retryAfterSeconds) });
        } else {
          // The campaign ceiling: many clients together (a botnet, one /48) cannot flood one campaign.
          const campaignDecision = deps.campaignLimiter.take(id, now);
          if (!campaignDecision.ok) {
            ceiling = { first: campaignDecision.first };
            refusal = new ProblemError('rate-limited', 'This campaign receives too many submissions right now. Retry later.', {
              'Retry-After': String(campaignDecision.retryAfterSeconds),
            });
          }
        }
      }
      const refuse = async (problem: ProblemError): Promise<Response> => {
        const retried = await answerRetry();
        if (retried) return retried;
        throw problem;
      };
      if (refusal !== undefined) {
        const retried = await answerRetry();
        if (retried) return retried;
        if (ceiling) {
          metrics.campaignCeiling.inc({ campaign: id });
          if (ceiling.first) deps.logger.warn({ campaign: id, limit: config.campaignRateLimit, windowSeconds: config.rateWindowSeconds }, 'campaign ceiling reached');
        }
        throw refusal;
      }

      for (let attempt = 1; ; attempt++) {
        const pow = decision.pow;
        if (!pow.ok) throw new Error('unreachable: a failed proof of work is a refusal');
        const record = campaign!;
        const result = await store.insertSubmission({
          campaign: id,
          sid: envelope.sid,
          envelope: text,
          envelopeHash,
          wh: envelope.wh,
          ch: envelope.ch ?? null,
          receivedAt: new Date(now).toISOString(),
          powId: pow.id,
          powExpiresAt: pow.expiresAt,
          expect: { keyId: record.keyId, origins: record.origins, opensAt: record.opensAt, closesAt: record.closesAt },
        });
        switch (result.status) {
          case 'created':
            metrics.accepted.inc({ campaign: id });
            allowOrigin(c, record);
            return c.json(await receipt(result.receivedAt, result.seq), 201);
          case 'duplicate': {
            // A concurrent retry stored it first: its seq is committed, read it.
            const stored = await store.findSubmission(id, envelope.sid);
            if (!stored) throw new Error('a duplicate submission is not stored');
            allowOrigin(c, record);
            return c.json(await receipt(result.receivedAt, stored.seq), 200);
          }
          case 'stale': {
            // The campaign's settings changed after they were read: decide again on the current
            // ones (the rate-limit tokens are not taken twice). Each round needs another change
            // committed in between; a bound keeps a bug from looping.
            if (attempt >= 8) throw new Error('submission: the campaign kept changing under the write');
            await reread();
            decision = await decide(campaign!);
            if (decision.refusal !== undefined) return await refuse(decision.refusal);
            continue;
          }
          case 'closed':
            // Closed after the copy was read: the next request reads the campaign again.
            campaigns.delete(id);
            throw new ProblemError('campaign-closed', 'This campaign does not accept signatures now.');
          case 'conflict':
            throw new ProblemError('submission-id-conflict', 'Another envelope holds this submission id.');
          case 'pow-replayed':
            throw new ProblemError('pow-replayed', 'This challenge was already used: request a new one.');
          case 'unknown-campaign':
            campaigns.delete(id);
            throw new ProblemError('unknown-campaign', 'No campaign has this id.');
        }
      }
    } catch (error) {
      // As before this copy existed: every answer after the origin check passed carries CORS.
      if (campaign !== undefined && originAllowed(c, campaign)) allowOrigin(c, campaign);
      throw error;
    }
  });

  app.delete('/v1/campaigns/:campaign/submissions/:sid', async (c) => {
    const campaign = await campaignOf(deps, c);
    requireStaff(deps, c, campaign);
    const sid = c.req.param('sid');
    // The removal is logged (a 0x03 entry with the next seq) in the transaction that deletes.
    if (!/^[A-Za-z0-9_-]{22}$/.test(sid) || !(await store.deleteSubmission(campaign.id, sid, new Date(clock.now()).toISOString()))) {
      throw new ProblemError('not-found', 'No submission with this id is stored.');
    }
    return c.body(null, 204);
  });

  return app;
}
