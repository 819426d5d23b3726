// The public signer wall, after its signature verified: freshness (expiry and rollback), its
// entries, and how it renders. Loaded with the lazy chunk (lazy.ts): the wall is only fetched after
// the signer's first interaction or a press on "Show recent signers", when the chunk is needed for
// verification anyway. Rules: even signed data is checked for shape and size, entries render as
// text only, never as HTML, and a malformed entry is skipped rather than trusted. A wall that is
// expired, or older than one this browser has verified, shows nothing from it.

import { SecureSignError, verifyDocument, type CampaignPublicKey } from '@secure-sign/crypto';
import { html, nothing, type TemplateResult } from 'lit';
import type { Translation } from '../i18n/translation.js';

/** One public entry of the signer wall. */
export interface WallEntry {
  readonly name: string;
  readonly kind: 'individual' | 'organisation';
  readonly organisation?: string;
  readonly role?: string;
  readonly country?: string;
  readonly comment?: string;
}

/** What the wall section shows: a verified wall (its entries and when it was signed), or a refusal. */
export type WallView = { readonly entries: readonly WallEntry[]; readonly issuedAt?: string } | { readonly refused: 'expired' | 'rolled-back' };

/**
 * Prefix of the localStorage key that remembers, per collector and campaign, the highest wall
 * serial this browser has verified (the value is that number and nothing else), so that a collector
 * cannot serve an older wall later (for example one still listing signers who asked to be removed).
 */
export const WALL_SERIAL_KEY_PREFIX = 'secure-sign:wall-serial:v1:';

const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/** Extracts the valid entries of a verified wall document's `data`, at most `limit` of them. */
export function wallEntries(data: unknown, limit: number): WallEntry[] {
  if (typeof data !== 'object' || data === null) return [];
  const entries = (data as Record<string, unknown>)['entries'];
  if (!Array.isArray(entries)) return [];
  const result: WallEntry[] = [];
  for (const raw of entries) {
    if (result.length >= limit) break;
    if (typeof raw !== 'object' || raw === null) continue;
    const e = raw as Record<string, unknown>;
    const name = text(e['name'], 200);
    const kind = e['kind'] === 'organisation' ? 'organisation' : e['kind'] === 'individual' ? 'individual' : undefined;
    if (!name || !kind) continue;
    const organisation = text(e['organisation'], 200);
    const role = text(e['role'], 200);
    const country = typeof e['country'] === 'string' && /^[A-Z]{2}$/.test(e['country']) ? e['country'] : undefined;
    const comment = text(e['comment'], 2000);
    result.push({
      name,
      kind,
      ...(organisation ? { organisation } : {}),
      ...(role ? { role } : {}),
      ...(country ? { country } : {}),
      ...(comment ? { comment } : {}),
    });
  }
  return result;
}

function seenSerial(key: string): number {
  try {
    const value = Number(localStorage.getItem(key));
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  } catch {
    return 0; // storage blocked: no memory, only the signature and expiry checks
  }
}

/**
 * Verifies the wall's JSON text (signature, campaign, expiry, and no rollback below the highest
 * serial seen here), remembers its serial, and returns what to show.
 *
 * @throws what verifyDocument throws for a wall that is not authentic (the caller hides the wall).
 */
export async function verifyWall(
  publicKey: CampaignPublicKey,
  wall: string | undefined,
  options: { readonly campaign: string; readonly collector: string; readonly limit: number; readonly now?: Date },
): Promise<WallView> {
  if (wall === undefined) return { entries: [] }; // nothing published yet
  const key = `${WALL_SERIAL_KEY_PREFIX}${options.collector}|${options.campaign}`;
  const seen = seenSerial(key);
  try {
    const payload = await verifyDocument(publicKey, wall, {
      type: 'wall',
      campaign: options.campaign,
      now: options.now ?? new Date(),
      ...(seen > 0 ? { minSerial: seen } : {}),
    });
    if (payload.serial > seen) {
      try {
        localStorage.setItem(key, String(payload.serial));
      } catch {
        // Storage full or blocked: the wall is still shown, only the memory is lost.
      }
    }
    return { entries: wallEntries(payload.data, options.limit), issuedAt: payload.issuedAt };
  } catch (error) {
    // For the partner: what is wrong and what to do; the signer sees a short translated message.
    if (error instanceof SecureSignError && error.code === 'DOCUMENT_EXPIRED') {
      console.warn('<secure-sign>: the signer wall has expired (past its validUntil), so it is not shown. Publish a fresh one with `secure-sign wall sign`.');
      return { refused: 'expired' };
    }
    if (error instanceof SecureSignError && error.code === 'DOCUMENT_ROLLED_BACK') {
      console.warn(`<secure-sign>: the collector served an older signer wall than this browser has already verified (serial ${seen}), so it is not shown.`);
      return { refused: 'rolled-back' };
    }
    throw error;
  }
}

const UNITS = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
] as const;

/** "2 days ago" in the translation's language, for an ISO time in the past (a future one counts as now). */
export function timeAgo(iso: string, lang: string, now = Date.now()): string {
  const seconds = Math.min(0, (Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of UNITS) if (-seconds >= size) return format.format(Math.round(seconds / size), unit);
  return format.format(Math.round(seconds), 'second');
}

/** The wall section's content once verification has answered. */
export function renderWall(view: WallView, t: Translation): TemplateResult {
  if ('refused' in view) {
    return html`<p class="note" part="wall-refused" tabindex="-1">${view.refused === 'expired' ? t.wallExpired : t.wallRolledBack}</p>`;
  }
  const regionNames = new Intl.DisplayNames([t.lang], { type: 'region' });
  return html`<h3 id="ss-wall-title" tabindex="-1">${t.wallTitle}</h3>
    ${view.issuedAt
      ? html`<p class="note" part="wall-updated">
          <time datetime=${view.issuedAt} title=${new Date(view.issuedAt).toLocaleString(t.lang)}
            >${t.wallUpdated.replace('{ago}', timeAgo(view.issuedAt, t.lang))}</time
          >
        </p>`
      : nothing}
    ${view.entries.length === 0
      ? html`<p class="note">${t.wallEmpty}</p>`
      : html`<ul>
          ${view.entries.map((entry) => {
            // An organisation's signature shows under the organisation's name, with the person who
            // signed for it (as `secure-sign wall build` writes it: name is the person's) below.
            const org = entry.kind === 'organisation' ? entry.organisation : undefined;
            const country = entry.country ? regionNames.of(entry.country) : undefined;
            const meta = (org ? [entry.name, entry.role, country] : [entry.role, entry.organisation, country]).filter(Boolean);
            return html`<li part="wall-entry" class=${org ? 'organisation' : 'individual'}>
              <div class="who" dir="auto">${org ?? entry.name}</div>
              ${meta.length > 0 ? html`<div class="meta" dir="auto">${meta.join(' · ')}</div>` : nothing}
              ${entry.comment ? html`<blockquote dir="auto">${entry.comment}</blockquote>` : nothing}
            </li>`;
          })}
        </ul>`}`;
}
