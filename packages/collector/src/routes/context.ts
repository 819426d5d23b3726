// What every route module shares: the Hono environment type, the dependencies createApp hands
// to each sub-app, the request limits, and the checks more than one resource needs (campaign
// lookup, staff and admin tokens, CORS, bounded JSON bodies). Rules of the routes:
// - Every client mistake is answered with a ProblemError (problem+json, stable code); only a
//   failing database or a bug reaches the 5xx path.
// - Nothing here logs or echoes an envelope, a token, a client address or a request path with
//   values in it: logs carry the route pattern, the status and the problem code.
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CollectorConfig } from '../config.js';
import type { LogKey } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { PowSecrets } from '../pow.js';
import { ProblemError, problem, type ProblemCode, type ProblemExtensions } from '../problems.js';
import { clientBucket, type RateLimiter } from '../rate-limit.js';
import type { CampaignRecord, Store } from '../store/types.js';
import { STAFF_TOKEN_PATTERN, tokenMatches } from '../tokens.js';

/** Source of the current time, in ms since the epoch (tests move it). */
export interface Clock {
  now(): number;
}

/** Largest submission body. */
export const MAX_SUBMISSION_BODY_BYTES = 64 * 1024;
/** Largest uploaded document. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Largest admin request body. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;
/** Largest export page. */
export const MAX_EXPORT_LIMIT = 100_000;

export const CAMPAIGN_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const FILE_NAME = /^[a-z0-9][a-z0-9-]{0,62}\.json$/;

/** The Hono environment of the app and of every sub-app. */
export type Env = {
  Bindings: { incoming?: IncomingBody & { socket?: { remoteAddress?: string } } };
  Variables: { problemCode: ProblemCode };
};

/** What createApp gives each route module: all state lives here, none in module scope. */
export interface RouteDeps {
  readonly store: Store;
  readonly config: CollectorConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly submissionLimiter: RateLimiter;
  /** Withdrawal attempts per client (same limit and window as submissions). */
  readonly withdrawalLimiter: RateLimiter;
  /** Confirmation decisions per client (same limit and window as submissions, their own buckets). */
  readonly confirmationLimiter: RateLimiter;
  readonly challengeLimiter: RateLimiter;
  /** Stored submissions per campaign (all clients together): the campaign ceiling. */
  readonly campaignLimiter: RateLimiter;
  /** Failed admin and staff token attempts per client. */
  readonly authFailureLimiter: RateLimiter;
  /** The proof-of-work secrets, read from the store once (retried after a failure). */
  powSecrets(): Promise<PowSecrets>;
  /** The collector's log key, read (or created) once (retried after a failure). */
  logKey(): Promise<LogKey>;
}

/** Answers with a problem+json document (and counts it). */
export function sendProblem(
  deps: RouteDeps,
  c: Context<Env>,
  code: ProblemCode,
  detail: string,
  headers: Record<string, string> = {},
  extensions: ProblemExtensions = {},
): Response {
  const body = problem(code, detail, extensions);
  deps.metrics.rejected.inc({ code });
  c.set('problemCode', code);
  return c.body(JSON.stringify(body), body.status as 400, {
    ...headers,
    'Content-Type': 'application/problem+json',
    'Cache-Control': 'no-store',
  });
}

/** The campaign named by the `:campaign` path parameter; `404 unknown-campaign` otherwise. */
export async function campaignOf(deps: RouteDeps, c: Context<Env>): Promise<CampaignRecord> {
  const id = c.req.param('campaign') ?? '';
  if (!CAMPAIGN_ID.test(id)) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
  const campaign = await deps.store.getCampaign(id);
  if (!campaign) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
  return campaign;
}

/**
 * The client bucket rate limits are keyed on (never stored or logged): the client address, an
 * IPv6 one cut to its network prefix (`ipv6Prefix`, a /64 by default).
 */
export function clientAddress(deps: RouteDeps, c: Context<Env>): string {
  let address = c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
  if (deps.config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) address = last;
  }
  return clientBucket(address, deps.config.ipv6Prefix);
}

/** CORS for a browser POST: the campaign's origins, or any when it lists none. */
export function checkOrigin(c: Context<Env>, campaign: CampaignRecord): void {
  if (!originAllowed(c, campaign)) throw new ProblemError('origin-not-allowed', 'This page is not allowed to submit to this campaign.');
  allowOrigin(c, campaign);
}

/** Whether the request's origin may POST to the campaign (true without an Origin header: CORS does not apply). */
export function originAllowed(c: Context<Env>, campaign: CampaignRecord): boolean {
  const origin = c.req.header('origin');
  return origin === undefined || campaign.origins.length === 0 || campaign.origins.includes(origin);
}

/** The CORS headers of an allowed POST ({@link originAllowed}); none without an Origin header. */
export function allowOrigin(c: Context<Env>, campaign: CampaignRecord): void {
  const origin = c.req.header('origin');
  if (origin === undefined) return; // not a browser, or same-origin navigation: CORS does not apply
  c.header('Access-Control-Allow-Origin', campaign.origins.length > 0 ? origin : '*');
  c.header('Vary', 'Origin');
}

/** Public reads are open to every origin. */
export function publicCors(c: Context<Env>): void {
  c.header('Access-Control-Allow-Origin', '*');
}

