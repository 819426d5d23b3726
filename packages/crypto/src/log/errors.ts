/**
 * Errors of the transparency-log module.
 *
 * Rules for this file:
 * - Every failure the module reports on purpose is a {@link LogError} with a stable `code`.
 * - Messages name the rule that failed and small numbers (sizes, indexes, limits), never hashes,
 *   keys, signatures or the text of a note.
 * - Misused arguments (a programming mistake, not hostile data) throw `TypeError` or `RangeError`
 *   naming the argument.
 *
 * @packageDocumentation
 */

/** The stable codes of {@link LogError}. New codes may be added; existing ones never change meaning. */
export type LogErrorCode =
  /** A proof is not well formed for the sizes given: wrong length, a hash of the wrong size, index >= size, sizes out of order. */
  | 'MALFORMED_PROOF'
  /** A well-formed proof does not lead to the root hash(es) given: the log or the proof is not what it claims. */
  | 'PROOF_MISMATCH'
  /** A checkpoint body does not follow c2sp.org/tlog-checkpoint. */
  | 'MALFORMED_CHECKPOINT'
  /** A signed note does not follow c2sp.org/signed-note (encoding, layout, limits). */
  | 'MALFORMED_NOTE'
  /** A signature of a known key on a note does not verify. */
  | 'NOTE_BAD_SIGNATURE'
  /** No signature of a known key is on the note, or fewer than the number required. */
  | 'NOTE_NOT_VERIFIED'
  /** An authentic checkpoint names another log (origin) than the one expected. */
  | 'WRONG_ORIGIN'
  /** A verifier key (vkey) string is malformed or of an unsupported type. */
  | 'INVALID_VERIFIER_KEY'
  /** A tlog-tiles path is not in the canonical form of the spec. */
  | 'MALFORMED_TILE_PATH'
  /** An entry bundle or a log entry is not well formed. */
  | 'MALFORMED_ENTRY'
  /**
   * Well-formed entries that contradict each other: a submission id stored twice, or a withdrawal
   * or removal of a submission not counted at that point. An honest log never has them.
   */
  | 'INCONSISTENT_ENTRIES'
  /** A {@link HashReader} did not return the hashes asked for. */
  | 'MISSING_HASH'
  /**
   * A checkpoint's `count` or `confirmed` line differs from the recount of the entries it signs
   * (the log signed a false number).
   */
  | 'COUNT_MISMATCH';

/**
 * The one error class of the log module. Inspect `code`, not `message`.
 *
 * @example
 * ```ts
 * try {
 *   verifyConsistency(old.size, next.size, proof, old.rootHash, next.rootHash);
 * } catch (error) {
 *   if (isLogError(error, 'PROOF_MISMATCH')) alarm('the log rewrote its history');
 *   else throw error;
 * }
 * ```
 */
export class LogError extends Error {
  /** Stable machine-readable code. */
  readonly code: LogErrorCode;

  /**
   * @param code - the stable code.
   * @param message - a message that contains no hash, key, signature or note text.
   */
  constructor(code: LogErrorCode, message: string) {
    super(message);
    this.name = 'LogError';
    this.code = code;
  }
}

/**
 * Tells whether `error` is a {@link LogError}, optionally of one code.
 *
 * @example
 * ```ts
 * if (isLogError(err, 'NOTE_NOT_VERIFIED')) console.error('checkpoint not signed by the pinned log key');
 * ```
 */
export function isLogError(error: unknown, code?: LogErrorCode): error is LogError {
  return error instanceof LogError && (code === undefined || error.code === code);
}
