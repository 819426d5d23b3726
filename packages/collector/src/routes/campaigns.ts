// Public facts about a campaign (what the widget shows: count, goal, open or not), and whether the
// asking page may submit: a browser cannot tell a CORS refusal from a network failure, so without
// `originAllowed` a widget on an unregistered page would keep its signatures "until back online".
import { Hono } from 'hono';
import { isOpen } from '../campaigns.js';
import { logOrigin } from '../log.js';
import { campaignOf, publicCors, type Env, type RouteDeps } from './context.js';

/** `GET /v1/campaigns/{campaign}`. */
export function campaignRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/v1/campaigns/:campaign', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(deps, c);
    c.header('Cache-Control', 'no-cache');
    // The answer depends on the Origin header: caches must keep one copy per origin.
    c.header('Vary', 'Origin');
    const origin = c.req.header('origin');
    const logName = logOrigin(deps.config.logName, campaign.id);
    const key = await deps.logKey();
    const wallSerial = await deps.store.fileSerial(campaign.id, 'wall.json');
    return c.json({
      campaign: campaign.id,
      keyId: campaign.keyId,
      count: campaign.count,
      // Signatures confirmed by the owner of their e-mail address, and which count to show.
      confirmed: campaign.confirmed,
      countShown: campaign.countShown,
      goal: campaign.goal,
      opensAt: campaign.opensAt,
      closesAt: campaign.closesAt,
      open: isOpen(campaign, deps.clock.now()),
      // The campaign's transparency log: its origin line and the C2SP verifier key of its checkpoints.
      log: { origin: logName, vkey: key.vkey(logName), size: campaign.logSize },
      // The signed wall, if one is published (its serial), so that a widget does not ask for a
      // wall that is not there (a 404 every browser logs as a console error on the partner page).
      wall: wallSerial === undefined ? null : { serial: wallSerial },
      // Once closed with a retention period (docs/operations.md "Retention"): when it closed, when
      // its ciphertexts are (or were) deleted, and `deletedAt` once they are.
      ...(campaign.retention === null
        ? {}
        : {
            retention: {
              closedAt: campaign.retention.closedAt,
              deleteAt: campaign.retention.deleteAt,
              ...(campaign.retention.deletedAt === null ? {} : { deletedAt: campaign.retention.deletedAt }),
            },
          }),
      ...(origin === undefined ? {} : { originAllowed: campaign.origins.length === 0 || campaign.origins.includes(origin) }),
    });
  });

  return app;
}
