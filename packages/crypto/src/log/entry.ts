// Encoding of the log's entries (docs/format.md §8). Each entry is 49 bytes:
//   kind (1 byte) || submission id (16 bytes, the raw bytes of the base64url `sid`) || 32 bytes
// kind 0x01, stored envelope: the 32 bytes are SHA-256 of the exact envelope bytes as stored (its
// normalised JSON text, UTF-8).
// kind 0x02, withdrawal by the signer: the 32 bytes are the withdrawal secret itself, revealed, so
// that anyone holding the envelope can check that SHA-256(secret) is the `wh` it carries, and a
// collector cannot invent withdrawals to drop signatures.
// kind 0x03, removed by the collector's operator: the 32 bytes are zero (the operator holds no
// secret; the entry says openly that the operator, not the signer, removed it).
// kind 0x04, confirmed by the owner of the e-mail address: the 32 bytes are the confirmation
// secret, revealed (anyone holding the envelope checks SHA-256(secret) = its `ch`).
// kind 0x05, disowned ("this wasn't me") by the owner of the e-mail address: the confirmation
// secret too; it cancels the signature as a withdrawal does.
import { fromBase64Url, toBase64Url } from '../encode.js';
import { decode32, withdrawalHashOfBytes } from '../withdrawal.js';
import { bytesEqual, sha256, utf8 } from './bytes.js';
import { LogError } from './errors.js';

/** Entry kind byte of a stored envelope. */
export const ENTRY_KIND_STORED = 0x01;
/** Entry kind byte of a withdrawal by the signer. */
export const ENTRY_KIND_WITHDRAWAL = 0x02;
/** Entry kind byte of a removal by the collector's operator. */
export const ENTRY_KIND_REMOVED = 0x03;
/** Entry kind byte of a confirmation by the owner of the signer's e-mail address. */
export const ENTRY_KIND_CONFIRMED = 0x04;
/** Entry kind byte of a signature disowned by the owner of the signer's e-mail address. */
export const ENTRY_KIND_DISOWNED = 0x05;
/** Size of every entry, in bytes. */
export const ENTRY_SIZE = 49;

const ZERO_VALUE = new Uint8Array(32);
const KIND_ERROR = "entry.kind must be 'stored', 'withdrawal', 'removed', 'confirmed' or 'disowned'";

/** One log entry (docs/format.md §8). */
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
    }
  | {
      readonly kind: 'removed';
      /** The `sid` of the envelope the collector's operator removed (the value bytes are zero). */
      readonly submissionId: string;
    }
  | {
      /** Kind 0x04: the owner of the e-mail address confirmed the signature. */
      readonly kind: 'confirmed';
      /** The `sid` of the envelope confirmed. */
      readonly submissionId: string;
      /** The 32-byte confirmation secret, whose SHA-256 is the envelope's `ch`. */
      readonly confirmationSecret: Uint8Array;
    }
  | {
      /** Kind 0x05: the owner of the e-mail address said "this wasn't me"; the signature is cancelled. */
      readonly kind: 'disowned';
      /** The `sid` of the envelope disowned. */
      readonly submissionId: string;
      /** The 32-byte confirmation secret, whose SHA-256 is the envelope's `ch`. */
      readonly confirmationSecret: Uint8Array;
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
 * Encodes a log entry (docs/format.md §8) as its 49 bytes.
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
  } else if (entry.kind === 'removed') {
    out[0] = ENTRY_KIND_REMOVED; // value stays 32 zero bytes
  } else if (entry.kind === 'confirmed' || entry.kind === 'disowned') {
    check32('confirmationSecret', entry.confirmationSecret);
    out[0] = entry.kind === 'confirmed' ? ENTRY_KIND_CONFIRMED : ENTRY_KIND_DISOWNED;
    out.set(entry.confirmationSecret, 17);
  } else {
    throw new TypeError(KIND_ERROR);
  }
  return out;
}

/**
 * Decodes a log entry (docs/format.md §8).
 *
 * @throws LogError `MALFORMED_ENTRY` if it is not 49 bytes, of an unknown kind, or of kind 0x03
 *   with a value that is not 32 zero bytes.
 * @example
 * ```ts
 * const entry = decodeEntry(bundleEntries[i]);
 * if (entry.kind === 'withdrawal') check(withdrawalMatches(entry, envelope.wh));
 * ```
 */
