// The log's entries as the stores write them (docs/log.md §7): shared by both engines so that an
// entry never depends on which engine stored the event. 49 bytes: kind || sid (16) || value (32).
//   0x01 stored envelope:      value = SHA-256 of the exact stored envelope bytes
//   0x02 withdrawal by signer: value = the withdrawal secret itself (revealed)
//   0x03 removal by operator:  value = 32 zero bytes
//   0x04 confirmed by the e-mail's owner: value = the confirmation secret itself (revealed)
//   0x05 disowned by the e-mail's owner:  value = the confirmation secret itself (revealed)
// The public count at a log size is the number of 0x01 entries minus the 0x02, 0x03 and 0x05 ones
// among the first `size`; the confirmed count is the number of 0x04 entries whose signature is
// still counted. Each row keeps both running counts after its own entry (`log_count`,
// `log_confirmed`), written in the transaction that appends it, so a checkpoint signer reads them
// at any size in one row.
import { encodeEntry } from '@secure-sign/crypto/log';
import { createHash } from 'node:crypto';
import type { Decision, ExportedEvent } from './types.js';

/** Entry kind bytes. */
export const KIND_STORED = 0x01;
export const KIND_WITHDRAWAL = 0x02;
export const KIND_REMOVAL = 0x03;
export const KIND_CONFIRMED = 0x04;
export const KIND_DISOWNED = 0x05;

const SID = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const SECRET = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The 49-byte entry of a stored envelope: kind 0x01, the submission id's 16 bytes, and SHA-256 of
 * the envelope's exact bytes as stored and as `export` serves them (its normalised JSON text in
 * UTF-8). A row whose envelope was deleted before it was logged (a database from before the log)
 * has only its hash left, which is that same SHA-256 in hex.
 *
 * @throws TypeError if the submission id is not a canonical 22-character id, or neither an
 * envelope nor a 64-digit hex hash is given.
 */
export function storedEntry(sid: string, envelope: string | null, envelopeHashHex: string): Uint8Array {
  let hash: Uint8Array;
  if (envelope !== null) hash = createHash('sha256').update(envelope, 'utf8').digest();
  else if (/^[0-9a-f]{64}$/.test(envelopeHashHex)) hash = Buffer.from(envelopeHashHex, 'hex');
  else throw new TypeError('envelopeHash: a deleted envelope must have a 64-digit hex SHA-256');
  return encodeEntry({ kind: 'stored', submissionId: sid, envelopeHash: new Uint8Array(hash) });
}

/**
 * The 0x02 entry of a withdrawal: the secret (base64url of 32 bytes, 43 characters) revealed.
 *
 * @throws TypeError if the sid or the secret is not canonical.
 */
export function withdrawalEntry(sid: string, secret: string): Uint8Array {
  if (!isWithdrawalSecret(secret)) throw new TypeError('secret: expected 32 bytes in base64url without padding (43 characters)');
  return encodeEntry({ kind: 'withdrawal', submissionId: sid, withdrawalSecret: new Uint8Array(Buffer.from(secret, 'base64url')) });
}

/** The 0x03 entry of a removal by the collector's operator: 32 zero bytes. */
export function removalEntry(sid: string): Uint8Array {
  return encodeEntry({ kind: 'removed', submissionId: sid });
}

/**
 * The 0x04 (confirm) or 0x05 (disown) entry of a decision by the e-mail's owner: the confirmation
 * secret (base64url of 32 bytes, 43 characters) revealed.
 *
 * @throws TypeError if the sid or the secret is not canonical.
 */
export function decisionEntry(sid: string, secret: string, decision: Decision): Uint8Array {
  if (!isWithdrawalSecret(secret)) throw new TypeError('secret: expected 32 bytes in base64url without padding (43 characters)');
  const confirmationSecret = new Uint8Array(Buffer.from(secret, 'base64url'));
  return encodeEntry({ kind: decision === 'confirm' ? 'confirmed' : 'disowned', submissionId: sid, confirmationSecret });
}

/** Whether a string is a canonical withdrawal secret (or `wh`): base64url of 32 bytes, 43 characters. */
export function isWithdrawalSecret(text: unknown): text is string {
  return typeof text === 'string' && SECRET.test(text);
}

/** Whether a string is a canonical submission id. */
export function isSubmissionId(text: unknown): text is string {
  return typeof text === 'string' && SID.test(text);
}

/** How an entry of this kind changes the public count (a confirmation changes only the confirmed count). */
export function countDelta(kind: number): 1 | 0 | -1 {
  if (kind === KIND_STORED) return 1;
  return kind === KIND_CONFIRMED ? 0 : -1;
}

/** A row of the export query (both engines): a submission (kind 1) or an event. */
export interface EventRow {
  seq: number | string;
  kind: number;
  sid: string;
  received_at: string;
  envelope: string | null;
  envelope_hash: string | null;
  wh: string | null;
  ch: string | null;
  secret: string | null;
}

/** An export row as the store's {@link ExportedEvent}. */
export function toEvent(row: EventRow): ExportedEvent {
  const seq = Number(row.seq);
  if (row.kind === KIND_STORED) {
    return { kind: 'stored', seq, sid: row.sid, receivedAt: row.received_at, envelope: row.envelope, envelopeHash: row.envelope_hash!, wh: row.wh, ch: row.ch };
  }
  if (row.kind === KIND_WITHDRAWAL) return { kind: 'withdrawal', seq, sid: row.sid, receivedAt: row.received_at, secret: row.secret! };
  if (row.kind === KIND_CONFIRMED || row.kind === KIND_DISOWNED) {
    return { kind: 'confirmation', seq, sid: row.sid, receivedAt: row.received_at, secret: row.secret!, decision: row.kind === KIND_CONFIRMED ? 'confirm' : 'disown' };
  }
  return { kind: 'removal', seq, sid: row.sid, receivedAt: row.received_at };
}

/**
 * SQL (both engines) for the confirmed count at the log size of the campaign row `c`, from the
 * decisions themselves: the confirmations (kind 4) among the first `log_size` entries whose
 * signature no withdrawal or removal among them cancelled (a sid has at most one of each, and a
 * decision never follows a withdrawal or removal). The checkpoint query falls back to it when
 * the row at that size has no `log_confirmed`: a row written before migration 6 (nothing was
 * confirmed then: 0), or by a process of an older release during a rolling upgrade.
 */
export const CONFIRMED_AT_SIZE = `(SELECT count(*) FROM log_decisions d
   WHERE d.campaign = c.id AND d.kind = ${KIND_CONFIRMED} AND d.seq <= c.log_size
     AND NOT EXISTS (SELECT 1 FROM log_events e WHERE e.campaign = c.id AND e.sid = d.sid AND e.seq <= c.log_size))`;

/** Rows logged per transaction when a store logs envelopes stored before the log existed. */
export const CATCH_UP_BATCH = 5000;
