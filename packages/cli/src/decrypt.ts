// `secure-sign decrypt`: envelopes in, signatures out.
//
// Rules for this file:
// - Memory stays flat: input is read line by line with a bounded line length, at most a few
//   batches are in flight, and output waits for the destination to drain (backpressure). Two
//   things grow with the input: the submission ids seen (a few dozen bytes each, to drop replays),
//   and with --dedupe-email one record per e-mail address, held until the end.
// - Without --dedupe-email, output keeps input order, whatever order the workers finish in; with
//   it, arrival order (the collector's seq; see arrival.ts). Never the signer's createdAt.
// - A bad record never stops the run: it is counted by reason (and written to --rejects), and the
//   exit status says whether every record opened. Replays are counted, conflicts written out.
// - Plaintext goes only to stdout or to a file created 0600; rejects hold only what was read.

import { SingleBar } from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { availableParallelism, tmpdir } from 'node:os';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { CliError, EXIT } from './errors.js';
import { ConflictsFile, EmailGroups, SubmissionIdFile, sidConflict, type ConflictEntry, type KeptRecord } from './arrival.js';
import { createPrivateFile, errno, fileError, finish, isBlank, isWriteError, openInput, say, splitLines, write } from './io.js';
import { WorkerPool } from './pool.js';
import { RANGE_BYTES, type RangeResponse } from './ranges.js';
import type { LineResult } from './protocol.js';
import { csvHeader, formatRecord, isJsonArray, type DecryptedRecord, type Format } from './records.js';
import { PROFILE_TOOLS, type ExportProfile } from './exports/profiles.js';
import { hasForgeries, isCancelled, isEventLine, scanWithdrawals, withdrawalSummary, type Withdrawals } from './withdrawals.js';
import { MAX_ENVELOPE_BYTES } from '@secure-sign/crypto';

/** Longest input line read: an envelope of the largest size, inside a collector export line. */
export const MAX_LINE_BYTES = MAX_ENVELOPE_BYTES + 4096;
const BATCH_LINES = 256;
/**
 * The shortest line an envelope that opens can be: its ct seals at least the smallest padding
 * bucket (1,024 bytes) plus the sealed box's 48, 1,430 characters in base64url. Only used to size
 * the submission-id table (a wrong guess costs a rehash or some disk, never a wrong answer).
 */
const MIN_RECORD_BYTES = 1430;

export type { Format } from './records.js';

/** Options of {@link decrypt}. */
export interface DecryptOptions {
  /** Secret key strings of every key to try (matched by key id). */
  readonly secretKeys: readonly string[];
  readonly input: string | undefined;
  readonly output: string | undefined;
  readonly format: Format;
  readonly rejects: string | undefined;
  readonly dedupeEmail: boolean;
  /** Where conflicts go (NDJSON, 0600), created only if there is one. */
  readonly conflicts: string;
  readonly campaign: string | undefined;
  readonly force: boolean;
  readonly jobs: number | undefined;
  readonly csvBom: boolean;
  /** Keep only signatures confirmed by the owner of their e-mail address (`--confirmed-only`). */
  readonly confirmedOnly?: boolean | undefined;
}

/**
 * What `confirm send` asks of the decryption: the same opening, replay and withdrawal steps, one
 * record per e-mail address (first arrival), records kept in memory with their confirmation
 * secret and language instead of written out.
 */
export interface CollectOptions {
  readonly secretKeys: readonly string[];
  readonly input: string;
  readonly campaign: string | undefined;
  readonly jobs: number | undefined;
}

/** What a run did. */
export interface DecryptSummary {
  readonly records: number;
  readonly opened: number;
  readonly written: number;
  /** Exact repeats of a submission id (same ciphertext), dropped. */
  readonly replays: number;
  /** Records merged into an earlier one with the same e-mail and content (--dedupe-email). */
  readonly duplicates: number;
  /** Records left out for a conflict: same submission id with another ciphertext. */
  readonly sidConflicts: number;
  /** Records left out for a conflict: same e-mail with other content (--dedupe-email). */
  readonly emailConflicts: number;
  /** The conflicts file, if one was written. */
  readonly conflictsFile: string | undefined;
  readonly rejected: ReadonlyMap<string, number>;
  /** Withdrawals and removals in the input (withdrawals.ts): those signatures are left out, forged ones kept. */
  readonly withdrawals: Withdrawals;
  /** The output format, and how many signers it left out because they did not agree to be contacted. */
  readonly format: Format;
  readonly notContactable: number;
  /** With --confirmed-only: signatures left out because nobody confirmed them (or the confirmation did not match their ch). */
  readonly unconfirmed: number;
  /** Only for `confirm send`: one record per e-mail address, arrival order, with the submission ids merged into it. */
  readonly kept?: readonly KeptRecord[];
}

