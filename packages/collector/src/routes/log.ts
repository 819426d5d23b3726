// The campaign's transparency log, public and read-only (docs/api.md "The log"): the latest signed
// checkpoint, and the tiles and entry bundles of c2sp.org/tlog-tiles under
// /v1/campaigns/{campaign}/log/. Tiles and bundles are served for any width the log has reached
// (their bytes never change), so caches may keep them forever; the checkpoint changes.
import { formatEntryBundle, isLogError, parseTilePath, readTile, tileWidth, type TilePath } from '@secure-sign/crypto/log';
import { Hono } from 'hono';
import { ProblemError } from '../problems.js';
import { campaignOf, publicCors, type Env, type RouteDeps } from './context.js';

/** Cache-Control of a tile or entry bundle: its bytes never change. */
export const TILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** `GET /v1/campaigns/{campaign}/log/checkpoint` and `GET /v1/campaigns/{campaign}/log/tile/...`. */
export function logRoutes(deps: RouteDeps): Hono<Env> {
  const { store } = deps;
  const app = new Hono<Env>();

  app.get('/v1/campaigns/:campaign/log/checkpoint', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(deps, c);
    const checkpoint = await store.getCheckpoint(campaign.id);
    if (!checkpoint) throw new ProblemError('not-found', 'This log has no checkpoint yet: retry in a second.', { 'Retry-After': '1' });
    return c.body(checkpoint.note, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  });

  app.get('/v1/campaigns/:campaign/log/tile/*', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(deps, c);
    const at = c.req.path.indexOf('/log/tile/');
    let tile: TilePath;
    try {
      tile = parseTilePath(c.req.path.slice(at + '/log/'.length));
    } catch (error) {
      if (isLogError(error, 'MALFORMED_TILE_PATH')) throw new ProblemError('not-found', 'Not a tlog-tiles path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]).');
      throw error;
    }
    const level = tile.kind === 'entries' ? 0 : tile.level;
    // A tile exists once the log has reached its width; until then, nothing (yet) is here.
    if (tileWidth(level, tile.index, campaign.logSize) < tile.width) throw new ProblemError('not-found', 'The log has not reached this tile.');
    let body: Uint8Array;
    if (tile.kind === 'entries') {
      const entries = await store.readLogEntries(campaign.id, tile.index * 256, tile.width);
      if (entries.length !== tile.width) throw new Error('log: entries missing from the store');
      body = formatEntryBundle(entries);
    } else {
      body = await readTile({ readHashes: (ids) => store.readLogHashes(campaign.id, ids) }, tile.level, tile.index, tile.width);
    }
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': TILE_CACHE_CONTROL });
  });

  return app;
}
