// Messages between `decrypt` and its workers.
import type { DecryptedRecord } from './records.js';

/** What a worker starts with. */
export interface WorkerData {
  /** Secret key strings (`sssk1...`) of every key given with --key. */
  readonly secretKeys: readonly string[];
  /** --campaign, if given: envelopes for any other campaign are rejected. */
  readonly campaign: string | undefined;
}

/** A batch of raw lines; `null` stands for a line that was too long. */
export interface WorkerRequest {
  readonly id: number;
  readonly lines: readonly (Uint8Array | null)[];
}

/** The outcome of one line: the record, or why it was rejected (a SecureSignError code or one of ours). */
export type LineResult = { readonly ok: true; readonly record: DecryptedRecord } | { readonly ok: false; readonly reason: string };

/** The outcomes of one batch, in the order of its lines. */
export interface WorkerResponse {
  readonly id: number;
  readonly results: readonly LineResult[];
}
