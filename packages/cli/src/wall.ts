// The public signer wall (docs/cli.md, "Wall document"): built from decrypted records of signers
// who consented to be listed, optionally narrowed by a staff-edited allow list, then signed.
//
// Rules for this file:
// - No e-mail address, consent flag or campaign-defined field ever reaches the wall.
// - Records are read with the one record parser (records.ts), and chosen between in arrival
//   order, never by createdAt (arrival.ts): replays dropped, one entry per e-mail address, consents
//   merged to the most restrictive, conflicts written out for review.
// - Entries are validated again when signing, since staff may have edited the file by hand.

import { LIMITS, COUNTRY_CODES } from '@secure-sign/crypto';
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ConflictsFile, EmailGroups, SubmissionIds, sidConflict } from './arrival.js';
import { CliError } from './errors.js';
import { openInput, splitLines } from './io.js';
import { MAX_LINE_BYTES } from './decrypt.js';
import { parseRecord } from './records.js';
import { isCancelled, type Withdrawals } from './withdrawals.js';

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

/** Options of {@link buildWall}. */
export interface BuildOptions {
  /** Decrypted records (NDJSON, as `decrypt --format ndjson` writes), a path or `-`. */
  readonly from: string | undefined;
  /** Submission ids allowed on the wall; every consenting signer if undefined. */
  readonly allow: ReadonlySet<string> | undefined;
  /** Only records of this campaign. */
  readonly campaign: string | undefined;
  /** Where conflicts go, created only if there is one. */
  readonly conflicts: ConflictsFile;
  /** Withdrawals and removals read from the pulled envelope file (`--envelopes`): those signers are left out. */
  readonly withdrawals?: Withdrawals | undefined;
  /** Only signatures confirmed by the owner of their e-mail address (in {@link withdrawals}). */
  readonly confirmedOnly?: boolean | undefined;
}

/** What {@link buildWall} did. */
export interface BuiltWall {
  readonly data: WallData;
  readonly campaign: string | undefined;
  /** Signers (one per e-mail address) left out: no consent, or not on the allow list. */
  readonly skipped: number;
  readonly replays: number;
  readonly duplicates: number;
  readonly sidConflicts: number;
  readonly emailConflicts: number;
  /** Records left out because their signer withdrew or the operator removed them (with `withdrawals`). */
  readonly leftOut: number;
  /** Records left out as unconfirmed (with `confirmedOnly`). */
  readonly unconfirmed: number;
}

/**
 * Builds the wall data: one entry per e-mail address, consenting (and allowed) signers, newest
 * arrival first.
 *
 * @throws {@link CliError} if a line is not a decrypted record.
 */
export async function buildWall(options: BuildOptions): Promise<BuiltWall> {
  let campaign = options.campaign;
  const sids = new SubmissionIds();
  const groups = new EmailGroups();
  let leftOut = 0;
  let unconfirmed = 0;
  for await (const { number, bytes } of splitLines(openInput(options.from), MAX_LINE_BYTES)) {
    if (bytes === undefined) throw new CliError(`line ${number} of the decrypted records is too long`, 'pass the NDJSON written by `secure-sign decrypt --format ndjson`');
    const text = Buffer.from(bytes).toString('utf8').trim();
    if (text === '') continue;
    const record = parseRecord(text);
    if (!record) {
      throw new CliError(`line ${number} of the decrypted records is not a decrypted record`, 'pass the NDJSON written by `secure-sign decrypt --format ndjson`');
    }
    if (options.withdrawals !== undefined && isCancelled(options.withdrawals, record.submissionId)) {
      leftOut++;
      continue;
    }
    campaign ??= record.campaign;
    if (record.campaign !== campaign) {
      throw new CliError(`line ${number} belongs to campaign ${record.campaign}, not ${campaign}`, 'build one wall per campaign (decrypt with --campaign ID)');
    }
    // Without the ciphertext, the same submission id with the same decrypted content is a replay.
    const { seq: _seq, receivedAt: _receivedAt, ...content } = record;
    const digest = createHash('sha256').update(JSON.stringify(content)).digest().subarray(0, 16).toString('base64url');
    const admitted = sids.admit(record.submissionId, digest, number, record.seq);
    if (admitted === 'replay') continue;
    if (admitted !== 'new') {
      await options.conflicts.write([...(admitted.kept ? [admitted.kept] : []), sidConflict(record, number)]);
      continue;
    }
    // Counted once per signature (after replays are dropped), as decrypt counts them.
    if (options.confirmedOnly && !options.withdrawals?.confirmed.has(record.submissionId)) {
      unconfirmed++;
      continue;
    }
    groups.add(record, number);
  }
  const grouped = groups.finish();
  await options.conflicts.write(grouped.entries);
  const entries: WallEntry[] = [];
  let skipped = 0;
  // Newest arrival first.
  for (const { record, sids: merged } of grouped.kept.reverse()) {
    const s = record.signer;
    if (!s.consent.listPublicly || (options.allow && !merged.some((sid) => options.allow?.has(sid)))) {
      skipped++;
      continue;
    }
    entries.push({
      name: s.name,
      ...(s.organisation === undefined ? {} : { organisation: s.organisation }),
      ...(s.role === undefined ? {} : { role: s.role }),
      ...(s.country === undefined ? {} : { country: s.country }),
      ...(s.comment === undefined ? {} : { comment: s.comment }),
      kind: s.kind,
    });
  }
  return {
    data: { entries },
    campaign,
    skipped,
    leftOut,
    unconfirmed,
    replays: sids.replays,
    duplicates: grouped.merged,
    sidConflicts: sids.conflicts,
    emailConflicts: grouped.conflicts,
  };
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
