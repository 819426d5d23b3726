// Public facts about a campaign (what the widget shows: count, goal, open or not).
import { Hono } from 'hono';
import { isOpen } from '../campaigns.js';
import { campaignOf, publicCors, type Env, type RouteDeps } from './context.js';

/** `GET /v1/campaigns/{campaign}`. */
export function campaignRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/v1/campaigns/:campaign', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(deps, c);
    c.header('Cache-Control', 'no-cache');
    return c.json({
      campaign: campaign.id,
      keyId: campaign.keyId,
      count: campaign.count,
      goal: campaign.goal,
      opensAt: campaign.opensAt,
      closesAt: campaign.closesAt,
      open: isOpen(campaign, deps.clock.now()),
    });
  });

  return app;
}