/** Reads an `application/json` body of at most `maxBytes` and parses it. */
export async function readJsonBody(c: Context<Env>, maxBytes: number): Promise<{ text: string; value: unknown }> {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new ProblemError('unsupported-media-type', 'Send the body as application/json.');
  const text = await readBody(c, maxBytes);
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch {
    throw new ProblemError('malformed-json', 'The body is not valid JSON.');
  }
}

/** Reads an `application/x-www-form-urlencoded` body (an HTML form's POST) of at most `maxBytes`. */
export async function readFormBody(c: Context<Env>, maxBytes: number): Promise<URLSearchParams> {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new ProblemError('unsupported-media-type', 'Send the form as application/x-www-form-urlencoded.');
  return new URLSearchParams(await readBody(c, maxBytes));
}

/**
 * The campaign's staff token must be the bearer; `401 unauthorized` otherwise. A client that
 * failed `authFailureLimit` times in the window gets `429 rate-limited` without its token being
 * looked at, right or wrong, until the window ends.
 */
export function requireStaff(deps: RouteDeps, c: Context<Env>, campaign: CampaignRecord): void {
  const client = authGate(deps, c);
  const token = bearer(c);
  if (token === undefined || !STAFF_TOKEN_PATTERN.test(token) || !tokenMatches(token, campaign.tokenHash)) {
    deps.authFailureLimiter.take(client, deps.clock.now());
    throw new ProblemError('unauthorized', 'A valid staff token for this campaign is required.', {
      'WWW-Authenticate': 'Bearer realm="secure-sign"',
    });
  }
  c.header('Cache-Control', 'no-store');
}

/**
 * The admin token must be the bearer; without a configured admin token the admin API does not
 * exist. Failed attempts are limited per client as for staff tokens.
 */
export function requireAdmin(deps: RouteDeps, c: Context<Env>): void {
  if (deps.config.adminToken === undefined) throw new ProblemError('not-found', 'Nothing here.');
  const client = authGate(deps, c);
  const token = bearer(c) ?? '';
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(deps.config.adminToken).digest();
  if (!timingSafeEqual(a, b)) {
    deps.authFailureLimiter.take(client, deps.clock.now());
    throw new ProblemError('unauthorized', 'A valid admin token is required.', { 'WWW-Authenticate': 'Bearer realm="secure-sign-admin"' });
  }
  c.header('Cache-Control', 'no-store');
}

/** Refuses a client that used up its failed token attempts; its bucket otherwise. */
function authGate(deps: RouteDeps, c: Context<Env>): string {
  const client = clientAddress(deps, c);
  const decision = deps.authFailureLimiter.check(client, deps.clock.now());
  if (!decision.ok) {
    throw new ProblemError('rate-limited', 'Too many failed token attempts. Retry later.', { 'Retry-After': String(decision.retryAfterSeconds) });
  }
  return client;
}

/** The token of an `Authorization: Bearer` header; the scheme name is case-insensitive (RFC 9110 §11.1). */
function bearer(c: Context<Env>): string | undefined {
  const header = c.req.header('authorization');
  const match = header === undefined ? null : /^Bearer +([^\s]+)$/i.exec(header);
  return match?.[1];
}

/** Decodes a path segment; '' when it is not valid percent-encoding. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** Whether an error comes from the database (answered 503) rather than from a bug (500). */
export function isDatabaseError(error: unknown): boolean {
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
  // Under @hono/node-server, read Node's request stream directly: turning it into a web stream
  // (what `c.req.raw.body` does) cost more per submission than parsing it. Same limits, same answers.
  const incoming = c.env?.incoming;
  if (incoming !== undefined && typeof incoming.on === 'function' && !incoming.readableDidRead && !incoming.destroyed) {
    return decodeUtf8(await readIncoming(incoming, maxBytes));
  }
  const body = c.req.raw.body;
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch {
      // The client closed the connection mid-body, or the server's request timeout cut it: a
      // client matter, never a database failure (nobody is left to read this answer).
      throw new ProblemError('incomplete-request', 'The request body ended before it was complete.');
    }
    const { done, value } = step;
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
  return decodeUtf8(bytes);
}

// One decoder for all requests: `fatal` makes it throw on bad bytes; a throw resets it.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ProblemError('malformed-json', 'The body is not valid UTF-8 JSON.');
  }
}

/** The part of Node's IncomingMessage {@link readIncoming} uses. */
export interface IncomingBody {
  readonly readableDidRead?: boolean;
  readonly readableEnded?: boolean;
  readonly destroyed?: boolean;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): unknown;
}

/**
 * Reads a Node request body of at most `maxBytes`: `413 payload-too-large` as soon as it is
 * larger (the stream is destroyed, as cancelling the web stream did), `400 incomplete-request` if
 * the client goes away before its end.
 */
function readIncoming(incoming: IncomingBody, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      size += buffer.byteLength;
      if (size > maxBytes) {
        cleanup();
        incoming.destroy();
        reject(new ProblemError('payload-too-large', `The body is larger than ${maxBytes} bytes.`));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    // The client closed the connection mid-body, or the server's request timeout cut it: a
    // client matter, never a database failure (nobody is left to read this answer).
    const onError = () => {
      cleanup();
      reject(new ProblemError('incomplete-request', 'The request body ended before it was complete.'));
    };
    const onClose = () => (incoming.readableEnded ? onEnd() : onError());
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}
