// The shape of a decrypted signature as `decrypt` writes it (docs/cli.md, "Output formats"), and
// its CSV form.

import type { OpenedSubmission, Signer } from '@secure-sign/crypto';

/** One decrypted signature, as written to JSON and NDJSON output. */
export interface DecryptedRecord {
  readonly campaign: string;
  readonly submissionId: string;
  /** When the signer's browser sealed it (ISO 8601 UTC, from the signer's clock). */
  readonly createdAt: string;
  readonly signer: Signer;
}

/** Turns an opened submission into the record written to the output. */
export function toRecord(opened: OpenedSubmission): DecryptedRecord {
  return {
    campaign: opened.campaign,
    submissionId: opened.submissionId,
    createdAt: new Date(opened.createdAt).toISOString(),
    signer: opened.signer,
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
] as const;

/**
 * Makes a cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`, a tab or
 * a carriage return would be read as a formula (OWASP "CSV injection"), so it gets a leading `'`.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

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
  ];
  return cells.map(neutraliseCell);
}

/** The key `--dedupe-email` compares: NFC, trimmed, lower-case. */
export function emailKey(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}
