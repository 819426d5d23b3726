// Messages between `decrypt` and its workers.
import type { DecryptedRecord, Format } from './records.js';

/** What a worker starts with. */
export interface WorkerData {
  /** Secret key strings (`sssk1...`) of every key given with --key. */
  readonly secretKeys: readonly string[];
  /** --campaign, if given: envelopes for any other campaign are rejected. */
  readonly campaign: string | undefined;
  /** Output format: workers format each record, so the main thread only orders and writes. */
  readonly format: Format;
  /** Records carry their confirmation secret and language (for `confirm send`; never formatted). */
  readonly confirmation?: boolean | undefined;
}

/**
 * A batch of raw lines; `null` stands for a line that was too long. `as: 'record'` asks for the
 * records themselves (for --dedupe-email, which merges them, and for the conflicts file) instead
 * of their formatted text.
 */
export interface WorkerRequest {
  readonly id: number;
  readonly lines: readonly (Uint8Array | null)[];
  readonly as: 'text' | 'record';
}

/** Where an opened line stands: its submission id, a digest of its ciphertext, and its export `seq` if it had one. */
interface Opened {
  readonly ok: true;
  readonly sid: string;
  /** SHA-256 of the envelope's `ct`, first 16 bytes, base64url: tells a replay from a conflict. */
  readonly digest: string;
  readonly seq: number | undefined;
  /** The envelope's `ch` (checked against the sealed confirmation secret when it opened), if it has one. */
  readonly ch: string | undefined;
}

/**
 * The outcome of one line: the record formatted for the output (a CSV row or one JSON text, with
 * its line break for CSV and NDJSON) or the record itself, or why it was rejected (a
 * SecureSignError code or one of ours).
 */
export type LineResult =
  | (Opened & { readonly text: string; readonly record?: undefined })
  | (Opened & { readonly record: DecryptedRecord; readonly text?: undefined })
  | { readonly ok: false; readonly reason: string };

/** The outcomes of one batch, in the order of its lines. */
export interface WorkerResponse {
  readonly id: number;
  readonly results: readonly LineResult[];
}
