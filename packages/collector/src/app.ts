// The collector's HTTP app. Rules of this file:
// - Every client mistake is answered with a ProblemError (problem+json, stable code); only a
//   failing database or a bug reaches the 5xx path.
// - Nothing here logs or echoes an envelope, a token, a client address or a request path with
//   values in it: logs carry the route pattern, the status and the problem code.
// - All state lives in the closure of createApp (store, limiters, metrics): no module state.
import { isSecureSignError, parseCampaignPublicKey, parseEnvelope, verifyDocument } from '@secure-sign/crypto';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { createHash, timingSafeEqual } from 'node:crypto';
import { describeCampaignInputError, isOpen, registerCampaign, rotateStaffToken } from './campaigns.js';
import type { CollectorConfig } from './config.js';
import { createMetrics, type Metrics } from './metrics.js';
import { checkPow, issueChallenge, type PowSecrets } from './pow.js';
import { ProblemError, problem, type ProblemCode } from './problems.js';
import { RateLimiter } from './rate-limit.js';
import type { CampaignRecord, Store } from './store/types.js';
import { STAFF_TOKEN_PATTERN, tokenMatches } from './tokens.js';

/** Source of the current time, in ms since the epoch (tests move it). */
export interface Clock {
  now(): number;
}

/** What {@link createApp} needs. */
export interface AppOptions {
  readonly store: Store;
  readonly config: CollectorConfig;
  readonly clock?: Clock;
  readonly logger: Logger;
  /** Metrics registry to fill; a fresh one by default. */
  readonly metrics?: Metrics;
}

/** Largest submission body. */
export const MAX_SUBMISSION_BODY_BYTES = 64 * 1024;
/** Largest uploaded document. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Largest admin request body. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024;
/** Largest export page. */
export const MAX_EXPORT_LIMIT = 100_000;

const CAMPAIGN_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const FILE_NAME = /^[a-z0-9][a-z0-9-]{0,62}\.json$/;
const CURSOR = /^(?:0|[1-9][0-9]{0,15})$/;

type Env = {
  Bindings: { incoming?: { socket?: { remoteAddress?: string } } };
  Variables: { problemCode: ProblemCode };
};

/**
 * Builds the collector's Hono app. Listening is the caller's business (see `startServer`).
 *
 * @example
 * ```ts
 * const app = createApp({ store, config: resolveConfig(), logger: pino() });
 * const response = await app.request('/healthz');
 * ```
 */
