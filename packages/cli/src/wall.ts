// The public signer wall (docs/cli.md, "Wall document"): built from decrypted records of signers
// who consented to be listed, optionally narrowed by a staff-edited allow list, then signed.
//
// Rules for this file:
// - No e-mail address, consent flag or campaign-defined field ever reaches the wall.
// - Entries are validated again when signing, since staff may have edited the file by hand.

import { LIMITS, COUNTRY_CODES, campaignIdSchema, signerSchema } from '@secure-sign/crypto';
import * as z from 'zod';
import { CliError } from './errors.js';
import { openInput, splitLines } from './io.js';
import { MAX_LINE_BYTES } from './decrypt.js';

/** One signer on the wall, with its fields in this order. */
export interface WallEntry {
  readonly name: string;
  readonly organisation?: string;
  readonly role?: string;
  readonly country?: string;
  readonly comment?: string;
  readonly kind: 'individual' | 'organisation';
}

/** The `data` of a signed wall document. */
export interface WallData {
  readonly entries: readonly WallEntry[];
}

const line = (max: number) => z.string().min(1).max(max * 2).refine((s) => [...s].length <= max && !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u.test(s));
const entrySchema = z.strictObject({
  name: line(LIMITS.name),
  organisation: line(LIMITS.organisation).optional(),
  role: line(LIMITS.role).optional(),
  country: z.string().refine((c) => COUNTRY_CODES.includes(c)).optional(),
  comment: z.string().min(1).max(LIMITS.comment * 2).refine((s) => [...s].length <= LIMITS.comment && !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u.test(s)).optional(),
  kind: z.enum(['individual', 'organisation']),
});

/** Schema of wall data as `wall sign` accepts it. */
export const wallDataSchema = z.strictObject({ entries: z.array(entrySchema).max(1_000_000) });

const recordSchema = z.object({
  campaign: campaignIdSchema,
  submissionId: z.string(),
  createdAt: z.iso.datetime(),
  signer: signerSchema,
});

/** Options of {@link buildWall}. */
export interface BuildOptions {
  /** Decrypted records (NDJSON, as `decrypt --format ndjson` writes), a path or `-`. */
  readonly from: string | undefined;
  /** Submission ids allowed on the wall; every consenting signer if undefined. */
  readonly allow: ReadonlySet<string> | undefined;
  /** Only records of this campaign. */
  readonly campaign: string | undefined;
}

/**
 * Builds the wall data: consenting (and allowed) signers, newest first.
 *
 * @throws {@link CliError} if a line is not a decrypted record.
 */
export async function buildWall(options: BuildOptions): Promise<{ data: WallData; campaign: string | undefined; skipped: number }> {
  const picked: { entry: WallEntry; time: number; n: number }[] = [];
  let campaign = options.campaign;
  let skipped = 0;
  for await (const { number, bytes } of splitLines(openInput(options.from), MAX_LINE_BYTES)) {
    if (bytes === undefined) throw new CliError(`line ${number} of the decrypted records is too long`, 'pass the NDJSON written by `secure-sign decrypt --format ndjson`');
    const text = Buffer.from(bytes).toString('utf8').trim();
    if (text === '') continue;
    let parsed;
    try {
      parsed = recordSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      throw new CliError(`line ${number} of the decrypted records is not a decrypted record`, 'pass the NDJSON written by `secure-sign decrypt --format ndjson`');
    }
    const record = parsed.data;
    campaign ??= record.campaign;
    if (record.campaign !== campaign) {
      throw new CliError(`line ${number} belongs to campaign ${record.campaign}, not ${campaign}`, 'build one wall per campaign (decrypt with --campaign ID)');
    }
    const s = record.signer;
    if (!s.consent.listPublicly || (options.allow && !options.allow.has(record.submissionId))) {
      skipped++;
      continue;
    }
    const entry: WallEntry = {
      name: s.name,
      ...(s.organisation === undefined ? {} : { organisation: s.organisation }),
      ...(s.role === undefined ? {} : { role: s.role }),
      ...(s.country === undefined ? {} : { country: s.country }),
      ...(s.comment === undefined ? {} : { comment: s.comment }),
      kind: s.kind,
    };
    picked.push({ entry, time: Date.parse(record.createdAt), n: number });
  }
  // Newest first; equal times keep file order.
  picked.sort((a, b) => b.time - a.time || a.n - b.n);
  return { data: { entries: picked.map((p) => p.entry) }, campaign, skipped };
}

/**
 * Parses an allow list: one submission id per line; blank lines and `#` comments ignored
 * (a line may be `SID  # name`, so staff can keep notes). One leading `'` is ignored, since ids
 * copied from the CSV keep the mark that stops a spreadsheet reading `-abc...` as a formula.
 */
export function parseAllowList(text: string): Set<string> {
  const ids = new Set<string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const id = (raw.split('#', 1)[0] ?? '').trim().replace(/^'/, '');
    if (id === '') continue;
    if (!/^[A-Za-z0-9_-]{21}[AQgw]$/.test(id)) throw new CliError(`line ${i + 1} of the allow list is not a submission id`, 'one submission id (22 characters) per line; # starts a comment');
    ids.add(id);
  }
  return ids;
}

/**
 * Validates wall data (e.g. after staff edited it by hand).
 *
 * @throws {@link CliError} naming the first bad entry.
 */
export function checkWallData(value: unknown): WallData {
  const parsed = wallDataSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '(root)';
    throw new CliError(`the wall data is not valid at ${where || '(root)'}`, 'entries are { name, organisation?, role?, country?, comment?, kind } and nothing else (no e-mail)');
  }
  return parsed.data as WallData;
}
