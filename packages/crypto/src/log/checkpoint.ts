// Checkpoint bodies, c2sp.org/tlog-checkpoint: the note text a log signs for one tree head.
//
//   <origin>\n<tree size in decimal>\n<base64 root hash>\n[<extension line>\n]...
//
// Parsing is strict: exactly one accepted spelling of each value (no leading zeros, canonical
// base64 of exactly 32 bytes), no empty line, and the text ends with its newline.
import { fromBase64, toBase64 } from './bytes.js';
import { LogError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { openNote, type NoteVerifier, type OpenedNote } from './note.js';

/** A log's tree head as a checkpoint carries it. */
export interface Checkpoint {
  /** The log's identity, e.g. `collector.example/open-letter`. Non-empty. */
  readonly origin: string;
  /** Number of leaves. */
  readonly size: number;
  /** The RFC 6962 root hash of the tree of `size` leaves (32 bytes). */
  readonly rootHash: Uint8Array;
  /** Optional opaque extension lines (not recommended by the spec). */
  readonly extensions?: readonly string[];
}

// Characters a line must not contain: ASCII controls (a signed note forbids them) and newline.
const CONTROL = /[\u0000-\u001f]/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function malformed(message: string): LogError {
  return new LogError('MALFORMED_CHECKPOINT', message);
}

function checkLine(what: string, line: string, fail: (message: string) => Error): void {
  if (line.length === 0) throw fail(`the ${what} must not be empty`);
  if (CONTROL.test(line)) throw fail(`the ${what} must not contain control characters`);
  if (!line.isWellFormed()) throw fail(`the ${what} must be valid Unicode`);
}

/**
 * The note text of a checkpoint, ready to be signed (see {@link signNote}).
 *
 * @throws TypeError if the origin or an extension line is empty or contains a control character,
 *   or the root hash is not 32 bytes; RangeError if the size is not a non-negative safe integer.
 * @example
 * ```ts
 * formatCheckpoint({ origin: 'collector.example/open-letter', size: 3, rootHash });
 * // 'collector.example/open-letter\n3\n<base64 root>\n'
 * ```
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const argumentError = (message: string) => new TypeError(`checkpoint: ${message}`);
  checkLine('origin', checkpoint.origin, argumentError);
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw new RangeError('checkpoint.size must be a non-negative safe integer');
  if (!(checkpoint.rootHash instanceof Uint8Array) || checkpoint.rootHash.length !== HASH_SIZE) {
    throw new TypeError(`checkpoint.rootHash must be a ${HASH_SIZE}-byte Uint8Array`);
  }
  const extensions = checkpoint.extensions ?? [];
  extensions.forEach((line) => checkLine('extension line', line, argumentError));
  return [checkpoint.origin, String(checkpoint.size), toBase64(checkpoint.rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Parses a checkpoint body (the text of a signed note, after its signatures were verified with
 * {@link openNote}). Sizes above 2^53 - 1 are refused: no log of this project grows that large.
 *
 * @throws LogError `MALFORMED_CHECKPOINT` for any departure from c2sp.org/tlog-checkpoint.
 * @example
 * ```ts
 * const { text } = await openNote(served, [logVerifier]);
 * const checkpoint = parseCheckpoint(text);
 * ```
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  if (!text.endsWith('\n')) throw malformed('the checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('a checkpoint has at least three lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine('origin', origin, malformed);
  if (!DECIMAL.test(sizeLine)) throw malformed('the tree size must be a decimal number without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('the tree size is larger than 2^53 - 1');
  const rootHash = fromBase64(rootLine);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) throw malformed(`the root hash must be canonical base64 of ${HASH_SIZE} bytes`);
  extensions.forEach((line) => checkLine('extension line', line, malformed));
  return extensions.length > 0 ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}

const COUNT_KEYWORD = 'count';

/**
 * The extension line that states a campaign log's public count (docs/log.md §4.1): `count <n>`.
 *
 * @throws RangeError if `count` is not a non-negative safe integer.
 * @example
 * ```ts
 * formatCheckpoint({ origin, size, rootHash, extensions: [formatCountLine(countEntries(entries))] });
 * ```
 */
export function formatCountLine(count: number): string {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative safe integer');
  return `${COUNT_KEYWORD} ${count}`;
}

/**
 * Reads the public count a checkpoint states in its `count <n>` extension line (docs/log.md §4.1).
 * A line is a count line if its first word is `count`. There must be at most one, and its value
 * must be a decimal without sign or leading zeros, at most 2^53 - 1 and at most the tree size.
 * Other extension lines are ignored. The count is only what the log signed: recount it from the
 * entries ({@link countEntries}) to check it.
 *
 * @returns the count, or `undefined` if the checkpoint has no count line.
 * @throws LogError `MALFORMED_CHECKPOINT` for two count lines or a malformed one.
 * @example
 * ```ts
 * const { checkpoint } = await openCheckpoint(note, trust);
 * const count = checkpointCount(checkpoint); // e.g. 41 signatures in a log of size 45
 * ```
 */
export function checkpointCount(checkpoint: Checkpoint): number | undefined {
  if (!checkpoint || !Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) {
    throw new TypeError('checkpoint: expected a Checkpoint from parseCheckpoint or openCheckpoint');
  }
  const lines = (checkpoint.extensions ?? []).filter((line) => line.split(' ', 1)[0] === COUNT_KEYWORD);
  if (lines.length === 0) return undefined;
  if (lines.length > 1) throw malformed('the checkpoint has more than one count line');
  const value = (lines[0] as string).slice(COUNT_KEYWORD.length + 1);
  if (!(lines[0] as string).startsWith(`${COUNT_KEYWORD} `) || !DECIMAL.test(value)) {
    throw malformed('the count must be "count" and a decimal number without leading zeros');
  }
  const count = Number(value);
  if (!Number.isSafeInteger(count)) throw malformed('the count is larger than 2^53 - 1');
  if (count > checkpoint.size) throw malformed('the count is larger than the tree size');
  return count;
}

const CONFIRMED_KEYWORD = 'confirmed';

/**
 * The extension line that states a campaign log's confirmed count (docs/log.md §4.1):
 * `confirmed <n>`, written after the `count` line.
 *
 * @throws RangeError if `confirmed` is not a non-negative safe integer.
 * @example
 * ```ts
 * const { count, confirmed } = tallyEntries(entries);
 * formatCheckpoint({ origin, size, rootHash, extensions: [formatCountLine(count), formatConfirmedLine(confirmed)] });
 * ```
 */
export function formatConfirmedLine(confirmed: number): string {
  if (!Number.isSafeInteger(confirmed) || confirmed < 0) throw new RangeError('confirmed must be a non-negative safe integer');
  return `${CONFIRMED_KEYWORD} ${confirmed}`;
}

/**
 * Reads the confirmed count a checkpoint states in its `confirmed <n>` extension line
 * (docs/log.md §4.1): the live signatures whose e-mail owner confirmed them. A line is a confirmed
 * line if its first word is `confirmed`; there must be at most one, with a decimal value without
 * sign or leading zeros, at most 2^53 - 1, at most the tree size and at most the count line's
 * value when there is one. Recount it from the entries ({@link tallyEntries}) to check it.
 *
 * @returns the confirmed count, or `undefined` if the checkpoint has no confirmed line.
 * @throws LogError `MALFORMED_CHECKPOINT` for two confirmed lines, a malformed one, one above the
 *   size or the count, or a malformed count line.
 * @example
 * ```ts
 * const confirmed = checkpointConfirmed(checkpoint); // e.g. 30 of 41 signatures
 * ```
 */
export function checkpointConfirmed(checkpoint: Checkpoint): number | undefined {
  const count = checkpointCount(checkpoint);
  const lines = (checkpoint.extensions ?? []).filter((line) => line.split(' ', 1)[0] === CONFIRMED_KEYWORD);
  if (lines.length === 0) return undefined;
  if (lines.length > 1) throw malformed('the checkpoint has more than one confirmed line');
  const line = lines[0] as string;
  const value = line.slice(CONFIRMED_KEYWORD.length + 1);
  if (!line.startsWith(`${CONFIRMED_KEYWORD} `) || !DECIMAL.test(value)) {
    throw malformed('the confirmed count must be "confirmed" and a decimal number without leading zeros');
  }
  const confirmed = Number(value);
  if (!Number.isSafeInteger(confirmed)) throw malformed('the confirmed count is larger than 2^53 - 1');
  if (confirmed > checkpoint.size) throw malformed('the confirmed count is larger than the tree size');
  if (count !== undefined && confirmed > count) throw malformed('the confirmed count is larger than the count');
  return confirmed;
}

/** Whom to trust for a checkpoint: the log's key, the log's origin, and optionally witnesses. */
export interface CheckpointTrust {
  /** The origin line the checkpoint must carry (one log key may sign the logs of many campaigns). */
  readonly origin: string;
  /** The log's own key (type 0x01, see {@link ed25519NoteVerifier}). */
  readonly log: NoteVerifier;
  /** Witness keys (type 0x04 cosignatures, see {@link ed25519CosignatureVerifier}). */
  readonly witnesses?: readonly NoteVerifier[];
  /** How many distinct witnesses must have cosigned (default 0). */
  readonly witnessQuorum?: number;
}

/** A checkpoint whose signatures were verified. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The opened note, with every signature line (to store or pass on to a witness). */
  readonly note: OpenedNote;
  /** Names of the witnesses whose cosignature verified. */
  readonly witnesses: readonly string[];
}

