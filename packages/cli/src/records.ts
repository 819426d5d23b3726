// The shape of a decrypted signature as `decrypt` writes it (docs/cli.md, "Output formats"), its
// CSV form, and the one parser every command that reads decrypted records uses.
//
// Rules for this file:
// - What `toRecord` + `formatRecord` write, `parseRecord` accepts: there is one definition of a
//   decrypted record, here, and a property test holds the two sides together.
// - `seq` and `receivedAt` come from the collector (its arrival order); `createdAt` comes from the
//   signer's clock and is never used to choose between records.

import { campaignIdSchema, isoTimestampSchema, signerSchema, submissionIdSchema, type OpenedSubmission, type Signer } from '@secure-sign/crypto';
import * as z from 'zod';
import { neutraliseCell } from './exports/cells.js';
import { osdiSignature } from './exports/osdi.js';
import { EXPORT_PROFILES, PROFILE_COLUMNS, isCsvProfile, profileRow } from './exports/profiles.js';

export { neutraliseCell } from './exports/cells.js';

/** Where a record came from in the collector: its export `seq` and `receivedAt`, when known. */
export interface Arrival {
  readonly seq?: number | undefined;
  readonly receivedAt?: string | undefined;
}

/** One decrypted signature, as written to JSON and NDJSON output. */
export interface DecryptedRecord {
  readonly campaign: string;
  readonly submissionId: string;
  /** The collector's arrival order (export `seq`), when the input line carried it. */
  readonly seq?: number;
  /** When the collector stored it (ISO 8601 UTC, the collector's clock), when known. */
  readonly receivedAt?: string;
  /** When the signer's browser sealed it (ISO 8601 UTC, from the signer's clock). */
  readonly createdAt: string;
  readonly signer: Signer;
  /**
   * Only inside `confirm send`, never written to any output: the sealed confirmation secret (`cs`)
   * and the language of the signer's form, when the envelope has them.
   */
  readonly confirmation?: { readonly secret: string; readonly lang: string | undefined };
}

/**
 * Turns an opened submission (and where it arrived, if known) into the record written to the
 * output; with `confirmation`, it also carries the confirmation secret and language (for
 * `confirm send` only).
 */
export function toRecord(opened: OpenedSubmission, arrival: Arrival = {}, confirmation = false): DecryptedRecord {
  return {
    campaign: opened.campaign,
    submissionId: opened.submissionId,
    ...(arrival.seq === undefined ? {} : { seq: arrival.seq }),
    ...(arrival.receivedAt === undefined ? {} : { receivedAt: arrival.receivedAt }),
    createdAt: new Date(opened.createdAt).toISOString(),
    signer: opened.signer,
    ...(confirmation && opened.confirmationSecret !== undefined ? { confirmation: { secret: opened.confirmationSecret, lang: opened.lang } } : {}),
  };
}

/** CSV columns, in order. */
export const CSV_COLUMNS = [
  'submissionId',
  'campaign',
  'createdAt',
  'kind',
  'name',
  'email',
  'organisation',
  'role',
  'country',
  'comment',
  'listPublicly',
  'contactLater',
  'extra',
  'seq',
  'receivedAt',
] as const;

/** The CSV row of a record, cells already neutralised. */
export function csvRow(record: DecryptedRecord): string[] {
  const s = record.signer;
  const cells = [
    record.submissionId,
    record.campaign,
    record.createdAt,
    s.kind,
    s.name,
    s.email,
    s.organisation ?? '',
    s.role ?? '',
    s.country ?? '',
    s.comment ?? '',
    String(s.consent.listPublicly),
    String(s.consent.contactLater),
    s.extra === undefined ? '' : JSON.stringify(s.extra),
    record.seq === undefined ? '' : String(record.seq),
    record.receivedAt ?? '',
  ];
  return cells.map(neutraliseCell);
}

const NEEDS_QUOTES = /[",\n\r]/;

/**
 * One CSV row with its line break, exactly as csv-stringify writes it with its default options
 * (a cell with a quote, comma or line break quoted, quotes doubled; test/records.test.ts compares
 * both), without its per-call set-up, which cost more than the rest of a record's formatting.
 */
export function csvLine(cells: readonly string[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as string;
    if (i > 0) line += ',';
    line += NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  }
  return line + '\n';
}

/**
 * Output formats of `decrypt` (`--format`): our own (csv, json, ndjson), then the export profiles
 * for campaign tools (exports/profiles.ts, docs/exports.md).
 */
export const FORMATS = ['csv', 'json', 'ndjson', ...EXPORT_PROFILES] as const;

/** An output format of `decrypt`. */
export type Format = (typeof FORMATS)[number];

/** The header row of a CSV format (csv and the CSV profiles), `undefined` for the others. */
export function csvHeader(format: Format): readonly string[] | undefined {
  if (format === 'csv') return CSV_COLUMNS;
  return isCsvProfile(format) ? PROFILE_COLUMNS[format] : undefined;
}

/** Whether a format is one JSON array of records (json, osdi), written with `[`, commas and `]`. */
export function isJsonArray(format: Format): boolean {
  return format === 'json' || format === 'osdi';
}

/**
 * A record as the output format writes it: a CSV row or an NDJSON line (each with its line
 * break), or one JSON text. The empty string means the record is left out of this format: a
 * signer who did not agree to be contacted, in an export that subscribes everyone in it.
 */
export function formatRecord(record: DecryptedRecord, format: Format): string {
  // The confirmation secret never leaves `confirm send`.
  if (record.confirmation !== undefined) {
    const { confirmation: _secret, ...plain } = record;
    record = plain;
  }
  if (format === 'csv') return csvLine(csvRow(record));
  if (format === 'ndjson') return JSON.stringify(record) + '\n';
  if (format === 'json') return JSON.stringify(record);
  if (format === 'osdi') return JSON.stringify(osdiSignature(record));
  const row = profileRow(format, record);
  return row === undefined ? '' : csvLine(row.map(neutraliseCell));
}

/** The key `--dedupe-email` compares: NFC, trimmed, lower-case. */
export function emailKey(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * What "the same content" means when two records share an e-mail key: the fields a reader sees
 * (kind, name, organisation, role, country, comment). Consents are not content: they are merged.
 */
export function contentKey(signer: Signer): string {
  return JSON.stringify([signer.kind, signer.name, signer.organisation ?? null, signer.role ?? null, signer.country ?? null, signer.comment ?? null]);
}

const recordSchema = z.object({
  campaign: campaignIdSchema,
  submissionId: submissionIdSchema,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  receivedAt: z.optional(isoTimestampSchema),
  createdAt: isoTimestampSchema,
  signer: signerSchema,
});

/**
 * Parses one decrypted record (one NDJSON line, as `decrypt` writes it); `undefined` if it is not one.
 * Every record `decrypt` writes is accepted (test/records.test.ts checks it over the whole format).
 */
export function parseRecord(text: string): DecryptedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? (parsed.data as DecryptedRecord) : undefined;
}
