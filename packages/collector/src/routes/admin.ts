// The admin API (off unless an admin token is configured): register campaigns, rotate tokens.
import { Hono } from 'hono';
import { describeCampaignInputError, registerCampaign, rotateStaffToken } from '../campaigns.js';
import { ProblemError } from '../problems.js';
import { MAX_ADMIN_BODY_BYTES, campaignOf, readJsonBody, requireAdmin, type Env, type RouteDeps } from './context.js';

/** `POST /v1/admin/campaigns` and `POST /v1/admin/campaigns/{campaign}/token`. */
export function adminRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post('/v1/admin/campaigns', async (c) => {
    requireAdmin(deps, c);
    const { value } = await readJsonBody(c, MAX_ADMIN_BODY_BYTES);
    const invalid = describeCampaignInputError(value);
    if (invalid !== undefined) throw new ProblemError('invalid-request', invalid);
    let result;
    try {
      result = await registerCampaign(deps.store, value);
    } catch (error) {
      // A key string with a right checksum whose signing half is not a curve point, say.
      if (error instanceof TypeError) throw new ProblemError('invalid-request', error.message);
      throw error;
    }
    if (!result.ok) throw new ProblemError('campaign-exists', 'A campaign with this id exists.');
    return c.json({ campaign: (value as { campaign: string }).campaign, token: result.token }, 201);
  });

  app.post('/v1/admin/campaigns/:campaign/token', async (c) => {
    requireAdmin(deps, c);
    const campaign = await campaignOf(deps, c);
    const token = await rotateStaffToken(deps.store, campaign.id);
    if (token === undefined) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    return c.json({ token }, 200);
  });

  return app;
}
