// Submissions: the browser's preflight, proof-of-work challenge and sealed-envelope POST, and
// the staff DELETE of one submission. Idempotent by submission id (docs/api.md).
import { PADDING_BUCKETS, SEALED_BOX_OVERHEAD, formatEnvelope, isSecureSignError, parseEnvelope } from '@secure-sign/crypto';
import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { isOpen } from '../campaigns.js';
import { logOrigin, signPromise } from '../log.js';
import { storedEntry } from '../store/log-entries.js';
import { PowDifficulty, checkPow, issueChallenge } from '../pow.js';
import { ProblemError } from '../problems.js';
import {
  MAX_SUBMISSION_BODY_BYTES,
  campaignOf,
  checkOrigin,
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

  app.post('/v1/campaigns/:campaign/submissions', async (c) => {
    const campaign = await campaignOf(deps, c);
    checkOrigin(c, campaign);
    c.header('Cache-Control', 'no-store');
    const { value } = await readJsonBody(c, MAX_SUBMISSION_BODY_BYTES);
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !('envelope' in value)) {
      throw new ProblemError('malformed-envelope', 'The body must be {"envelope": ..., "pow": ...}.');
    }
    const body = value as Record<string, unknown>;
    let envelope;
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
    if (envelope.campaign !== campaign.id) throw new ProblemError('campaign-mismatch', 'The envelope was sealed for another campaign.');
    if (envelope.kid !== campaign.keyId) throw new ProblemError('key-mismatch', 'The envelope was sealed to another campaign key.');
    // Normalised text: field order fixed, so "the same envelope" is a string comparison.
    const text = formatEnvelope(envelope);
    const envelopeHash = createHash('sha256').update(text).digest('hex');
    // The receipt: where the envelope is in the campaign's log (index = seq - 1), its entry
    // (docs/log.md §7), and the log key's signed promise of both, so the signer can later ask for
    // an inclusion proof and hold the collector to its word.
    // (From the hash just computed: the same entry as hashing the text again.)
    const entry = storedEntry(envelope.sid, null, envelopeHash);
    const receipt = (receivedAt: string, seq: number) => logReceipt(deps, campaign.id, envelope.sid, receivedAt, seq, entry);

    // Idempotency: a retry of a stored envelope always gets its receipt, whatever its proof of
    // work, the campaign's state or the rate limits say. New envelopes are the common case, so the
    // store is not asked up front (one query less per submission): a retry that passes every check
    // below is answered by the insert (a duplicate), and one that fails a check is looked up here
    // before the refusal is sent. A retry whose proof of work still verifies takes a rate-limit
    // token like its first attempt did, and gets its receipt even when that token is refused.
    const answerRetry = async (): Promise<Response | undefined> => {
      const existing = await store.findSubmission(campaign.id, envelope.sid);
      if (!existing) return undefined;
      // (A deleted submission answers too: its id stays reserved, so a retry does not restore it.)
      if (existing.envelopeHash !== envelopeHash) throw new ProblemError('submission-id-conflict', 'Another envelope holds this submission id.');
      return c.json(await receipt(existing.receivedAt, existing.seq), 200);
    };

    const now = clock.now();
    const pow = checkPow(await deps.powSecrets(), body['pow'], campaign.id, now);
    let refusal: ProblemError | undefined;
    // The campaign ceiling refused it (and was reached just now: `first`).
    let ceiling: { first: boolean } | undefined;
    if (!pow.ok) {
      refusal = new ProblemError(pow.code, pow.code === 'pow-expired' ? 'The challenge expired: request a new one.' : 'The proof of work does not verify.');
    } else if (!isOpen(campaign, now)) {
      refusal = new ProblemError('campaign-closed', 'This campaign does not accept signatures now.');
    } else {
      const decision = deps.submissionLimiter.take(clientAddress(deps, c), now);
      if (!decision.ok) {
        refusal = new ProblemError('rate-limited', 'Too many submissions. Retry later.', { 'Retry-After': String(decision.retryAfterSeconds) });
      } else {
        // The campaign ceiling: many clients together (a botnet, one /48) cannot flood one campaign.
        const campaignDecision = deps.campaignLimiter.take(campaign.id, now);
        if (!campaignDecision.ok) {
          ceiling = { first: campaignDecision.first };
          refusal = new ProblemError('rate-limited', 'This campaign receives too many submissions right now. Retry later.', {
            'Retry-After': String(campaignDecision.retryAfterSeconds),
          });
        }
      }
    }
    if (refusal !== undefined) {
      const retried = await answerRetry();
      if (retried) return retried;
      if (ceiling) {
        metrics.campaignCeiling.inc({ campaign: campaign.id });
        if (ceiling.first) deps.logger.warn({ campaign: campaign.id, limit: config.campaignRateLimit, windowSeconds: config.rateWindowSeconds }, 'campaign ceiling reached');
      }
      throw refusal;
    }
    if (!pow.ok) throw new Error('unreachable: a failed proof of work is a refusal');

    const result = await store.insertSubmission({
      campaign: campaign.id,
      sid: envelope.sid,
      envelope: text,
      envelopeHash,
      wh: envelope.wh,
      ch: envelope.ch ?? null,
      receivedAt: new Date(now).toISOString(),
      powId: pow.id,
      powExpiresAt: pow.expiresAt,
    });
    switch (result.status) {
      case 'created':
        metrics.accepted.inc({ campaign: campaign.id });
        return c.json(await receipt(result.receivedAt, result.seq), 201);
      case 'duplicate': {
        // A concurrent retry stored it first: its seq is committed, read it.
        const stored = await store.findSubmission(campaign.id, envelope.sid);
        if (!stored) throw new Error('a duplicate submission is not stored');
        return c.json(await receipt(result.receivedAt, stored.seq), 200);
      }
      case 'closed':
        throw new ProblemError('campaign-closed', 'This campaign does not accept signatures now.');
      case 'conflict':
        throw new ProblemError('submission-id-conflict', 'Another envelope holds this submission id.');
      case 'pow-replayed':
        throw new ProblemError('pow-replayed', 'This challenge was already used: request a new one.');
      case 'unknown-campaign':
        throw new ProblemError('unknown-campaign', 'No campaign has this id.');
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
