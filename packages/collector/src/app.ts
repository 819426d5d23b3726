// The collector's HTTP app: the cross-cutting parts (timing, metrics, the one log line per
// request, security headers, problem answers for errors and unknown paths) and the mounting of
// one sub-app per resource (src/routes/). Rules of this file and of the routes:
// - Every client mistake is answered with a ProblemError (problem+json, stable code); only a
//   failing database or a bug reaches the 5xx path.
// - Nothing here logs or echoes an envelope, a token, a client address or a request path with
//   values in it: logs carry the route pattern, the status and the problem code.
// - All state lives in the closure of createApp (store, limiters, metrics): no module state.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { CollectorConfig } from './config.js';
import { loadLogKey, type LogKey } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { PowSecrets } from './pow.js';
import { ProblemError } from './problems.js';
import { RateLimiter } from './rate-limit.js';
import { adminRoutes } from './routes/admin.js';
import { campaignRoutes } from './routes/campaigns.js';
import { confirmationRoutes } from './routes/confirmations.js';
import { CAMPAIGN_ID, isDatabaseError, safeDecode, sendProblem, type Clock, type Env, type RouteDeps } from './routes/context.js';
import { exportRoutes } from './routes/export.js';
import { fileRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { logRoutes } from './routes/log.js';
import { submissionRoutes } from './routes/submissions.js';
import { withdrawalRoutes } from './routes/withdrawals.js';
import type { Store } from './store/types.js';

export { MAX_EXPORT_LIMIT, MAX_FILE_BYTES, MAX_SUBMISSION_BODY_BYTES, type Clock } from './routes/context.js';

/** What {@link createApp} needs. */
export interface AppOptions {
  readonly store: Store;
  readonly config: CollectorConfig;
  readonly clock?: Clock;
  readonly logger: Logger;
  /** Metrics registry to fill; a fresh one by default. */
  readonly metrics?: Metrics;
}

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
  const metrics = options.metrics ?? createMetrics();
  let secrets: Promise<PowSecrets> | undefined;
  let logKey: Promise<LogKey> | undefined;
  const deps: RouteDeps = {
    store,
    config,
    logger,
    metrics,
    clock: options.clock ?? { now: () => Date.now() },
    submissionLimiter: new RateLimiter(config.rateLimit, config.rateWindowSeconds),
    withdrawalLimiter: new RateLimiter(config.rateLimit, config.rateWindowSeconds),
    confirmationLimiter: new RateLimiter(config.rateLimit, config.rateWindowSeconds),
    challengeLimiter: new RateLimiter(config.challengeRateLimit, config.rateWindowSeconds),
    campaignLimiter: new RateLimiter(config.campaignRateLimit, config.rateWindowSeconds),
    authFailureLimiter: new RateLimiter(config.authFailureLimit, config.rateWindowSeconds),
    powSecrets() {
      secrets ??= Promise.all([store.sharedSecret('pow-challenge'), store.sharedSecret('pow-key')]).then(
        ([challenge, key]) => ({ challenge, key }),
        (error: unknown) => {
          secrets = undefined;
          throw error;
        },
      );
      return secrets;
    },
    logKey() {
      logKey ??= loadLogKey(store).catch((error: unknown) => {
        logKey = undefined;
        throw error;
      });
      return logKey;
    },
  };

  const app = new Hono<Env>();

  // Timing, metrics and the one log line per request (built only when info is logged).
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    const status = c.res.status;
    const method = c.req.method;
    metrics.latency.observe({ method, route, status: String(status) }, seconds);
    if (!logger.isLevelEnabled('info')) return;
    const code = c.res.headers.get('content-type')?.startsWith('application/problem+json') ? c.get('problemCode') : undefined;
    logger.info({ method, route, status, ms: Math.round(seconds * 1000), ...(code ? { code } : {}) }, 'request');
  });
  app.use(async (c, next) => {
    // Set before the handler, so that a response made with c.json or c.body carries it as made.
    // Setting a header once the response exists makes Hono copy it into a new Response whose body
    // is a web stream, which @hono/node-server then reads chunk by chunk instead of writing the
    // string at once: that cost more per submission than parsing its body. Only a response made
    // otherwise (without the context's headers) still gets it afterwards.
    c.header('X-Content-Type-Options', 'nosniff');
    await next();
    if (c.res.headers.get('x-content-type-options') !== 'nosniff') c.header('X-Content-Type-Options', 'nosniff');
  });

  app.onError((error, c) => {
    if (error instanceof ProblemError) {
      return sendProblem(deps, c, error.problem.code, error.problem.detail, { ...error.headers }, error.extensions);
    }
    const database = isDatabaseError(error);
    // Only the error's class and code: pg messages can quote row values.
    logger.error({ err: { name: error.name, code: (error as { code?: unknown }).code } }, database ? 'database failure' : 'unexpected failure');
    return database
      ? sendProblem(deps, c, 'unavailable', 'The collector cannot reach its database. Retry later.', { 'Retry-After': '5' })
      : sendProblem(deps, c, 'internal', 'The collector failed unexpectedly. Retry later.');
  });

  app.notFound((c) => {
    const segment = /^\/v1\/campaigns\/([^/]*)/.exec(c.req.path)?.[1];
    if (segment !== undefined && !CAMPAIGN_ID.test(safeDecode(segment))) {
      return sendProblem(deps, c, 'unknown-campaign', 'No campaign has this id.');
    }
    return sendProblem(deps, c, 'not-found', 'Nothing here.');
  });

  // Sub-apps carry full paths and no error handler of their own: errors reach onError above.
  app.route('/', healthRoutes(deps));
  app.route('/', campaignRoutes(deps));
  app.route('/', submissionRoutes(deps));
  app.route('/', withdrawalRoutes(deps));
  app.route('/', confirmationRoutes(deps));
  app.route('/', fileRoutes(deps));
  app.route('/', exportRoutes(deps));
  app.route('/', logRoutes(deps));
  app.route('/', adminRoutes(deps));

  return app;
}
