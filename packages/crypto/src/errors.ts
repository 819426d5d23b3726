/**
 * Errors of @secure-sign/crypto.
 *
 * Rules for this file:
 * - Every failure the library reports on purpose is a {@link SecureSignError} with a stable `code`.
 * - Every authentication failure (wrong key, corrupt ciphertext, bad signature) carries the same
 *   message, {@link AUTHENTICATION_FAILED_MESSAGE}, so that they cannot be told apart.
 * - No message ever contains plaintext, key material or a submitted value: only field names,
 *   limits and codes.
 * - Misused arguments (a programming mistake, not hostile data) throw `TypeError` or `RangeError`
 *   naming the argument.
 *
 * @packageDocumentation
 */

/** The stable codes of {@link SecureSignError}. New codes may be added; existing ones never change meaning. */
export type SecureSignErrorCode =
  /** A campaign key string is malformed, mistyped (checksum) or of the wrong kind. */
  | 'INVALID_KEY'
  /** The envelope or document names a key id other than the key given. */
  | 'KEY_MISMATCH'
  /** Decryption or signature verification failed. One message for every cause. */
  | 'AUTHENTICATION_FAILED'
  /** The envelope is not a well-formed envelope (not JSON, missing or extra fields, bad encodings). */
  | 'MALFORMED_ENVELOPE'
  /** The envelope or document declares a version this library does not know. */
  | 'UNSUPPORTED_VERSION'
  /** The campaign inside the ciphertext or document differs from the one outside or expected. */
  | 'CAMPAIGN_MISMATCH'
  /** The submission id inside the ciphertext differs from the one outside. */
  | 'SUBMISSION_MISMATCH'
  /** The withdrawal hash (`wh`) inside the ciphertext differs from the one outside. */
  | 'WITHDRAWAL_MISMATCH'
  /**
   * The confirmation binding is broken: the envelope has a confirmation hash (`ch`) and the
   * plaintext no confirmation secret (`cs`), or the reverse, or SHA-256 of `cs` is not `ch`.
   */
  | 'CONFIRMATION_MISMATCH'
  /** The decrypted plaintext is not padded as the format requires. */
  | 'BAD_PADDING'
  /** Data does not satisfy its schema (signer data, plaintext fields). */
  | 'SCHEMA_VIOLATION'
  /** Input is larger than the format allows. */
  | 'OVERSIZE'
  /** A signed document is not well formed. */
  | 'MALFORMED_DOCUMENT'
  /** A signed document is authentic but of another type than expected. */
  | 'DOCUMENT_TYPE_MISMATCH'
  /** A signed document is authentic but its serial is lower than one the reader already holds. */
  | 'DOCUMENT_ROLLED_BACK'
  /** A signed document is authentic but its `validUntil` has passed. */
  | 'DOCUMENT_EXPIRED';

/** The one message shared by every authentication failure. */
export const AUTHENTICATION_FAILED_MESSAGE = 'authentication failed: wrong key or tampered data';

/** Where a schema violation was found: a field path and a short reason, never the value. */
export interface SchemaIssue {
  /** Path of the offending field, e.g. `["signer", "email"]`. */
  readonly path: readonly (string | number)[];
  /** A short, value-free reason such as `too long` or `required`. */
  readonly reason: string;
}

/**
 * The one error class of this package. Inspect `code`, not `message`.
 *
 * @example
 * ```ts
 * try {
 *   await openSubmission(keys, text);
 * } catch (error) {
 *   if (isSecureSignError(error, 'AUTHENTICATION_FAILED')) rejected++;
 *   else throw error;
 * }
 * ```
 */
export class SecureSignError extends Error {
  /** Stable machine-readable code. */
  readonly code: SecureSignErrorCode;
  /** For `SCHEMA_VIOLATION`: which fields failed and why (never their values). */
  readonly issues: readonly SchemaIssue[];

  /**
   * @param code - the stable code.
   * @param message - a message that contains no secret, plaintext or submitted value.
   * @param options - an optional `cause` and, for schema violations, the `issues`.
   */
  constructor(
    code: SecureSignErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly SchemaIssue[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SecureSignError';
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

/**
 * Tells whether `error` is a {@link SecureSignError}, optionally of one code.
 *
 * @example
 * ```ts
 * if (isSecureSignError(err, 'INVALID_KEY')) showTypoHint();
 * ```
 */
export function isSecureSignError(error: unknown, code?: SecureSignErrorCode): error is SecureSignError {
  return error instanceof SecureSignError && (code === undefined || error.code === code);
}

/** @internal The shared authentication failure, with no cause attached (a cause could tell failures apart). */
export function authenticationFailed(): SecureSignError {
  return new SecureSignError('AUTHENTICATION_FAILED', AUTHENTICATION_FAILED_MESSAGE);
}
