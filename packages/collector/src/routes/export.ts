// Staff export: stored envelopes as NDJSON, resumable from the last seq the client saved.
import { Hono } from 'hono';
import { ProblemError } from '../problems.js';
import { MAX_EXPORT_LIMIT, campaignOf, requireStaff, type Env, type RouteDeps } from './context.js';

const CURSOR = /^(?:0|[1-9][0-9]{0,15})$/;

/** `GET /v1/campaigns/{campaign}/export`. */
export function exportRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/v1/campaigns/:campaign/export', async (c) => {
    const campaign = await campaignOf(deps, c);
    requireStaff(deps, c, campaign);
    const afterText = c.req.query('after') ?? '0';
    if (!CURSOR.test(afterText) || !Number.isSafeInteger(Number(afterText))) {
      throw new ProblemError('bad-cursor', 'after must be a non-negative integer (the last seq you saved).');
    }
    const limitText = c.req.query('limit') ?? String(MAX_EXPORT_LIMIT);
    const limit = Number(limitText);
    if (!/^[1-9][0-9]{0,5}$/.test(limitText) || limit > MAX_EXPORT_LIMIT) {
      throw new ProblemError('bad-limit', `limit must be an integer from 1 to ${MAX_EXPORT_LIMIT}.`);
    }
    const rows = deps.store.exportSubmissions(campaign.id, Number(afterText), limit)[Symbol.asyncIterator]();
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
          deps.logger.error({ err: { name: (error as Error).name } }, 'export failed mid-stream');
          controller.error(error);
        }
      },
      async cancel() {
        await rows.return?.();
      },
    });
    return c.body(stream, 200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  });

  return app;
}
