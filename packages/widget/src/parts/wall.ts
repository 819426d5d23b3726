// The public signer wall's data, checked after its signature verified. Even signed data is
// checked for shape and size: entries render as text only, never as HTML, and a malformed entry
// is skipped rather than trusted.

/** One public entry of the signer wall. */
export interface WallEntry {
  readonly name: string;
  readonly kind: 'individual' | 'organisation';
  readonly organisation?: string;
  readonly role?: string;
  readonly country?: string;
  readonly comment?: string;
}

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
