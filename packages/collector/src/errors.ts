// Errors the collector raises on purpose when it cannot start: each has a stable `code` and a
// `hint` that says what to do, which the command prints as its "hint:" line. Client mistakes on
// the HTTP API are problems (problems.ts), not these. Messages never hold database contents,
// tokens or credentials.

/** The stable codes of {@link CollectorError}. New codes may be added; existing ones keep their meaning. */
export type CollectorErrorCode =
  /** The database was migrated by a newer build than this one. */
  | 'schema-too-new'
  /** A native module (the SQLite driver) cannot be loaded by this Node.js. */
  | 'native-module';

/** A failure to start that an operator can fix; `hint` says how. */
export class CollectorError extends Error {
  override readonly name = 'CollectorError';
  readonly code: CollectorErrorCode;
  /** What to do about it, one sentence. */
  readonly hint: string;

  constructor(code: CollectorErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.hint = hint;
  }
}
