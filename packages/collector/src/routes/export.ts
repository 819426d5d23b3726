// Staff export: every event of the campaign's sequence as NDJSON, one line per seq in log order
// (docs/api.md "Export"), resumable from the last seq the client saved:
//   {"seq","receivedAt","envelope":{...}}                  an envelope, still stored (its exact bytes)
//   {"seq","receivedAt","removed":{"sid","hash","wh","ch"}} an envelope whose ciphertext is gone
//   {"seq","receivedAt","withdrawal":{"sid","secret"}}     a withdrawal by the signer
//   {"seq","receivedAt","removal":{"sid"}}                 a removal by the collector's operator
//   {"seq","receivedAt","confirmation":{"sid","secret","decision"}}
//                                                           a decision of the e-mail's owner
// `wh` is left out of `removed` for an envelope stored before withdrawal existed (it had none),
// `ch` for an envelope without a confirmation hash. `decision` is `confirm` (0x04) or `disown` (0x05).
import { Hono } from 'hono';
import { ProblemError } from '../problems.js';
import type { ExportedEvent } from '../store/types.js';
import { MAX_EXPORT_LIMIT, campaignOf, requireStaff, type Env, type RouteDeps } from './context.js';

const CURSOR = /^(?:0|[1-9][0-9]{0,15})$/;

/** The NDJSON line of one event (without its newline). A stored envelope is written verbatim: its exact bytes. */
export function exportLine(event: ExportedEvent): string {
  const head = `{"seq":${event.seq},"receivedAt":${JSON.stringify(event.receivedAt)}`;
  switch (event.kind) {
    case 'stored': {
      if (event.envelope !== null) return `${head},"envelope":${event.envelope}}`;
      const hash = Buffer.from(event.envelopeHash, 'hex').toString('base64');
      return `${head},"removed":${JSON.stringify({ sid: event.sid, hash, ...(event.wh === null ? {} : { wh: event.wh }), ...(event.ch === null ? {} : { ch: event.ch }) })}}`;
    }
    case 'withdrawal':
      return `${head},"withdrawal":${JSON.stringify({ sid: event.sid, secret: event.secret })}}`;
    case 'removal':
      return `${head},"removal":${JSON.stringify({ sid: event.sid })}}`;
    case 'confirmation':
      return `${head},"confirmation":${JSON.stringify({ sid: event.sid, secret: event.secret, decision: event.decision })}}`;
  }
}

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
    const rows = deps.store.exportEvents(campaign.id, Number(afterText), limit)[Symbol.asyncIterator]();
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
          controller.enqueue(encoder.encode(`${exportLine(next.value)}\n`));
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
