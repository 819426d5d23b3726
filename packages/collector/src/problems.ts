// Every client mistake the collector answers, in one place: the stable `code` clients branch on,
// the HTTP status and a fixed title. Details are fixed strings or built from validated values only,
// so no problem ever echoes an envelope, a token, an address or a stack trace.

/** The stable problem codes of the collector's HTTP API (docs/api.md). */
export const PROBLEMS = {
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'malformed-envelope': { status: 400, title: 'Malformed envelope' },
  'unsupported-version': { status: 400, title: 'Unsupported envelope version' },
  'bad-cursor': { status: 400, title: 'Bad cursor' },
  'bad-limit': { status: 400, title: 'Bad limit' },
  'invalid-request': { status: 400, title: 'Invalid request' },
  'expired-document': { status: 400, title: 'Expired document' },
  'malformed-request': { status: 400, title: 'Malformed HTTP request' },
  'incomplete-request': { status: 400, title: 'Incomplete request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'campaign-closed': { status: 403, title: 'Campaign closed' },
  'withdrawal-refused': { status: 403, title: 'Withdrawal refused' },
  'confirmation-refused': { status: 403, title: 'Confirmation refused' },
  'origin-not-allowed': { status: 403, title: 'Origin not allowed' },
  'unknown-campaign': { status: 404, title: 'Unknown campaign' },
  'not-found': { status: 404, title: 'Not found' },
  'submission-id-conflict': { status: 409, title: 'Submission id conflict' },
  'pow-replayed': { status: 409, title: 'Proof of work replayed' },
  'campaign-exists': { status: 409, title: 'Campaign exists' },
  'stale-document': { status: 409, title: 'Stale document' },
  'submission-removed': { status: 409, title: 'Submission removed' },
  'submission-withdrawn': { status: 409, title: 'Submission withdrawn' },
  'submission-disowned': { status: 409, title: 'Submission disowned' },
  'already-decided': { status: 409, title: 'Already decided' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'signatures-deleted': { status: 410, title: 'Signatures deleted' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'campaign-mismatch': { status: 422, title: 'Campaign mismatch' },
  'key-mismatch': { status: 422, title: 'Key mismatch' },
  'pow-invalid': { status: 422, title: 'Invalid proof of work' },
  'pow-expired': { status: 422, title: 'Proof of work expired' },
  'bad-signature': { status: 422, title: 'Bad signature' },
  'malformed-document': { status: 422, title: 'Malformed document' },
  'rate-limited': { status: 429, title: 'Rate limited' },
  'headers-too-large': { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A stable problem code. */
export type ProblemCode = keyof typeof PROBLEMS;

/** Extension members some problems carry besides the standard ones (RFC 9457 §3.2). */
export interface ProblemExtensions {
  /** `stale-document`: the serial of the document the collector serves under that name. */
  readonly currentSerial?: number;
}

/** An RFC 9457 problem document as the collector sends it. */
export interface Problem extends ProblemExtensions {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
}

/** Base of every problem `type` URI. */
export const PROBLEM_TYPE_BASE = 'https://secure-sign.org/problems/';

/** Builds the problem document for a code. */
export function problem(code: ProblemCode, detail: string, extensions: ProblemExtensions = {}): Problem {
  const { status, title } = PROBLEMS[code];
  return { type: `${PROBLEM_TYPE_BASE}${code}`, title, status, code, detail, ...extensions };
}

/** Thrown inside request handlers to answer with a problem; caught by the app's error handler. */
export class ProblemError extends Error {
  /** The problem to send. */
  readonly problem: Problem;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Extension members of the problem document (e.g. `currentSerial`). */
  readonly extensions: ProblemExtensions;

  constructor(code: ProblemCode, detail: string, headers: Record<string, string> = {}, extensions: ProblemExtensions = {}) {
    super(`${code}: ${detail}`);
    this.name = 'ProblemError';
    this.problem = problem(code, detail, extensions);
    this.headers = headers;
    this.extensions = extensions;
  }
}