export function decodeEntry(bytes: Uint8Array): LogEntry {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (bytes.length !== ENTRY_SIZE) throw new LogError('MALFORMED_ENTRY', `a log entry has ${ENTRY_SIZE} bytes, not ${bytes.length}`);
  const submissionId = toBase64Url(bytes.subarray(1, 17));
  const value = bytes.slice(17);
  if (bytes[0] === ENTRY_KIND_STORED) return { kind: 'stored', submissionId, envelopeHash: value };
  if (bytes[0] === ENTRY_KIND_WITHDRAWAL) return { kind: 'withdrawal', submissionId, withdrawalSecret: value };
  if (bytes[0] === ENTRY_KIND_REMOVED) {
    // One byte string per statement: a removal carries nothing, so its value must be zero.
    if (!bytesEqual(value, ZERO_VALUE)) throw new LogError('MALFORMED_ENTRY', 'a removal entry (kind 3) must have 32 zero bytes as its value');
    return { kind: 'removed', submissionId };
  }
  if (bytes[0] === ENTRY_KIND_CONFIRMED) return { kind: 'confirmed', submissionId, confirmationSecret: value };
  if (bytes[0] === ENTRY_KIND_DISOWNED) return { kind: 'disowned', submissionId, confirmationSecret: value };
  throw new LogError('MALFORMED_ENTRY', `unknown log entry kind ${bytes[0]}`);
}

/**
 * Tells whether a withdrawal entry reveals the secret of an envelope's withdrawal hash: true only
 * if `entry` is of kind 0x02 and SHA-256 of its secret, in base64url, is `wh`. A withdrawal whose
 * secret does not match was not made by the signer (only the signer held the secret).
 *
 * @param entry - a decoded entry or its 49 bytes.
 * @param wh - the envelope's `wh`; anything but 43 canonical base64url characters matches nothing.
 * @throws LogError `MALFORMED_ENTRY` if `entry` is bytes that are not a valid entry.
 * @example
 * ```ts
 * if (!withdrawalMatches(entry, removed.wh)) throw new Error(`entry ${i}: a withdrawal the signer did not make`);
 * ```
 */
export function withdrawalMatches(entry: LogEntry | Uint8Array, wh: string): boolean {
  const decoded = entry instanceof Uint8Array ? decodeEntry(entry) : entry;
  if (decoded?.kind !== 'withdrawal' || !decode32(wh)) return false;
  check32('withdrawalSecret', decoded.withdrawalSecret);
  return withdrawalHashOfBytes(decoded.withdrawalSecret) === wh;
}

/**
 * Tells whether a confirmation entry (kind 0x04, confirmed, or 0x05, disowned) reveals the secret
 * of an envelope's confirmation hash: true only if SHA-256 of its value, in base64url, is `ch`.
 * Only staff (who mailed the secret) and the owner of the address held it, so a confirmation the
 * collector invented is detected by anyone holding the envelope.
 *
 * @param entry - a decoded entry or its 49 bytes.
 * @param ch - the envelope's `ch`; anything but 43 canonical base64url characters (or an
 *   envelope without `ch`: `undefined`) matches nothing.
 * @throws LogError `MALFORMED_ENTRY` if `entry` is bytes that are not a valid entry.
 * @example
 * ```ts
 * if (!confirmationMatches(entry, stored.ch)) throw new Error(`entry ${i}: a confirmation with the wrong secret`);
 * ```
 */
export function confirmationMatches(entry: LogEntry | Uint8Array, ch: string | undefined): boolean {
  const decoded = entry instanceof Uint8Array ? decodeEntry(entry) : entry;
  if ((decoded?.kind !== 'confirmed' && decoded?.kind !== 'disowned') || !decode32(ch)) return false;
  check32('confirmationSecret', decoded.confirmationSecret);
  return withdrawalHashOfBytes(decoded.confirmationSecret) === ch;
}

/** What {@link tallyEntries} and {@link EntryCounter} count. */
export interface EntryTally {
  /** Live signatures: stored, not withdrawn, removed or disowned. */
  readonly count: number;
  /** Live signatures that have a confirmation entry (0x04). */
  readonly confirmed: number;
}

/**
 * Counts a log's signatures entry by entry, in log order: +1 for a stored envelope (0x01), -1 for
 * a withdrawal (0x02), a removal (0x03) or a disowning (0x05). It also counts the confirmed ones:
 * live signatures with a confirmation (0x04). It checks that the entries are consistent, as an
 * honest collector's always are (docs/format.md §8.3): a submission id is stored at most once; a
 * withdrawal, removal, confirmation or disowning names a submission stored earlier and not yet
 * cancelled (by 0x02, 0x03 or 0x05); and a submission is confirmed or disowned at most once, never
 * both (the first decision stands). A withdrawal or removal after a confirmation is allowed: the
 * signature is cancelled and no longer counts as confirmed. So neither number can go negative.
 *
 * @example
 * ```ts
 * const counter = new EntryCounter();
 * for (const bytes of parseEntryBundle(bundle)) counter.add(bytes);
 * if (counter.count !== checkpointCount(checkpoint)) throw new Error('the signed count is false');
 * ```
 */
