// The log's entries as the stores write them (docs/log.md §7, kind 0x01): shared by both engines so
// that an entry never depends on which engine stored the envelope.
import { encodeEntry } from '@secure-sign/crypto/log';
import { createHash } from 'node:crypto';

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

/** Rows logged per transaction when a store logs envelopes stored before the log existed. */
export const CATCH_UP_BATCH = 5000;
