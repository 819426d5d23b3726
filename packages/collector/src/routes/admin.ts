// The admin API (off unless an admin token is configured): register campaigns, change which count
// they show, rotate tokens, close a campaign with a retention period.
import { Hono } from 'hono';
import { describeCampaignInputError, registerCampaign, rotateStaffToken, updateCampaign } from '../campaigns.js';
import { ProblemError } from '../problems.js';
import { closeCampaign, parseRetentionPeriod } from '../retention.js';
import { MAX_ADMIN_BODY_BYTES, campaignOf, readJsonBody, requireAdmin, type Env, type RouteDeps } from './context.js';

/** `POST /v1/admin/campaigns`, `PATCH /v1/admin/campaigns/{campaign}`, `POST /v1/admin/campaigns/{campaign}/token` and `.../close`. */
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

  // Changes which count the campaign shows (docs/api.md "Admin"): body {"countShown": "all" | "confirmed"}.
  app.patch('/v1/admin/campaigns/:campaign', async (c) => {
    requireAdmin(deps, c);
    const campaign = await campaignOf(deps, c);
    const { value } = await readJsonBody(c, MAX_ADMIN_BODY_BYTES);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProblemError('invalid-request', 'The body must be {"countShown": "all" | "confirmed"}.');
    const { countShown, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new ProblemError('invalid-request', 'body: unknown member (allowed: countShown)');
    if (countShown !== 'all' && countShown !== 'confirmed') throw new ProblemError('invalid-request', 'countShown: expected "all" or "confirmed"');
    if (!(await updateCampaign(deps.store, campaign.id, { countShown }))) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    return c.json({ campaign: campaign.id, countShown }, 200);
  });

  app.post('/v1/admin/campaigns/:campaign/token', async (c) => {
    requireAdmin(deps, c);
    const campaign = await campaignOf(deps, c);
    const token = await rotateStaffToken(deps.store, campaign.id);
    if (token === undefined) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    return c.json({ token }, 200);
  });

  // Closes the campaign for good and sets its deletion date (docs/api.md "Admin"): 200 with the
  // retention, also when it was closed before (the earliest deletion date is kept).
  app.post('/v1/admin/campaigns/:campaign/close', async (c) => {
    requireAdmin(deps, c);
    const campaign = await campaignOf(deps, c);
    const { value } = await readJsonBody(c, MAX_ADMIN_BODY_BYTES);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProblemError('invalid-request', 'The body must be {"deleteAfter": "180d"}.');
    const { deleteAfter, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new ProblemError('invalid-request', 'body: unknown member (allowed: deleteAfter)');
    let period: number;
    try {
      period = parseRetentionPeriod(deleteAfter, { allowSeconds: deps.config.shortRetentionForTests });
    } catch (error) {
      if (error instanceof RangeError) throw new ProblemError('invalid-request', error.message);
      throw error;
    }
    const retention = await closeCampaign(deps.store, campaign.id, period, deps.clock.now());
    if (retention === undefined) throw new ProblemError('unknown-campaign', 'No campaign has this id.');
    deps.logger.info({ campaign: campaign.id, deleteAt: retention.deleteAt }, 'campaign closed');
    return c.json({ campaign: campaign.id, retention: { closedAt: retention.closedAt, deleteAt: retention.deleteAt, ...(retention.deletedAt === null ? {} : { deletedAt: retention.deletedAt }) } }, 200);
  });

  return app;
}
