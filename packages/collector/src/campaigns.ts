// Registering campaigns and rotating their staff tokens: shared by the admin command and the
// admin HTTP endpoints, so both validate the same way.
import { isSecureSignError, parseCampaignPublicKey, type CampaignPublicKey } from '@secure-sign/crypto';
import { campaignInputSchema, type CampaignInput } from './config.js';
import type { CampaignRecord, Store } from './store/types.js';
import { hashToken, newStaffToken } from './tokens.js';

/** Outcome of {@link registerCampaign}. */
export type RegisterResult = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly reason: 'exists' };

/** The members a campaign registration may have. */
const CAMPAIGN_MEMBERS = ['campaign', 'key', 'origins', 'goal', 'opensAt', 'closesAt', 'countShown'] as const;

/**
 * The first problem of an invalid campaign registration, as `path: message`. Never the input:
 * not its values, and not the names of members it should not have (zod's own message for those
 * quotes them, so an admin error could echo whatever a caller put there).
 */
export function describeCampaignInputError(input: unknown): string | undefined {
  const result = campaignInputSchema.safeParse(input);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  const path = issue.path.every((part) => typeof part === 'number' || (CAMPAIGN_MEMBERS as readonly PropertyKey[]).includes(part))
    ? issue.path.join('.')
    : '';
  if (issue.code === 'unrecognized_keys') return `${path || 'body'}: unknown member (allowed: ${CAMPAIGN_MEMBERS.join(', ')})`;
  return `${path || 'body'}: ${issue.message}`;
}

/**
 * The campaign key of a registration whose key string passed its checksum; a key whose Ed25519
 * half is not a valid curve point is a bad input (a TypeError naming `key`), not a failure.
 */
async function campaignKey(keyString: string): Promise<CampaignPublicKey> {
  try {
    return await parseCampaignPublicKey(keyString);
  } catch (error) {
    if (isSecureSignError(error, 'INVALID_KEY')) throw new TypeError('key: not a valid public campaign key (its signing key is not a valid Ed25519 point)');
    throw error;
  }
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
  const publicKey = await campaignKey(campaign.key);
  const token = newStaffToken();
  const created = await store.createCampaign({
    id: campaign.campaign,
    key: publicKey.keyString,
    keyId: publicKey.keyId,
    origins: campaign.origins ?? [],
    goal: campaign.goal ?? null,
    opensAt: campaign.opensAt ?? null,
    closesAt: campaign.closesAt ?? null,
    countShown: campaign.countShown ?? 'all',
    tokenHash: hashToken(token),
  });
  return created ? { ok: true, token } : { ok: false, reason: 'exists' };
}

/**
 * Changes a campaign's origins, goal, dates or shown count; fields left undefined keep their
 * value, `null` clears one (an empty origins list allows any origin). The result is validated as
 * a whole.
 *
 * @returns false if there is no such campaign.
 * @throws TypeError if the resulting settings are invalid (the message names the field).
 */
export async function updateCampaign(
  store: Store,
  id: string,
  changes: { origins?: string[]; goal?: number | null; opensAt?: string | null; closesAt?: string | null; countShown?: unknown },
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
    countShown: changes.countShown === undefined ? current.countShown : changes.countShown,
  };
  const problem = describeCampaignInputError(input);
  if (problem !== undefined) throw new TypeError(problem);
  const valid = campaignInputSchema.parse(input);
  return store.updateCampaign(id, {
    origins: valid.origins ?? [],
    goal: valid.goal ?? null,
    opensAt: valid.opensAt ?? null,
    closesAt: valid.closesAt ?? null,
    countShown: valid.countShown ?? 'all',
  });
}

/** Replaces a campaign's staff token; undefined if there is no such campaign. */
export async function rotateStaffToken(store: Store, campaign: string): Promise<string | undefined> {
  const token = newStaffToken();
  return (await store.setTokenHash(campaign, hashToken(token))) ? token : undefined;
}

/** Whether a campaign accepts submissions at time `now` (ms). A closed one (`campaign close`) never does again. */
export function isOpen(campaign: CampaignRecord, now: number): boolean {
  if (campaign.retention !== null) return false;
  if (campaign.opensAt !== null && now < Date.parse(campaign.opensAt)) return false;
  if (campaign.closesAt !== null && now >= Date.parse(campaign.closesAt)) return false;
  return true;
}