export class EntryCounter {
  // sid -> true while counted, false once withdrawn, removed or disowned.
  readonly #status = new Map<string, boolean>();
  // sids that have a confirmation (0x04) or a disowning (0x05) entry.
  readonly #decided = new Map<string, 'confirmed' | 'disowned'>();
  #count = 0;
  #confirmed = 0;
  #size = 0;

  /** The count after the entries added so far. */
  get count(): number {
    return this.#count;
  }

  /** The confirmed count after the entries added so far: live signatures with a 0x04 entry. */
  get confirmed(): number {
    return this.#confirmed;
  }

  /** How many entries were added. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds the next entry of the log.
   *
   * @param entry - a decoded entry or its 49 bytes.
   * @throws LogError `MALFORMED_ENTRY` for bytes that are not an entry; `INCONSISTENT_ENTRIES` for
   *   a second stored entry of one submission id, a withdrawal, removal, confirmation or
   *   disowning of a submission id that is not counted at that point, or a second confirmation
   *   or disowning of one submission id. The counter is unchanged after a throw.
   */
  add(entry: LogEntry | Uint8Array): void {
    const decoded = entry instanceof Uint8Array ? decodeEntry(entry) : entry;
    const index = this.#size;
    const status = this.#status.get(decoded.submissionId);
    if (decoded.kind === 'stored') {
      if (status !== undefined) throw new LogError('INCONSISTENT_ENTRIES', `entry ${index} stores a submission id the log already holds`);
      this.#status.set(decoded.submissionId, true);
      this.#count++;
    } else if (decoded.kind === 'withdrawal' || decoded.kind === 'removed') {
      if (status !== true) {
        throw new LogError('INCONSISTENT_ENTRIES', `entry ${index} ${decoded.kind === 'removed' ? 'removes' : 'withdraws'} a submission that is not counted`);
      }
      this.#status.set(decoded.submissionId, false);
      this.#count--;
      if (this.#decided.get(decoded.submissionId) === 'confirmed') this.#confirmed--;
    } else if (decoded.kind === 'confirmed' || decoded.kind === 'disowned') {
      const verb = decoded.kind === 'confirmed' ? 'confirms' : 'disowns';
      if (status !== true) throw new LogError('INCONSISTENT_ENTRIES', `entry ${index} ${verb} a submission that is not counted`);
      if (this.#decided.has(decoded.submissionId)) {
        throw new LogError('INCONSISTENT_ENTRIES', `entry ${index} ${verb} a submission already confirmed or disowned`);
      }
      this.#decided.set(decoded.submissionId, decoded.kind);
      if (decoded.kind === 'confirmed') {
        this.#confirmed++;
      } else {
        this.#status.set(decoded.submissionId, false);
        this.#count--;
      }
    } else {
      throw new TypeError(KIND_ERROR);
    }
    this.#size++;
  }
}

/**
 * The public count of a log (docs/format.md §8.3): the number of stored-envelope entries minus
 * the number of withdrawal, removal and disowning entries, after checking them as
 * {@link EntryCounter} does. {@link tallyEntries} also gives the confirmed count.
 *
 * @param entries - the log's first entries, in order, decoded or as bytes.
 * @throws LogError `MALFORMED_ENTRY` or `INCONSISTENT_ENTRIES` (see {@link EntryCounter.add}).
 * @example
 * ```ts
 * countEntries(entries) === checkpointCount(checkpoint); // else the signed count is false
 * ```
 */
export function countEntries(entries: Iterable<LogEntry | Uint8Array>): number {
  const counter = new EntryCounter();
  for (const entry of entries) counter.add(entry);
  return counter.count;
}

/**
 * The count and the confirmed count of a log (docs/format.md §8.3), after checking its entries as
 * {@link EntryCounter} does.
 *
 * @param entries - the log's first entries, in order, decoded or as bytes.
 * @throws LogError `MALFORMED_ENTRY` or `INCONSISTENT_ENTRIES` (see {@link EntryCounter.add}).
 * @example
 * ```ts
 * const { count, confirmed } = tallyEntries(entries);
 * confirmed === checkpointConfirmed(checkpoint); // else the signed confirmed count is false
 * ```
 */
export function tallyEntries(entries: Iterable<LogEntry | Uint8Array>): EntryTally {
  const counter = new EntryCounter();
  for (const entry of entries) counter.add(entry);
  return { count: counter.count, confirmed: counter.confirmed };
}