/**
 * Writes records, already formatted by the workers, in one of the formats. Records are gathered
 * and written a batch at a time (at the end of each batch of results, or every 64 KiB): one write
 * per record cost this thread a call and a buffer each.
 */
class RecordWriter {
  #first = true;
  #parts: string[] = [];
  #size = 0;
  constructor(readonly stream: Writable, readonly format: Format, readonly bom: boolean) {}

  async start(): Promise<void> {
    const header = csvHeader(this.format);
    if (header) await write(this.stream, stringify([[...header]], { bom: this.bom }));
    if (isJsonArray(this.format)) await write(this.stream, '[');
  }

  async record(text: string): Promise<void> {
    const part = isJsonArray(this.format) ? (this.#first ? '\n' : ',\n') + text : text;
    this.#first = false;
    this.#parts.push(part);
    this.#size += part.length;
    if (this.#size >= 64 * 1024) await this.flush();
  }

  /** Writes the records gathered so far. */
  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const chunk = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    await write(this.stream, chunk);
  }

  async end(): Promise<void> {
    await this.flush();
    if (isJsonArray(this.format)) await write(this.stream, this.#first ? ']\n' : '\n]\n');
  }
}

/**
 * Decrypts a file (or stdin) of envelopes, one per line, with worker threads.
 *
 * @throws {@link CliError} for I/O failures; bad records are counted, not thrown.
 */
export async function decrypt(options: DecryptOptions): Promise<DecryptSummary> {
  return readTwice(options.input, (input) => decryptFile({ ...options, input }));
}

/**
 * Runs `run` on `input` if it is a regular file (or a folder, which `run` refuses clearly);
 * anything else (stdin, a named pipe, a shell's `<(…)`, which is /dev/fd/N, a device), which may
 * be readable only once, is first copied (ciphertext only) to a private temporary file, removed at
 * the end: withdrawals may come after the envelope they withdraw, so the input is read twice.
 */
async function readTwice<T>(input: string | undefined, run: (input: string) => Promise<T>): Promise<T> {
  const path = input !== undefined && input !== '-' ? input : undefined;
  if (path !== undefined) {
    const stats = await inputSize(path);
    if (stats.isFile() || stats.isDirectory()) return run(path);
  }
  const dir = await mkdtemp(join(tmpdir(), 'secure-sign-decrypt-'));
  const spool = join(dir, 'input.ndjson');
  try {
    try {
      await pipeline(path === undefined ? process.stdin : createReadStream(path), createWriteStream(spool, { mode: 0o600, flags: 'wx' }));
    } catch (error) {
      throw errno(error) !== undefined ? fileError(error, path ?? 'stdin', 'cannot read') : error;
    }
    return await run(spool);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Opens a pulled envelope file for `confirm send`: every record that opens, with its confirmation
 * secret and language, after the steps of `decrypt --dedupe-email` (replays dropped, withdrawn,
 * removed and disowned signatures left out, one record per e-mail address, the first to arrive).
 * Nothing is written: conflicts are counted only.
 */
export async function collectRecords(options: CollectOptions): Promise<DecryptSummary> {
  return readTwice(options.input, (input) =>
    decryptFile({ ...options, input, output: undefined, format: 'ndjson', rejects: undefined, dedupeEmail: true, conflicts: '', force: false, csvBom: false }, true),
  );
}

async function decryptFile(options: DecryptOptions, collect = false): Promise<DecryptSummary> {
  if (!collect && (options.output === undefined || options.output === '-')) {
    // Refuse to spray personal data over a shared screen by accident; --force allows it.
    if (process.stdout.isTTY && !options.force) {
      throw new CliError('refusing to write decrypted personal data to the terminal', 'pass -o FILE, pipe the output, or pass --force');
    }
  }
  const inputStat = options.input !== undefined && options.input !== '-' ? await inputSize(options.input) : undefined;
  const total = inputStat?.size;
  // A regular file is read by the workers themselves, in byte ranges; a pipe by this thread.
  const rangePath = inputStat?.isFile() ? options.input : undefined;
  for (const [name, path] of [['-o', options.output], ['--rejects', options.rejects], ['--conflicts', options.conflicts]] as const) {
    if (path !== undefined && path !== '-' && options.input !== undefined && options.input !== '-' && resolve(path) === resolve(options.input)) {
      throw new CliError(`${name} is the input file`, 'write the output to another file', EXIT.USAGE);
    }
  }
  if (options.output !== undefined && options.output !== '-' && resolve(options.output) === resolve(options.conflicts)) {
    throw new CliError('--conflicts is the output file', 'give the conflicts file another name', EXIT.USAGE);
  }

  // Withdrawals and confirmations first (a read of the whole input): before any worker runs or
  // output file exists, so that a read error leaves nothing running and nothing behind.
  const withdrawals = await scanWithdrawals(options.input as string).catch((error: unknown) => {
    throw errno(error) !== undefined ? fileError(error, options.input as string, 'cannot read') : error;
  });
  // Submission ids are remembered in a file, not in memory (arrival.ts), sized for the most records
  // the input can hold: an envelope that opens is at least MIN_RECORD_BYTES long. Created before
  // the workers, so that if it cannot be, nothing is left running.
  let sids: SubmissionIdFile;
  try {
    sids = new SubmissionIdFile(total === undefined ? 0 : total / MIN_RECORD_BYTES);
  } catch (error) {
    throw fileError(error, tmpdir(), 'cannot create a temporary file in');
  }
  // Workers first: if they cannot start, no output file is left behind.
  const jobs = Math.max(1, options.jobs ?? availableParallelism());
  const pool = await WorkerPool.start(jobs, { secretKeys: options.secretKeys, campaign: options.campaign, format: options.format, confirmation: collect }).catch((error: unknown) => {
    sids.close();
    throw error;
  });
  const as = options.dedupeEmail ? 'record' : 'text';
  const input = rangePath === undefined ? openInput(options.input) : undefined;

  let outHandle: FileHandle | undefined;
  let rejectHandle: FileHandle | undefined;
  try {
    outHandle = collect || options.output === undefined || options.output === '-' ? undefined : await createPrivateFile(options.output, options.force);
    rejectHandle = options.rejects === undefined ? undefined : await createPrivateFile(options.rejects, options.force, 'rejects file');
  } catch (error) {
    // Running workers would keep the process alive.
    sids.close();
    await pool.close();
    await outHandle?.close();
    throw error;
  }
  const out: Writable = outHandle ? outHandle.createWriteStream() : collect ? new PassThrough().resume() : process.stdout;
  // Failures surface through write() (stream.errored); this listener only keeps an early one,
  // such as a closed pipe, from crashing the process.
  const ignore = (): void => {};
  out.on('error', ignore);
  const rejectOut = rejectHandle?.createWriteStream();

  const writer = new RecordWriter(out, options.format, options.csvBom);
  const bar = process.stderr.isTTY && total !== undefined
    ? new SingleBar({ stream: process.stderr, format: 'secure-sign: decrypting [{bar}] {percentage}% | {records} records', hideCursor: true })
    : undefined;
  bar?.start(total ?? 0, 0, { records: 0 });

  const rejected = new Map<string, number>();
  let records = 0;
  let opened = 0;
  let written = 0;
  let bytesRead = 0;
  let events = 0;
  const groups = options.dedupeEmail ? new EmailGroups() : undefined;
  // confirm send keeps no conflicts file: a conflict's records hold a confirmation secret, and
  // `decrypt --dedupe-email` is where staff review them.
  const conflicts = collect ? new DiscardedConflicts() : new ConflictsFile(options.conflicts, options.force);
  let unconfirmed = 0;
  let emailConflicts = 0;
  let duplicates = 0;
  // Signers an export profile leaves out (formatRecord gave no text): no consent to be contacted.
  let notContactable = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let collected: KeptRecord[] | undefined;

  /** A batch: line numbers, the bytes of each line (from a range, only of rejected lines), and where each starts in the file (ranges). */
  type Batch = { numbers: number[]; lines: (Uint8Array | null)[]; at?: readonly number[] };
  const handle = async (batch: Batch, results: readonly LineResult[]): Promise<void> => {
    for (let i = 0; i < results.length; i++) {
      const result = results[i] as LineResult;
      const line = batch.numbers[i] as number;
      if (result.ok) {
        opened++;
        if (isCancelled(withdrawals, result.sid)) continue;
        const admitted = sids.admit(result.sid, result.digest, line, result.seq);
        if (admitted === 'replay') continue;
        // Confirmed: a confirmation line whose secret hashes to the ch of this very envelope (the
        // one that opened, so its ch is bound to the sealed secret), not just any line naming it.
        if (options.confirmedOnly && admitted === 'new' && (result.ch === undefined || withdrawals.confirmed.get(result.sid) !== result.ch)) {
          unconfirmed++;
          continue;
        }
        if (admitted !== 'new') {
          // Rare: the record itself is fetched again (the workers sent it formatted) for the review file.
          const at = batch.at?.[i];
          const again = rangePath !== undefined && at !== undefined
            ? (await pool.runRange(rangePath, at, at + 1, 'record')).results[0]
            : (await pool.run([batch.lines[i] ?? null], 'record'))[0];
          const record = result.record ?? recordOf(again);
          await conflicts.write([...(admitted.kept ? [admitted.kept] : []), sidConflict(record, line)]);
          continue;
        }
        if (groups) {
          groups.add(result.record as DecryptedRecord, line);
        } else if (result.text === '') {
          notContactable++;
        } else {
          await writer.record(result.text as string);
          written++;
        }
      } else {
        const bytes = batch.lines[i];
        // A withdrawal, removal or removed-envelope line of `pull`: not a record to open.
        if (bytes && isEventLine(bytes)) {
          events++;
          continue;
        }
        rejected.set(result.reason, (rejected.get(result.reason) ?? 0) + 1);
        if (rejectOut) {
          const bytes = batch.lines[i];
          let text: string | undefined;
          try {
            text = bytes ? decoder.decode(bytes) : undefined;
          } catch {
            text = undefined;
          }
          await write(rejectOut, JSON.stringify({ line, reason: result.reason, ...(text === undefined ? {} : { text }) }) + '\n');
        }
      }
    }
    await writer.flush();
    bar?.update(bytesRead, { records });
  };

  try {
    await writer.start();
    const inFlight: { batch: { numbers: number[]; lines: (Uint8Array | null)[] }; results: Promise<readonly LineResult[]> }[] = [];
    const maxInFlight = jobs * 2;
    let batch = { numbers: [] as number[], lines: [] as (Uint8Array | null)[] };
    const flushOne = async (): Promise<void> => {
      const next = inFlight.shift();
      // (Not Promise.race with a long-lived promise: each race would leave a reaction on it that
      // keeps this batch's results alive until the end, so memory would grow with the input.)
      if (next) await handle(next.batch, await next.results);
    };
    const send = async (): Promise<void> => {
      if (batch.lines.length === 0) return;
      const results = pool.run(batch.lines, as);
      results.catch(() => {});
      inFlight.push({ batch, results });
      batch = { numbers: [], lines: [] };
      while (inFlight.length >= maxInFlight) await flushOne();
    };
    if (rangePath !== undefined && total !== undefined) {
      // The workers read and split the file; here, ranges are handed out and answers put in order.
      const ranges: { end: number; response: Promise<RangeResponse> }[] = [];
      let linesBefore = 0;
      const flushRange = async (): Promise<void> => {
        const next = ranges.shift();
        if (!next) return;
        const response = await next.response;
        const numbers = response.numbers.map((n) => linesBefore + n);
        linesBefore += response.count;
        records += response.results.length;
        bytesRead = next.end;
        await handle({ numbers, lines: [...response.rejected], at: response.at }, response.results);
      };
      for (let start = 0; start < total; start += RANGE_BYTES) {
        const end = Math.min(start + RANGE_BYTES, total);
        const response = pool.runRange(rangePath, start, end, as);
        response.catch(() => {});
        ranges.push({ end, response });
        while (ranges.length >= maxInFlight) await flushRange();
      }
      while (ranges.length > 0) await flushRange();
    } else if (input !== undefined) {
      for await (const line of splitLines(input, MAX_LINE_BYTES)) {
        bytesRead += (line.bytes?.length ?? MAX_LINE_BYTES) + 1;
        if (line.bytes !== undefined && isBlank(line.bytes)) continue;
        records++;
        batch.numbers.push(line.number);
        batch.lines.push(line.bytes ?? null);
        if (batch.lines.length >= BATCH_LINES) await send();
      }
      await send();
      while (inFlight.length > 0) await flushOne();
    }
    let kept: KeptRecord[] | undefined;
    if (groups) {
      const result = groups.finish();
      duplicates = result.merged;
      emailConflicts = result.conflicts;
      await conflicts.write(result.entries);
      if (collect) kept = result.kept;
      for (const { record } of collect ? [] : result.kept) {
        const text = formatRecord(record, options.format);
        if (text === '') {
          notContactable++;
          continue;
        }
        await writer.record(text);
        written++;
      }
    }
    await writer.end();
    if (kept !== undefined) collected = kept;
    // Flushing and closing a file can still fail (a full disk): that must fail the run.
    if (outHandle) await finish(out);
    if (rejectOut) await finish(rejectOut);
    await conflicts.close();
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (isWriteError(error)) {
      throw new CliError(`cannot write ${options.output === undefined || options.output === '-' ? 'to stdout' : options.output}: ${errorText(error)}`, 'the output is incomplete');
    }
    if (errno(error) !== undefined && options.input !== undefined && options.input !== '-') throw fileError(error, options.input, 'cannot read');
    throw new CliError(`decryption failed: ${errorText(error)}`, undefined, EXIT.FAILURE, { cause: error });
  } finally {
    bar?.stop();
    sids.close();
    await pool.close();
    if (outHandle && !out.writableFinished) out.destroy();
    if (!outHandle) out.off('error', ignore);
    if (rejectOut && !rejectOut.writableFinished) rejectOut.destroy();
    conflicts.abandon();
    if (options.input !== undefined && options.input !== '-') input?.destroy();
  }
  return {
    records: records - events,
    opened,
    written,
    replays: sids.replays,
    duplicates,
    sidConflicts: sids.conflicts,
    emailConflicts,
    conflictsFile: conflicts.written > 0 ? options.conflicts : undefined,
    rejected,
    withdrawals,
    format: options.format,
    notContactable,
    unconfirmed,
    ...(collected === undefined ? {} : { kept: collected }),
  };
}

/** Conflicts counted but not written anywhere (confirm send). */
class DiscardedConflicts extends ConflictsFile {
  constructor() {
    super('', false);
  }

  override async write(entries: readonly ConflictEntry[]): Promise<void> {
    this.written += entries.length;
  }
}

function recordOf(result: LineResult | undefined): DecryptedRecord {
  // The same line opened a moment ago; anything else is a bug, not bad input.
  if (!result?.ok || !result.record) throw new Error('a line that opened did not open again');
  return result.record;
}

async function inputSize(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw fileError(error, path, 'cannot read');
  }
}

function errorText(error: unknown): string {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined;
  return code ?? (error instanceof Error ? error.name : 'unknown error');
}

/** Prints the summary of a run on stderr and returns the exit status. */
export function report(summary: DecryptSummary, dedupe: boolean, confirmedOnly = false): number {
  say(`opened ${summary.opened} of ${summary.records} records`);
  if (summary.replays > 0) say(`dropped ${summary.replays} replays (same submission id and ciphertext as an earlier line)`);
  if (dedupe) say(`dropped ${summary.duplicates} duplicates by e-mail; wrote ${summary.written} records`);
  if (summary.notContactable > 0) {
    const n = summary.notContactable;
    const tool = Object.hasOwn(PROFILE_TOOLS, summary.format) ? PROFILE_TOOLS[summary.format as ExportProfile] : summary.format;
    say(`left out ${n} ${n === 1 ? 'signer' : 'signers'} who did not agree to be contacted: an import into ${tool} subscribes everyone in it`);
  }
  reportConflicts(summary.sidConflicts, summary.emailConflicts, summary.conflictsFile);
  const failed = summary.records - summary.opened;
  for (const line of withdrawalSummary(summary.withdrawals)) say(line);
  if (confirmedOnly) say(unconfirmedLine(summary.unconfirmed));
  const forged = hasForgeries(summary.withdrawals);
  if (failed === 0) return forged ? EXIT.MISBEHAVIOUR : EXIT.OK;
  const counts = [...summary.rejected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, n]) => `${code} ${n}`).join(', ');
  say(`rejected ${failed}: ${counts}`);
  say(`error: ${failed} of ${summary.records} records could not be opened`);
  say('hint: the counts above give the reasons; --rejects FILE keeps those lines for inspection');
  return forged ? EXIT.MISBEHAVIOUR : EXIT.SOME_REJECTED;
}

/** The summary line of `--confirmed-only`. */
export function unconfirmedLine(n: number): string {
  return `--confirmed-only: left out ${n} unconfirmed ${n === 1 ? 'signature' : 'signatures'} (no confirmation by the owner of the e-mail address)`;
}

/** Says how many records were left out for a conflict, and where both sides are. */
export function reportConflicts(bySid: number, byEmail: number, file: string | undefined, sidDiffers = 'another ciphertext'): void {
  if (bySid + byEmail === 0 || file === undefined) return;
  const kinds = [
    ...(bySid > 0 ? [`${bySid} with the submission id of an earlier record but ${sidDiffers}`] : []),
    ...(byEmail > 0 ? [`${byEmail} with the e-mail address of an earlier record but other content`] : []),
  ];
  say(`warning: ${bySid + byEmail} conflicting records left out (${kinds.join('; ')}); the first arrival was kept`);
  say(`warning: both sides of each conflict are in ${file}: review them`);
}
