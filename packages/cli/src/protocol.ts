// Messages between `decrypt` and its workers.
import type { Format } from './decrypt.js';

/** What a worker starts with. */
export interface WorkerData {
  /** Secret key strings (`sssk1...`) of every key given with --key. */
  readonly secretKeys: readonly string[];
  /** --campaign, if given: envelopes for any other campaign are rejected. */
  readonly campaign: string | undefined;
  /** Output format: workers format each record, so the main thread only orders and writes. */
  readonly format: Format;
  /** --dedupe-email: send each record's e-mail key and time along. */
  readonly dedupe: boolean;
}

/** A batch of raw lines; `null` stands for a line that was too long. */
export interface WorkerRequest {
  readonly id: number;
  readonly lines: readonly (Uint8Array | null)[];
}

/**
 * The outcome of one line: the record formatted for the output (a CSV row or one JSON text, with
 * its line break for CSV and NDJSON), or why it was rejected (a SecureSignError code or one of
 * ours). With --dedupe-email, `email` is the normalised address and `time` the createdAt in ms.
 */
export type LineResult =
  | { readonly ok: true; readonly text: string; readonly email?: string; readonly time?: number }
  | { readonly ok: false; readonly reason: string };

/** The outcomes of one batch, in the order of its lines. */
export interface WorkerResponse {
  readonly id: number;
  readonly results: readonly LineResult[];
}
