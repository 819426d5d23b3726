// Listening and stopping. The app knows nothing about sockets; this file owns the HTTP server,
// the periodic jobs (pruning spent challenges, signing checkpoints, retention) and the graceful shutdown. Rules of this file:
// - What Node's HTTP parser refuses before the app sees a request (a bad request line, bad
//   framing, headers too large, a request that does not arrive in time) is answered here, with
//   the same problem+json documents the app sends, written straight to the socket. Nothing of the
//   request is echoed; the log line carries the status and the code only.
// - The timeouts are the documented ones, and enforced to within a second (Node checks them
//   only every 30 s by default).
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Clock } from './app.js';
import { startCheckpointer } from './log.js';
import type { Metrics } from './metrics.js';
import { problem, type ProblemCode } from './problems.js';
import { startRetentionJob } from './retention.js';
import type { Store } from './store/types.js';

/** What {@link startServer} needs. */
export interface ServerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly app: Hono<any>;
  readonly store: Store;
  readonly logger: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly clock?: Clock;
  /** The app's metrics registry, so answers given below the app are counted too. */
  readonly metrics?: Metrics;
  /** How long in-flight requests may take to finish on shutdown; 10 s by default. */
  readonly shutdownGraceMs?: number;
  /** Time a client has to send the request line and headers; {@link HEADERS_TIMEOUT_MS} by default. */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included; {@link REQUEST_TIMEOUT_MS} by default. */
  readonly requestTimeoutMs?: number;
  /** Spent challenges are pruned only this long after they expired (clock skew between processes); 5 min by default. */
  readonly clockSkewMs?: number;
  /** How often spent challenges are pruned; every minute by default. */
  readonly pruneIntervalMs?: number;
  /** The log name of the app's config (`<logName>/<campaign>` origins); `localhost` by default. */
  readonly logName?: string;
  /** How often this process signs checkpoints of logs that grew; 250 ms by default. */
  readonly checkpointIntervalMs?: number;
  /** How often this process looks for closed campaigns due for deletion; every minute by default. */
  readonly retentionIntervalMs?: number;
}

/** A listening collector. */
export interface RunningServer {
  /** `http://HOST:PORT` with the real port. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Largest request header block; larger ones are `431 headers-too-large`. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Time a client has to send its request line and headers: `408 request-timeout` after it. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send its whole request: `408 request-timeout` after it. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** The answer to a request Node's parser refused, by its error code. */
function parserProblem(code: string | undefined): ProblemCode {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request-timeout';
  if (code === 'HPE_HEADER_OVERFLOW') return 'headers-too-large';
  return 'malformed-request';
}

const DETAILS: Partial<Record<ProblemCode, string>> = {
  'request-timeout': 'The request did not arrive in time.',
  'headers-too-large': `The request headers are larger than ${MAX_HEADER_BYTES} bytes.`,
  'malformed-request': 'The request is not valid HTTP/1.1.',
  'not-found': 'Nothing here.',
};

/** A whole HTTP/1.1 response carrying a problem document, for writing straight to a socket. */
function rawProblem(code: ProblemCode): string {
  const body = JSON.stringify(problem(code, DETAILS[code] ?? ''));
  const { status } = problem(code, '');
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' +
    body
  );
}

/**
 * A request that asks to close the connection but carries a body: answered early (a 413, say),
 * Node would close the socket while the client is still sending, the client's kernel would get a
 * reset and throw the answer away unread. Keep the connection open instead, so the unread body is
 * drained (bounded by the request timeout) and the client reads its answer, then closes as it asked.
 */
function lingerOnClose(req: IncomingMessage, res: ServerResponse): void {
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !res.shouldKeepAlive && /\bclose\b/i.test(req.headers.connection ?? '')) res.shouldKeepAlive = true;
}

/**
 * Starts listening.
 *
 * @throws if the address is in use or not available.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { app, store, logger, metrics } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, headersTimeout);

  const answered = (code: ProblemCode, route: string) => {
    metrics?.rejected.inc({ code });
    logger.info({ route, status: problem(code, '').status, code }, 'request');
  };

  const listener = getRequestListener(app.fetch, {
    // Node has parsed the request, but it cannot become a URL (a missing or malformed Host).
    errorHandler: () => {
      answered('malformed-request', 'unparsed');
      return new Response(JSON.stringify(problem('malformed-request', DETAILS['malformed-request']!)), {
        status: 400,
        headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
      });
    },
  }) as (req: IncomingMessage, res: ServerResponse) => Promise<void>;

  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout,
      requestTimeout,
      // Node looks for expired requests only this often (30 s by default): check every second, or
      // more often for short test timeouts, so the timeouts above are the real ones.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
      // A missing Host is answered by the request listener's errorHandler (with a problem), not by
      // Node's bodiless 400.
      requireHostHeader: false,
    },
    (req, res) => {
      lingerOnClose(req, res);
      void listener(req, res);
    },
  );

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The client is gone, or a response has begun: nothing can be said any more.
    const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    const code = parserProblem(error.code);
    answered(code, 'unparsed');
    socket.end(rawProblem(code));
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  // An `Expect` other than 100-continue: RFC 9110 lets a server ignore it; Node would send a
  // bodiless 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => void listener(req, res));
  // CONNECT is no method of this API; Node would drop the connection without a word.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    answered('not-found', 'unmatched');
    socket.end(rawProblem('not-found'));
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  // Another process's clock may be behind this one's: it still accepts a challenge this process
  // considers expired. Keep spent ids that long past expiry, or that process could accept a
  // replay of a challenge pruned here.
  const skew = options.clockSkewMs ?? 300_000;
  const prune = async () => {
    try {
      const pruned = await store.pruneSpentChallenges(clock.now() - skew);
      if (pruned > 0) logger.debug({ pruned }, 'pruned spent challenges');
    } catch {
      logger.warn('could not prune spent challenges');
    }
  };
  const pruneTimer = setInterval(() => void prune(), options.pruneIntervalMs ?? 60_000);
  pruneTimer.unref();
  // Checkpoints: batched by this timer, never signed per request (src/log.ts).
  const checkpointer = startCheckpointer({
    store,
    logName: options.logName ?? 'localhost',
    logger,
    ...(options.checkpointIntervalMs === undefined ? {} : { intervalMs: options.checkpointIntervalMs }),
  });

  // Retention: deletes the ciphertexts of closed campaigns once their deletion date has passed
  // (src/retention.ts); every process runs it, the store makes it happen once.
  const retention = startRetentionJob({
    store,
    logger,
    clock,
    ...(metrics === undefined ? {} : { metrics }),
    ...(options.retentionIntervalMs === undefined ? {} : { intervalMs: options.retentionIntervalMs }),
  });

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        const checkpoints = checkpointer.stop();
        const deletions = retention.stop();
        const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        grace.unref();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        clearTimeout(grace);
        await checkpoints;
        await deletions;
        await store.close();
      })();
      return closing;
    },
  };
}