export function createApp(options: AppOptions): Hono<Env> {
  const { store, config, logger } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const metrics = options.metrics ?? createMetrics();
  const submissionLimiter = new RateLimiter(config.rateLimit, config.rateWindowSeconds);
  const challengeLimiter = new RateLimiter(config.challengeRateLimit, config.rateWindowSeconds);
  let secrets: Promise<PowSecrets> | undefined;
  const powSecrets = (): Promise<PowSecrets> => {
    secrets ??= Promise.all([store.sharedSecret('pow-challenge'), store.sharedSecret('pow-key')]).then(
      ([challenge, key]) => ({ challenge, key }),
      (error: unknown) => {
        secrets = undefined;
        throw error;
      },
    );
    return secrets;
  };

  const app = new Hono<Env>();

  // Timing, metrics and the one log line per request.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    const status = c.res.status;
    metrics.latency.observe({ method: c.req.method, route, status: String(status) }, seconds);
    const code = c.res.headers.get('content-type')?.startsWith('application/problem+json') ? c.get('problemCode') : undefined;
    logger.info({ method: c.req.method, route, status, ms: Math.round(seconds * 1000), ...(code ? { code } : {}) }, 'request');
  });
  app.use(async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  });

  function send(c: Context<Env>, code: ProblemCode, detail: string, headers: Record<string, string> = {}): Response {
    const body = problem(code, detail);
    metrics.rejected.inc({ code });
    c.set('problemCode', code);
    return c.body(JSON.stringify(body), body.status as 400, {
      ...headers,
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
    });
  }

  app.onError((error, c) => {
    if (error instanceof ProblemError) return send(c, error.problem.code, error.problem.detail, { ...error.headers });
    const database = isDatabaseError(error);
    // Only the error's class and code: pg messages can quote row values.
    logger.error({ err: { name: error.name, code: (error as { code?: unknown }).code } }, database ? 'database failure' : 'unexpected failure');
    return database
      ? send(c, 'unavailable', 'The collector cannot reach its database. Retry later.', { 'Retry-After': '5' })
      : send(c, 'internal', 'The collector failed unexpectedly. Retry later.');
  });

  app.notFound((c) => {
    const segment = /^\/v1\/campaigns\/([^/]*)/.exec(c.req.path)?.[1];
    if (segment !== undefined && !CAMPAIGN_ID.test(safeDecode(segment))) {
      return send(c, 'unknown-campaign', 'No campaign has this id.');
    }
    return send(c, 'not-found', 'Nothing here.');
  });

  // --- helpers ------------------------------------------------------------------------------

  async function campaignOf(c: Context<Env>): Promise<CampaignRecord> {
    const id = c.req.param('campaign') ?? '';
    if (!CAMPAIGN_ID.test(id)) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    const campaign = await store.getCampaign(id);
    if (!campaign) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    return campaign;
  }

  function clientAddress(c: Context<Env>): string {
    if (config.trustProxy) {
      const forwarded = c.req.header('x-forwarded-for');
      const last = forwarded?.split(',').at(-1)?.trim();
      if (last) return last;
    }
    return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
  }

  /** CORS for a browser POST: the campaign's origins, or any when it lists none. */
  function checkOrigin(c: Context<Env>, campaign: CampaignRecord): void {
    const origin = c.req.header('origin');
    if (origin === undefined) return; // not a browser, or same-origin navigation: CORS does not apply
    if (campaign.origins.length > 0 && !campaign.origins.includes(origin)) {
      throw new ProblemError('origin-not-allowed', 'This page is not allowed to submit to this campaign.');
    }
    c.header('Access-Control-Allow-Origin', campaign.origins.length > 0 ? origin : '*');
    c.header('Vary', 'Origin');
  }

  async function readJsonBody(c: Context<Env>, maxBytes: number): Promise<{ text: string; value: unknown }> {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new ProblemError('unsupported-media-type', 'Send the body as application/json.');
    const text = await readBody(c, maxBytes);
    try {
      return { text, value: JSON.parse(text) as unknown };
    } catch {
      throw new ProblemError('malformed-json', 'The body is not valid JSON.');
    }
  }

  function requireStaff(c: Context<Env>, campaign: CampaignRecord): void {
    const token = bearer(c);
    if (token === undefined || !STAFF_TOKEN_PATTERN.test(token) || !tokenMatches(token, campaign.tokenHash)) {
      throw new ProblemError('unauthorized', 'A valid staff token for this campaign is required.', {
        'WWW-Authenticate': 'Bearer realm="secure-sign"',
      });
    }
    c.header('Cache-Control', 'no-store');
  }

  function requireAdmin(c: Context<Env>): void {
    if (config.adminToken === undefined) throw new ProblemError('not-found', 'Nothing here.');
    const token = bearer(c) ?? '';
    const a = createHash('sha256').update(token).digest();
    const b = createHash('sha256').update(config.adminToken).digest();
    if (!timingSafeEqual(a, b)) {
      throw new ProblemError('unauthorized', 'A valid admin token is required.', { 'WWW-Authenticate': 'Bearer realm="secure-sign-admin"' });
    }
    c.header('Cache-Control', 'no-store');
  }

  function publicCors(c: Context<Env>): void {
    c.header('Access-Control-Allow-Origin', '*');
  }

  // --- public -------------------------------------------------------------------------------

  app.get('/healthz', async (c) => {
    publicCors(c);
    try {
      await store.ping();
    } catch {
      return send(c, 'unavailable', 'The database does not answer.');
    }
    return c.json({ status: 'ok' });
  });

  app.get('/metrics', async (c) => {
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });

  app.get('/v1/campaigns/:campaign', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(c);
    c.header('Cache-Control', 'no-cache');
    return c.json({
      campaign: campaign.id,
      keyId: campaign.keyId,
      count: campaign.count,
      goal: campaign.goal,
      opensAt: campaign.opensAt,
      closesAt: campaign.closesAt,
      open: isOpen(campaign, clock.now()),
    });
  });

  // Preflight for the two browser POSTs.
  app.options('/v1/campaigns/:campaign/:action{challenge|submissions}', async (c) => {
    const campaign = await campaignOf(c);
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
    const campaign = await campaignOf(c);
    checkOrigin(c, campaign);
    const now = clock.now();
    if (!isOpen(campaign, now)) throw new ProblemError('campaign-closed', 'This campaign does not accept signatures now.');
    const decision = challengeLimiter.take(clientAddress(c), now);
    if (!decision.ok) {
      throw new ProblemError('rate-limited', 'Too many requests. Retry later.', { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    const challenge = await issueChallenge(await powSecrets(), campaign.id, config.powDifficulty, config.powTtlSeconds, now);
    c.header('Cache-Control', 'no-store');
    return c.json(challenge, 201);
  });

  app.post('/v1/campaigns/:campaign/submissions', async (c) => {
    const campaign = await campaignOf(c);
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
    if (envelope.campaign !== campaign.id) throw new ProblemError('campaign-mismatch', 'The envelope was sealed for another campaign.');
    if (envelope.kid !== campaign.keyId) throw new ProblemError('key-mismatch', 'The envelope was sealed to another campaign key.');
    // Normalised text: field order fixed, so "the same envelope" is a string comparison.
    const text = JSON.stringify({ v: envelope.v, campaign: envelope.campaign, kid: envelope.kid, sid: envelope.sid, ct: envelope.ct });
    const envelopeHash = createHash('sha256').update(text).digest('hex');
    const receipt = (receivedAt: string) => ({ campaign: campaign.id, sid: envelope.sid, receivedAt });

    // Idempotency before proof of work: a retry of a stored envelope always succeeds.
    const existing = await store.findSubmission(campaign.id, envelope.sid);
    if (existing) {
      // (A deleted submission answers too: its id stays reserved, so a retry does not restore it.)
      if (existing.envelopeHash !== envelopeHash) throw new ProblemError('submission-id-conflict', 'Another envelope holds this submission id.');
      return c.json(receipt(existing.receivedAt), 200);
    }

    const now = clock.now();
    const pow = await checkPow(await powSecrets(), body['pow'], campaign.id, now);
    if (!pow.ok) {
      throw new ProblemError(pow.code, pow.code === 'pow-expired' ? 'The challenge expired: request a new one.' : 'The proof of work does not verify.');
    }
    if (!isOpen(campaign, now)) throw new ProblemError('campaign-closed', 'This campaign does not accept signatures now.');
    const decision = submissionLimiter.take(clientAddress(c), now);
    if (!decision.ok) {
      throw new ProblemError('rate-limited', 'Too many submissions. Retry later.', { 'Retry-After': String(decision.retryAfterSeconds) });
    }

    const result = await store.insertSubmission({
      campaign: campaign.id,
      sid: envelope.sid,
      envelope: text,
      envelopeHash,
      receivedAt: new Date(now).toISOString(),
      powId: pow.id,
      powExpiresAt: pow.expiresAt,
    });
    switch (result.status) {
      case 'created':
        metrics.accepted.inc({ campaign: campaign.id });
        return c.json(receipt(result.receivedAt), 201);
      case 'duplicate':
        return c.json(receipt(result.receivedAt), 200);
      case 'conflict':
        throw new ProblemError('submission-id-conflict', 'Another envelope holds this submission id.');
      case 'pow-replayed':
        throw new ProblemError('pow-replayed', 'This challenge was already used: request a new one.');
      case 'unknown-campaign':
        throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    }
  });

  app.get('/v1/campaigns/:campaign/files/:name', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(c);
    const name = c.req.param('name');
    const file = FILE_NAME.test(name) ? await store.getFile(campaign.id, name) : undefined;
    if (!file) throw new ProblemError('not-found', 'Nothing was published under this name.');
    return c.body(file.body, 200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=60',
      'Last-Modified': new Date(file.updatedAt).toUTCString(),
    });
  });

  // --- staff --------------------------------------------------------------------------------

  app.get('/v1/campaigns/:campaign/export', async (c) => {
    const campaign = await campaignOf(c);
    requireStaff(c, campaign);
    const afterText = c.req.query('after') ?? '0';
    if (!CURSOR.test(afterText) || !Number.isSafeInteger(Number(afterText))) {
      throw new ProblemError('bad-cursor', 'after must be a non-negative integer (the last seq you saved).');
    }
    const limitText = c.req.query('limit') ?? String(MAX_EXPORT_LIMIT);
    const limit = Number(limitText);
    if (!/^[1-9][0-9]{0,5}$/.test(limitText) || limit > MAX_EXPORT_LIMIT) {
      throw new ProblemError('bad-limit', `limit must be an integer from 1 to ${MAX_EXPORT_LIMIT}.`);
    }
    const rows = store.exportSubmissions(campaign.id, Number(afterText), limit)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    // Pulled row by row as the client reads: memory stays at one page whatever the campaign size.
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await rows.next();
          if (next.done) {
            controller.close();
            return;
          }
          const row = next.value;
          controller.enqueue(encoder.encode(`{"seq":${row.seq},"receivedAt":${JSON.stringify(row.receivedAt)},"envelope":${row.envelope}}\n`));
        } catch (error) {
          // The status is already sent: cut the stream so the client sees a truncated body and
          // resumes from the last complete line.
          logger.error({ err: { name: (error as Error).name } }, 'export failed mid-stream');
          controller.error(error);
        }
      },
      async cancel() {
        await rows.return?.();
      },
    });
    return c.body(stream, 200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  });

  app.delete('/v1/campaigns/:campaign/submissions/:sid', async (c) => {
    const campaign = await campaignOf(c);
    requireStaff(c, campaign);
    const sid = c.req.param('sid');
    if (!/^[A-Za-z0-9_-]{22}$/.test(sid) || !(await store.deleteSubmission(campaign.id, sid))) {
      throw new ProblemError('not-found', 'No submission with this id is stored.');
    }
    return c.body(null, 204);
  });

  app.put('/v1/campaigns/:campaign/files/:name', async (c) => {
    const campaign = await campaignOf(c);
    requireStaff(c, campaign);
    const name = c.req.param('name');
    if (!FILE_NAME.test(name)) throw new ProblemError('not-found', 'File names are 1-63 of a-z, 0-9 and -, then .json.');
    const { text } = await readJsonBody(c, MAX_FILE_BYTES);
    const publicKey = await parseCampaignPublicKey(campaign.key);
    let issuedAt: string;
    try {
      const payload = await verifyDocument(publicKey, text, {
        campaign: campaign.id,
        maxBytes: MAX_FILE_BYTES,
        ...(name === 'wall.json' ? { type: 'wall' } : {}),
      });
      issuedAt = payload.issuedAt;
    } catch (error) {
      if (isSecureSignError(error, 'AUTHENTICATION_FAILED') || isSecureSignError(error, 'KEY_MISMATCH')) {
        throw new ProblemError('bad-signature', 'The document is not signed by this campaign key.');
      }
      if (isSecureSignError(error, 'OVERSIZE')) throw new ProblemError('payload-too-large', 'The document is too large.');
      if (isSecureSignError(error)) {
        throw new ProblemError('malformed-document', `The document is not a signed document for this campaign and name (${error.code.toLowerCase()}).`);
      }
      throw error;
    }
    await store.putFile(campaign.id, name, { body: text, issuedAt, updatedAt: new Date(clock.now()).toISOString() });
    return c.json({ name, issuedAt }, 200);
  });

  // --- admin --------------------------------------------------------------------------------

  app.post('/v1/admin/campaigns', async (c) => {
    requireAdmin(c);
    const { value } = await readJsonBody(c, MAX_ADMIN_BODY_BYTES);
    const invalid = describeCampaignInputError(value);
    if (invalid !== undefined) throw new ProblemError('invalid-request', invalid);
    const result = await registerCampaign(store, value);
    if (!result.ok) throw new ProblemError('campaign-exists', 'A campaign with this id exists.');
    return c.json({ campaign: (value as { campaign: string }).campaign, token: result.token }, 201);
  });

  app.post('/v1/admin/campaigns/:campaign/token', async (c) => {
    requireAdmin(c);
    const campaign = await campaignOf(c);
    const token = await rotateStaffToken(store, campaign.id);
    if (token === undefined) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    return c.json({ token }, 200);
  });

  return app;
}

function bearer(c: Context<Env>): string | undefined {
  const header = c.req.header('authorization');
  const match = header === undefined ? null : /^Bearer ([^\s]+)$/.exec(header);
  return match?.[1];
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function isDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (name === 'SqliteError') return true;
  if (typeof code === 'string' && /^(?:[0-9A-Z]{5}|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|57P01)$/.test(code)) return true;
  return error instanceof Error && /Connection terminated|pool after calling end|not open/i.test(error.message);
}

async function readBody(c: Context<Env>, maxBytes: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new ProblemError('payload-too-large', `The body is larger than ${maxBytes} bytes.`);
  }
  const body = c.req.raw.body;
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ProblemError('payload-too-large', `The body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ProblemError('malformed-json', 'The body is not valid UTF-8 JSON.');
  }
}
