// Encoding of the log's entries (docs/log.md §7). Each entry is 49 bytes:
//   kind (1 byte) || submission id (16 bytes, the raw bytes of the base64url `sid`) || 32 bytes
// kind 0x01, stored envelope (adopted: the collector logs every stored envelope with it): the 32
// bytes are SHA-256 of the exact envelope bytes as stored (its normalised JSON text, UTF-8).
// kind 0x02, withdrawal (still PROPOSED: nothing writes it yet): the 32 bytes are the withdrawal
// secret itself, revealed, so that anyone holding the envelope can check that SHA-256(secret) is
// the withdrawal hash it carries, and a collector cannot invent withdrawals to drop signatures.
import { fromBase64Url, toBase64Url } from '../encode.js';
import { sha256, utf8 } from './bytes.js';
import { LogError } from './errors.js';

/** Entry kind byte of a stored envelope. */
export const ENTRY_KIND_STORED = 0x01;
/** Entry kind byte of a withdrawal. */
export const ENTRY_KIND_WITHDRAWAL = 0x02;
/** Size of every entry, in bytes. */
export const ENTRY_SIZE = 49;

/** One log entry (docs/log.md §7; the withdrawal kind is still proposed). */
export type LogEntry =
  | {
      readonly kind: 'stored';
      /** The envelope's `sid`: 22 base64url characters. */
      readonly submissionId: string;
      /** SHA-256 of the exact envelope bytes as stored (see {@link envelopeHash}). */
      readonly envelopeHash: Uint8Array;
    }
  | {
      readonly kind: 'withdrawal';
      /** The `sid` of the envelope withdrawn. */
      readonly submissionId: string;
      /** The 32-byte withdrawal secret from the signer's receipt. */
      readonly withdrawalSecret: Uint8Array;
    };

const SUBMISSION_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;

function submissionIdBytes(submissionId: unknown): Uint8Array {
  const bytes = typeof submissionId === 'string' && SUBMISSION_ID.test(submissionId) ? fromBase64Url(submissionId) : undefined;
  if (bytes === undefined || bytes.length !== 16) throw new TypeError('submissionId must be 16 bytes in base64url (22 characters)');
  return bytes;
}

function check32(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw new TypeError(`${name} must be a 32-byte Uint8Array`);
}

/**
 * SHA-256 of the exact bytes of an envelope as the collector stored it (a string is hashed as its
 * UTF-8 bytes).
 *
 * @example
 * ```ts
 * encodeEntry({ kind: 'stored', submissionId: envelope.sid, envelopeHash: envelopeHash(body) });
 * ```
 */
export function envelopeHash(envelope: string | Uint8Array): Uint8Array {
  if (typeof envelope === 'string') return sha256(utf8(envelope));
  if (envelope instanceof Uint8Array) return sha256(envelope);
  throw new TypeError('envelope must be a string or a Uint8Array');
}

/**
 * Encodes a log entry (docs/log.md §7) as its 49 bytes.
 *
 * @throws TypeError if the submission id is not a canonical 22-character base64url id or the hash/secret is not 32 bytes.
 * @example
 * ```ts
 * const entry = encodeEntry({ kind: 'stored', submissionId: 'AAECAwQFBgcICQoLDA0ODw', envelopeHash: hash });
 * tree.appendEntry(entry);
 * ```
 */
export function encodeEntry(entry: LogEntry): Uint8Array {
  const out = new Uint8Array(ENTRY_SIZE);
  out.set(submissionIdBytes(entry.submissionId), 1);
  if (entry.kind === 'stored') {
    check32('envelopeHash', entry.envelopeHash);
    out[0] = ENTRY_KIND_STORED;
    out.set(entry.envelopeHash, 17);
  } else if (entry.kind === 'withdrawal') {
    check32('withdrawalSecret', entry.withdrawalSecret);
    out[0] = ENTRY_KIND_WITHDRAWAL;
    out.set(entry.withdrawalSecret, 17);
  } else {
    throw new TypeError("entry.kind must be 'stored' or 'withdrawal'");
  }
  return out;
}

/**
 * Decodes a log entry (docs/log.md §7).
 *
 * @throws LogError `MALFORMED_ENTRY` if it is not 49 bytes or of an unknown kind.
 */
export function decodeEntry(bytes: Uint8Array): LogEntry {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (bytes.length !== ENTRY_SIZE) throw new LogError('MALFORMED_ENTRY', `a log entry has ${ENTRY_SIZE} bytes, not ${bytes.length}`);
  const submissionId = toBase64Url(bytes.subarray(1, 17));
  const value = bytes.slice(17);
  if (bytes[0] === ENTRY_KIND_STORED) return { kind: 'stored', submissionId, envelopeHash: value };
  if (bytes[0] === ENTRY_KIND_WITHDRAWAL) return { kind: 'withdrawal', submissionId, withdrawalSecret: value };
  throw new LogError('MALFORMED_ENTRY', `unknown log entry kind ${bytes[0]}`);
}
