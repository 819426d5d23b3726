// Registering campaigns and rotating their staff tokens: shared by the admin command and the
// admin HTTP endpoints, so both validate the same way.
import { parseCampaignPublicKey } from '@secure-sign/crypto';
import { campaignInputSchema, type CampaignInput } from './config.js';
import type { CampaignRecord, Store } from './store/types.js';
import { hashToken, newStaffToken } from './tokens.js';

/** Outcome of {@link registerCampaign}. */
export type RegisterResult = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly reason: 'exists' };

/** The first problem of an invalid campaign registration, as `path: message` (never the input). */
export function describeCampaignInputError(input: unknown): string | undefined {
  const result = campaignInputSchema.safeParse(input);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  return `${issue.path.join('.') || 'body'}: ${issue.message}`;
}

/**
 * Validates and stores a new campaign with a fresh staff token.
 *
 * @returns the token (shown once; only its hash is stored), or `exists`.
 * @throws TypeError if the input is invalid (the message names the field, never echoes the value).
 */
export async function registerCampaign(store: Store, input: unknown): Promise<RegisterResult> {
  const problem = describeCampaignInputError(input);
  if (problem !== undefined) throw new TypeError(problem);
  const campaign: CampaignInput = campaignInputSchema.parse(input);
  const publicKey = await parseCampaignPublicKey(campaign.key);
  const token = newStaffToken();
  const created = await store.createCampaign({
    id: campaign.campaign,
    key: publicKey.keyString,
    keyId: publicKey.keyId,
    origins: campaign.origins ?? [],
    goal: campaign.goal ?? null,
    opensAt: campaign.opensAt ?? null,
    closesAt: campaign.closesAt ?? null,
    tokenHash: hashToken(token),
  });
  return created ? { ok: true, token } : { ok: false, reason: 'exists' };
}

/**
 * Changes a campaign's origins, goal or dates; fields left undefined keep their value, `null`
 * clears one (an empty origins list allows any origin). The result is validated as a whole.
 *
 * @returns false if there is no such campaign.
 * @throws TypeError if the resulting settings are invalid (the message names the field).
 */
export async function updateCampaign(
  store: Store,
  id: string,
  changes: { origins?: string[]; goal?: number | null; opensAt?: string | null; closesAt?: string | null },
): Promise<boolean> {
  const current = await store.getCampaign(id);
  if (!current) return false;
  const input = {
    campaign: current.id,
    key: current.key,
    origins: changes.origins ?? [...current.origins],
    goal: changes.goal === undefined ? current.goal : changes.goal,
    opensAt: changes.opensAt === undefined ? current.opensAt : changes.opensAt,
    closesAt: changes.closesAt === undefined ? current.closesAt : changes.closesAt,
  };
  const problem = describeCampaignInputError(input);
  if (problem !== undefined) throw new TypeError(problem);
  const valid = campaignInputSchema.parse(input);
  return store.updateCampaign(id, {
    origins: valid.origins ?? [],
    goal: valid.goal ?? null,
    opensAt: valid.opensAt ?? null,
    closesAt: valid.closesAt ?? null,
  });
}

/** Replaces a campaign's staff token; undefined if there is no such campaign. */
export async function rotateStaffToken(store: Store, campaign: string): Promise<string | undefined> {
  const token = newStaffToken();
  return (await store.setTokenHash(campaign, hashToken(token))) ? token : undefined;
}

/** Whether a campaign accepts submissions at time `now` (ms). */
export function isOpen(campaign: CampaignRecord, now: number): boolean {
  if (campaign.opensAt !== null && now < Date.parse(campaign.opensAt)) return false;
  if (campaign.closesAt !== null && now >= Date.parse(campaign.closesAt)) return false;
  return true;
}