/**
 * Opens a signed checkpoint: the log's signature must verify, at least `witnessQuorum` of the
 * given witnesses must have cosigned, and the origin must be the one expected. Signatures of
 * other keys are ignored; a failing signature of a known key refuses the whole checkpoint.
 *
 * @throws LogError `MALFORMED_NOTE`, `NOTE_BAD_SIGNATURE`, `NOTE_NOT_VERIFIED` (the log's signature
 *   is missing or too few witnesses cosigned), `MALFORMED_CHECKPOINT`, `WRONG_ORIGIN`.
 * @example
 * ```ts
 * const { checkpoint } = await openCheckpoint(await response.text(), {
 *   origin: 'collector.example/open-letter',
 *   log: ed25519NoteVerifier(pinnedLogKey, sodium.crypto_sign_verify_detached),
 * });
 * ```
 */
export async function openCheckpoint(message: string | Uint8Array, trust: CheckpointTrust): Promise<VerifiedCheckpoint> {
  const witnesses = trust.witnesses ?? [];
  const quorum = trust.witnessQuorum ?? 0;
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new RangeError('witnessQuorum must be between 0 and the number of witnesses');
  }
  const note = await openNote(message, [trust.log, ...witnesses]);
  const signedBy = (verifier: NoteVerifier) => note.verified.some((s) => s.name === verifier.name && s.keyId === verifier.keyId);
  if (!signedBy(trust.log)) throw new LogError('NOTE_NOT_VERIFIED', 'the log key did not sign the checkpoint');
  const cosigned = witnesses.filter(signedBy).map((w) => w.name);
  const distinct = [...new Set(cosigned)];
  if (distinct.length < quorum) {
    throw new LogError('NOTE_NOT_VERIFIED', `${distinct.length} of the required ${quorum} witnesses cosigned the checkpoint`);
  }
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== trust.origin) throw new LogError('WRONG_ORIGIN', 'the checkpoint is of another log than expected');
  return { checkpoint, note, witnesses: distinct };
}
