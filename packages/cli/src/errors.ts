/**
 * Errors of the secure-sign CLI.
 *
 * Rules for this file:
 * - A {@link CliError} is a failure the user can act on: it carries a message and a hint, both
 *   printed as `secure-sign: error: ...` and `secure-sign: hint: ...`, and the exit status.
 * - Messages never contain a passphrase, a secret key, a token or decrypted personal data.
 *
 * @packageDocumentation
 */

/** Exit statuses of `secure-sign` (also listed in docs/cli.md). */
export const EXIT = Object.freeze({
  /** Everything worked; for `decrypt`, every record opened. */
  OK: 0,
  /** The command failed: bad file, wrong passphrase, collector error, bad signature, ... */
  FAILURE: 1,
  /** The command line itself is wrong: unknown option, missing argument. */
  USAGE: 2,
  /** `decrypt` finished but some records could not be opened (counted by reason on stderr). */
  SOME_REJECTED: 3,
  /** `receipt check`: the entry is not in a checkpoint yet; retry later. */
  NOT_YET: 4,
  /** `receipt check`: the signature was withdrawn by its signer or removed by the collector's operator. */
  WITHDRAWN: 5,
  /**
   * Proof that the collector misbehaved: `receipt check` found a promised entry missing or a forged
   * withdrawal; `decrypt` and `wall build` found withdrawals whose secret is not the envelope's.
   */
  MISBEHAVIOUR: 6,
});

/**
 * A failure reported to the user with a hint on what to do.
 *
 * @example
 * ```ts
 * throw new CliError('out.csv already exists', 'pass --force to overwrite it');
 * ```
 */
export class CliError extends Error {
  /** What the user can do about it. */
  readonly hint: string | undefined;
  /** The process exit status. */
  readonly exitCode: number;

  /**
   * @param message - what went wrong, without secrets.
   * @param hint - what to do about it.
   * @param exitCode - {@link EXIT.FAILURE} by default.
   */
  constructor(message: string, hint?: string, exitCode: number = EXIT.FAILURE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}
