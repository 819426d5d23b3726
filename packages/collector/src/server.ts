// Listening and stopping. The app knows nothing about sockets; this file owns the HTTP server,
// the periodic pruning of spent challenges and the graceful shutdown.
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from './app.js';
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
  /** How long in-flight requests may take to finish on shutdown; 10 s by default. */
  readonly shutdownGraceMs?: number;
}

/** A listening collector. */
export interface RunningServer {
  /** `http://HOST:PORT` with the real port. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Largest request header block; Node answers 431 above it. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Starts listening.
 *
 * @throws if the address is in use or not available.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { app, store, logger } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: options.host,
        port: options.port,
        serverOptions: { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 30_000, headersTimeout: 10_000 },
      },
      () => resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const prune = async () => {
    try {
      const pruned = await store.pruneSpentChallenges(clock.now());
      if (pruned > 0) logger.debug({ pruned }, 'pruned spent challenges');
    } catch {
      logger.warn('could not prune spent challenges');
    }
  };
  const pruneTimer = setInterval(() => void prune(), 60_000);
  pruneTimer.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        grace.unref();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        clearTimeout(grace);
        await store.close();
      })();
      return closing;
    },
  };
}
