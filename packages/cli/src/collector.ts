// Talking to a collector (docs/api.md). The collector is untrusted: every response is size-bounded
// and validated, and nothing it says is printed without being checked first.
//
// Rules for this file:
// - Tokens are sent only in the Authorization header, only over https (or plain http to this
//   machine, for local use), and never appear in a message.
// - A problem+json answer is reported by its `code` only (a hostile collector controls its text).

import { MAX_NOTE_BYTES } from '@secure-sign/crypto/log';
import { MAX_ENVELOPE_BYTES, campaignIdSchema, isoTimestampSchema, parseEnvelope } from '@secure-sign/crypto';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import * as z from 'zod';
import { CliError } from './errors.js';
import { errno, fileError, isBlank, readSmallFile, say, splitLines, writeFileAtomic } from './io.js';
import { MAX_LINE_BYTES } from './decrypt.js';
import { hashOf } from './withdrawals.js';
import { eventLineSchema, publishedLog, witnessKey, type EventLine, type Witnesses } from './log.js';
import { checkLog, verifyLines, type LineCheck } from './pull-log.js';

const TOKEN = /^sst_[A-Za-z0-9_-]{43}$/;
/** Largest JSON body read from a collector, other than an export. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Checks and normalises a collector base URL. */
export function collectorUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--collector ${JSON.stringify(text)} is not a URL`, 'pass the collector base URL, e.g. https://collector.example.org');
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new CliError(`--collector must be an https URL (got ${url.protocol}//)`, 'plain http is allowed only to this machine (localhost)');
  }
  if (url.username || url.password) throw new CliError('--collector must not contain a user name or password', 'pass the token with --token-file');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

/** Checks a campaign id given on the command line. */
export function campaignId(text: string): string {
  if (!campaignIdSchema.safeParse(text).success) {
    throw new CliError(`${JSON.stringify(text)} is not a campaign id`, 'campaign ids are 1-64 of a-z, 0-9 and inner hyphens');
  }
  return text;
}

/** Reads a staff or admin token from a file (or SECURE_SIGN_TOKEN), checking its shape. */
export async function readToken(file: string | undefined, kind: 'staff' | 'admin'): Promise<string> {
  let token: string;
  if (file !== undefined) {
    token = (await readSmallFile(file, 4096, `${kind} token file`)).trim();
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) say(`warning: ${kind} token file ${file} can be read by other users (chmod 600 ${file})`);
  } else {
    const env = kind === 'staff' ? 'SECURE_SIGN_TOKEN' : 'SECURE_SIGN_ADMIN_TOKEN';
    const value = process.env[env];
    if (value === undefined) throw new CliError(`no ${kind} token`, `pass --token-file FILE (or set ${env})`, 2);
    token = value.trim();
  }
  if (kind === 'staff' && !TOKEN.test(token)) throw new CliError(`the ${kind} token is malformed`, 'a staff token is sst_ followed by 43 characters, as printed by `secure-sign-collector campaign add`');
  if (kind === 'admin' && (token.length < 16 || token.length > 512 || /\s/.test(token))) throw new CliError('the admin token is malformed');
  return token;
}

/** Aborts a request when nothing arrived for `ms` (a stalled or hostile collector cannot hang us). */
interface IdleTimer {
  readonly signal: AbortSignal;
  kick(): void;
  stop(): void;
}

function idleTimer(ms: number): IdleTimer {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), ms);
  return {
    signal: controller.signal,
    kick() {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), ms);
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

/** Sends a request; network failures become {@link CliError}s. The caller stops the timer. */
async function request(url: URL, init: RequestInit, timer: IdleTimer): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: timer.signal, redirect: 'error' });
  } catch (error) {
    timer.stop();
    const why = timer.signal.aborted ? 'timed out' : 'cannot connect';
    throw new CliError(`collector ${url.origin}: ${why}`, 'check --collector and that the collector is running', undefined, { cause: error });
  }
}

/** Sends a request and reads its whole (bounded) body. */
async function exchange(url: URL, init: RequestInit, timeoutMs: number, doing: string): Promise<{ response: Response; body: string }> {
  const timer = idleTimer(timeoutMs);
  try {
    const response = await request(url, init, timer);
    if (!response.ok) throw await failure(response, doing);
    return { response, body: await readBody(response, MAX_BODY_BYTES) };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${doing}: connection to the collector lost or timed out`, undefined, undefined, { cause: error });
  } finally {
    timer.stop();
  }
}

/** Reads at most `max` bytes of a body. */
async function readBody(response: Response, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > max) throw new CliError(`the collector sent more than ${max} bytes`, 'is --collector the right URL?');
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A problem+json answer: its `code` and, for `stale-document`, `currentSerial` (each only when well-formed). */
async function readProblem(response: Response): Promise<{ code: string | undefined; currentSerial: number | undefined }> {
  let code: string | undefined;
  let currentSerial: number | undefined;
  try {
    const body: unknown = JSON.parse(await readBody(response, 64 * 1024));
    if (typeof body === 'object' && body !== null) {
      if ('code' in body && typeof body.code === 'string' && /^[a-z0-9-]{1,64}$/.test(body.code)) code = body.code;
      if ('currentSerial' in body && Number.isSafeInteger(body.currentSerial) && (body.currentSerial as number) >= 1) currentSerial = body.currentSerial as number;
    }
  } catch {
    code = undefined;
  }
  return { code, currentSerial };
}

/** Turns a non-2xx answer into a {@link CliError}, trusting only its `code` (when well-formed). */
async function failure(response: Response, doing: string): Promise<CliError> {
  return problemError(response.status, await readProblem(response), doing);
}

function problemError(status: number, { code, currentSerial }: { code: string | undefined; currentSerial: number | undefined }, doing: string): CliError {
  if (code === 'stale-document') {
    return new CliError(
      `${doing}: the collector answered 409 stale-document: it already serves a document with ${currentSerial === undefined ? 'the same or a higher serial' : `serial ${currentSerial}`}`,
      'sign again so the serial increases (secure-sign wall sign --collector URL ... reads the served serial), then publish the new file',
    );
  }
  const hints: Record<string, string> = {
    unauthorized: 'check the token file: is it the staff token of this campaign (or the admin token)?',
    'unknown-campaign': 'check --campaign; the campaign must be registered with this collector',
    'campaign-exists': 'the campaign is already registered; rotate its token with the collector if it was lost',
    'bad-signature': 'sign the document with this campaign\'s key (secure-sign wall sign --key ...)',
    'malformed-document': 'upload a document written by `secure-sign wall sign`',
    'rate-limited': 'wait a little and try again',
    'expired-document': 'the document is past its validUntil: sign it again (secure-sign wall sign, --valid-for to choose how long)',
  };
  return new CliError(`${doing}: the collector answered ${status}${code ? ` ${code}` : ''}`, (code && hints[code]) ?? undefined);
}

const exportLineSchema = z.object({
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  receivedAt: isoTimestampSchema,
  envelope: z.unknown(),
});

const stateSchema = z.strictObject({
  v: z.literal(1),
  collector: z.string(),
  campaign: z.string(),
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  // The log (pull-log.ts): the pinned key, the last checkpoint verified, how far the file matches it.
  logKey: z.string().max(1000).optional(),
  witnesses: z
    .strictObject({
      keys: z.array(z.string().max(1000).refine((k) => { try { return witnessKey(k, 'state') === k; } catch { return false; } })).min(1).max(64),
      quorum: z.number().int().min(1).max(64),
    })
    .refine((w) => w.quorum <= w.keys.length)
    .optional(),
  checkpoint: z.strictObject({ size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), root: z.string().max(100), note: z.string().max(MAX_NOTE_BYTES) }).optional(),
  verified: z
    .strictObject({
      seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      stored: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      withdrawn: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      removed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      // Absent in a state written before confirmations existed (then 0).
      confirmed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      disowned: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .optional(),
});
type PullState = z.infer<typeof stateSchema>;

/** Options of {@link pull}. */
export interface PullOptions {
  readonly collector: URL;
  readonly campaign: string;
  readonly token: string;
  readonly out: string;
  /** State file; `<out>.state.json` by default. */
  readonly state: string | undefined;
  /**
   * Envelopes per request; each page is committed (fsynced, then state saved) before the next. A
   * page with more lines than this is refused (after keeping the valid lines up to the limit).
   */
  readonly pageSize: number;
  /**
   * Most bytes of export (as received, after any content decoding) read in one run; past it the
   * run stops with an error, keeping every complete valid line before it. {@link DEFAULT_MAX_PULL_BYTES} by default.
   */
  readonly maxBytes?: number | undefined;
  /** The log verifier key to pin (else the one pinned in the state, else the one published, loudly). */
  readonly logKey?: string | undefined;
  /** Witnesses whose cosignatures the checkpoint must carry (else those pinned in the state); pinned on first use. */
  readonly witnesses?: Witnesses | undefined;
  /** Replace the pinned witnesses by {@link witnesses} (none if undefined), on purpose. */
  readonly repinWitnesses?: boolean | undefined;
  readonly timeoutMs: number;
  /** The clock for the retention warning (ms since 1970; `Date.now` by default). */
  readonly now?: (() => number) | undefined;
}

async function readState(path: string, options: PullOptions): Promise<PullState | undefined> {
  let text: string;
  try {
    text = await readSmallFile(path, 256 * 1024, 'state file');
  } catch (error) {
    if (error instanceof CliError && errno(error.cause) === 'ENOENT') return undefined;
    throw error;
  }
  let state: PullState;
  try {
    state = stateSchema.parse(JSON.parse(text));
  } catch {
    throw new CliError(`state file ${path} is damaged`, `remove it and ${options.out} to pull everything again`);
  }
  if (state.campaign !== options.campaign || state.collector !== options.collector.href) {
    throw new CliError(`state file ${path} is for campaign ${state.campaign} at ${state.collector}`, 'use another --out (or --state) for another campaign or collector');
  }
  return state;
}

/** Writes the state atomically: temporary file, fsync, rename, fsync of the folder. */
async function writeState(path: string, state: PullState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(state) + '\n');
}

/** Default of `pull --max-bytes`: 1 GiB of export per run (about 600,000 envelopes of the largest bucket). */
export const DEFAULT_MAX_PULL_BYTES = 1024 * 1024 * 1024;

/**
 * Opens the envelope file for appending without ever following a symbolic link: a new file is
 * created with O_EXCL (so a link or file planted between two steps is never written through), an
 * existing one is opened with O_NOFOLLOW and must be a regular file.
 */
async function openEnvelopeFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw fileError(error, path, 'cannot write');
  }
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw fileError(error, path, 'cannot write');
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new CliError(`${path} is not a regular file`, 'pull appends to a file of its own: give a file name');
  }
  return handle;
}

/** What {@link pull} did. */
export interface PullSummary {
  /** New lines of every kind. */
  readonly fetched: number;
  /** Of which withdrawals, operator removals, envelopes whose ciphertext is gone, confirmations and disownings. */
  readonly withdrawals: number;
  readonly removals: number;
  readonly removed: number;
  readonly confirmations: number;
  readonly disownings: number;
  readonly lastSeq: number;
  /** What the check against the log found. */
  readonly log: LineCheck;
  /** The witnesses required and the names of those that cosigned the checkpoint (none pinned: undefined). */
  readonly witnesses: { readonly required: Witnesses; readonly cosigned: readonly string[] } | undefined;
}

/**
 * Appends the envelopes stored since the last pull to `out`, one export line per envelope:
 * `{"seq":N,"receivedAt":"...","envelope":{...}}`, so the collector's arrival order stays with
 * each envelope (decrypt and wall build choose between records by it).
 *
 * Crash safety: the state file records the last `seq` and the size of `out` after the data was
 * fsynced. A run that finds `out` longer than recorded cuts it back first (those lines came from
 * an interrupted pull and are fetched again), so no line is ever written twice.
 *
 * @throws {@link CliError} on a network, HTTP or validation failure; what was committed stays.
 */
export async function pull(options: PullOptions): Promise<PullSummary> {
  const statePath = options.state ?? `${options.out}.state.json`;
  const state: PullState = (await readState(statePath, options)) ?? { v: 1, collector: options.collector.href, campaign: options.campaign, lastSeq: 0, size: 0 };
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PULL_BYTES;
  // The log first: a key or a history that does not check out stops the pull before anything is written.
  const { body: campaignText } = await exchange(new URL(`v1/campaigns/${options.campaign}`, options.collector), {}, options.timeoutMs, 'reading the campaign');
  let campaignAnswer: unknown;
  try {
    campaignAnswer = JSON.parse(campaignText);
  } catch {
    campaignAnswer = undefined;
  }
  warnRetention(campaignAnswer, options.now ?? Date.now);
  const log = await checkLog(options, state, statePath, campaignAnswer);
  // Everything below goes through this one descriptor (size, cut back, append), never the path again.
  const handle = await openEnvelopeFile(options.out);
  try {
    const size = (await handle.stat()).size;
    if (size < state.size) {
      throw new CliError(`${options.out} is shorter than when it was last pulled`, `restore it, or remove it and ${statePath} to pull everything again`);
    }
    if (size > state.size) {
      if (state.size === 0 && state.lastSeq === 0 && size > 0) {
        throw new CliError(`${options.out} exists but has no state file`, `pass the right --state, or another --out`);
      }
      await handle.truncate(state.size);
      say(`removed ${size - state.size} bytes left by an interrupted pull`);
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  let received = 0;
  const bar = process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: 'secure-sign: pulling [{bar}] {value}/{total} envelopes', hideCursor: true }) : undefined;
  let fetched = 0;
  const events = { withdrawals: 0, removals: 0, removed: 0, confirmations: 0, disownings: 0 };
  // The `ch` each confirmation line is checked against (the envelope's, when the file holds it).
  const hashes = new ConfirmationHashes(handle, state.size);
  let check: LineCheck;
  try {
    if (bar) bar.start(countOf(campaignAnswer), 0);
    for (;;) {
      const url = new URL(`v1/campaigns/${options.campaign}/export`, options.collector);
      url.searchParams.set('after', String(state.lastSeq));
      url.searchParams.set('limit', String(options.pageSize));
      const timer = idleTimer(options.timeoutMs);
      // Counts the bytes of every answer of this run; past --max-bytes the run stops (the lines
      // already complete are validated and kept first, as for any other failure).
      const capped = async function* (body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
        for await (const chunk of body) {
          received += chunk.length;
          if (received > maxBytes) {
            yield chunk.subarray(0, chunk.length - (received - maxBytes));
            throw new CliError(
              `the collector sent more than --max-bytes ${maxBytes} bytes in this run`,
              'the envelopes before that were kept: run pull again to continue (or raise --max-bytes); if the campaign is not that large, the collector may be faulty or hostile',
            );
          }
          yield chunk;
        }
      };
      let lines = 0;
      let chunk: string[] = [];
      let lastSeq = state.lastSeq;
      // Every line is validated on its own, so whatever went wrong, the good lines before it
      // are committed (and the state moves past them) before the error is reported.
      const commit = async (): Promise<void> => {
        if (chunk.length > 0) await handle.write(chunk.join('\n') + '\n');
        chunk = [];
        if (lastSeq === state.lastSeq) return;
        await handle.sync();
        state.size = (await handle.stat()).size;
        state.lastSeq = lastSeq;
        await writeState(statePath, state);
      };
      try {
        const response = await request(url, { headers: { authorization: `Bearer ${options.token}`, accept: 'application/x-ndjson' } }, timer);
        if (!response.ok) throw await failure(response, 'export');
        if (!response.body) throw new CliError('the collector sent an empty export');
        for await (const { number, bytes, unterminated } of splitLines(capped(response.body), MAX_LINE_BYTES)) {
          timer.kick();
          const bad = (why: string): CliError =>
            new CliError(`the collector sent a bad export line (${number}): ${why}`, 'the collector (or something between) may be faulty or hostile; the envelopes before that line were kept');
          if (lines >= options.pageSize && (bytes === undefined || !isBlank(bytes))) {
            throw new CliError(
              `the collector sent more than --page-size ${options.pageSize} envelopes in one answer`,
              `the collector (or something between) may be faulty or hostile; the first ${options.pageSize} were checked and kept`,
            );
          }
          if (bytes === undefined) throw bad('too long');
          if (unterminated) {
            // The collector streams; a body that ends mid-line is a connection cut short.
            throw new CliError('export: the collector\'s answer ended in the middle of a line (connection lost?)', 'run pull again: it resumes after the last envelope saved');
          }
          let text: string;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          } catch {
            throw bad('invalid UTF-8');
          }
          if (text.trim() === '') continue;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            throw bad('not an export line');
          }
          if (typeof value === 'object' && value !== null && !('envelope' in value)) {
            // A withdrawal, an operator removal, or an envelope whose ciphertext is gone.
            const event = eventLineSchema.safeParse(value);
            if (!event.success) throw bad('not an export line');
            if (event.data.seq <= lastSeq) throw bad('seq is not increasing');
            if ('confirmation' in event.data) {
              // Only staff and the owner of the address know the secret: SHA-256 of it must be the envelope's ch.
              const { sid, secret } = event.data.confirmation;
              const ch = await hashes.of(sid);
              if (ch === undefined) {
                // The export is in log order, so a submission's envelope (or its stub) always comes first.
                throw new CliError(
                  `the collector sent a confirmation line (${number}, seq ${event.data.seq}) for submission ${sid}, which it never sent: neither its envelope nor a removed line for it is in the file`,
                  'the collector is faulty or hostile: keep the envelope file and the collector\'s log/checkpoint as evidence; the lines before that one were kept',
                );
              }
              if (ch === null || hashOf(secret) !== ch) {
                throw new CliError(
                  `the collector sent a confirmation line (${number}, seq ${event.data.seq}) whose secret does not hash to the ch of submission ${sid}${ch === null ? ' (its envelope has no ch)' : ''}: nobody but staff and the owner of the e-mail address could have made it`,
                  'the collector is faulty or hostile: keep the envelope file and the collector\'s log/checkpoint as evidence; the lines before that one were kept',
                );
              }
            }
            lastSeq = event.data.seq;
            chunk.push(eventLineText(event.data));
            if ('withdrawal' in event.data) events.withdrawals++;
            else if ('removal' in event.data) events.removals++;
            else if ('confirmation' in event.data) {
              if (event.data.confirmation.decision === 'confirm') events.confirmations++;
              else events.disownings++;
            } else {
              events.removed++;
              hashes.hold(event.data.removed.sid, event.data.removed.ch);
            }
            lines++;
            bar?.increment();
            continue;
          }
          let line;
          try {
            line = exportLineSchema.parse(value);
          } catch {
            throw bad('not an export line');
          }
          if (line.seq <= lastSeq) throw bad('seq is not increasing');
          let envelope;
          try {
            envelope = parseEnvelope(line.envelope);
          } catch {
            throw bad('malformed envelope');
          }
          if (envelope.campaign !== options.campaign) throw bad('envelope of another campaign');
          // The normalised member order the collector stores and the log hashes.
          const envelopeText = normalisedEnvelope(envelope);
          if (Buffer.byteLength(envelopeText) > MAX_ENVELOPE_BYTES) throw bad(`envelope larger than ${MAX_ENVELOPE_BYTES} bytes`);
          lastSeq = line.seq;
          hashes.hold(envelope.sid, envelope.ch);
          chunk.push(`{"seq":${line.seq},"receivedAt":${JSON.stringify(line.receivedAt)},"envelope":${envelopeText}}`);
          lines++;
          if (chunk.length >= 1000) {
            await handle.write(chunk.join('\n') + '\n');
            chunk = [];
          }
          bar?.increment();
        }
        await commit();
      } catch (error) {
        await commit();
        fetched += lines;
        if (error instanceof CliError) throw error;
        throw new CliError('export: connection to the collector lost or timed out', 'run pull again: it resumes after the last envelope saved', undefined, { cause: error });
      } finally {
        timer.stop();
      }
      fetched += lines;
      if (lines < options.pageSize) break;
    }
    bar?.stop();
    // Every line up to the checkpoint must be the log's entry; the state moves on only if so.
    check = await verifyLines(handle, state.size, state.lastSeq, log, state, statePath);
    await writeState(statePath, state);
  } finally {
    bar?.stop();
    await handle.close();
  }
  const witnesses = log.witnesses === undefined ? undefined : { required: log.witnesses, cosigned: log.cosigned?.names ?? [] };
  return { fetched, ...events, lastSeq: state.lastSeq, log: check, witnesses };
}

/** How long before `deleteAt` pull starts warning. */
export const RETENTION_WARNING_DAYS = 30;

// `retention` in the campaign answer (docs/api.md): present once a closed campaign has a retention
// period; `deletedAt` once its ciphertexts are gone. Timestamps as toISOString writes them.
const retentionSchema = z
  .strictObject({ closedAt: isoTimestampSchema, deleteAt: isoTimestampSchema, deletedAt: z.optional(isoTimestampSchema) })
  .refine((r) => r.deleteAt >= r.closedAt && (r.deletedAt === undefined || r.deletedAt >= r.closedAt));

/**
 * Warns on stderr when the collector is about to delete (or has deleted) the campaign's
 * ciphertexts. The announcement is advisory: a malformed one is said to be ignored, never fatal
 * (a pull is how staff save the envelopes before they go).
 */
function warnRetention(body: unknown, now: () => number): void {
  if (typeof body !== 'object' || body === null || !('retention' in body) || body.retention === undefined || body.retention === null) return;
  const parsed = retentionSchema.safeParse(body.retention);
  if (!parsed.success) {
    say('warning: the collector announces a retention period in a form this version does not understand; it is ignored (is the CLI older than the collector?)');
    return;
  }
  const { deleteAt, deletedAt } = parsed.data;
  if (deletedAt !== undefined) {
    say(`warning: the collector deleted this campaign's ciphertexts on ${deletedAt}: those envelopes are gone, only the log's hashes of them remain (pulled as "removed" lines, which decrypt cannot open)`);
    return;
  }
  const left = Date.parse(deleteAt) - now();
  if (left <= 0) say(`warning: the collector was to delete this campaign's ciphertexts on ${deleteAt} and may do so at any moment: pull and decrypt now`);
  else if (left <= RETENTION_WARNING_DAYS * 24 * 3600 * 1000) say(`warning: the collector deletes this campaign's ciphertexts on ${deleteAt}: pull and decrypt before then`);
}

/** An export line other than an envelope, written back in its one normalised form. */
function eventLineText(line: EventLine): string {
  const head = `{"seq":${line.seq},"receivedAt":${JSON.stringify(line.receivedAt)},`;
  if ('removed' in line) return `${head}"removed":${JSON.stringify({ sid: line.removed.sid, hash: line.removed.hash, wh: line.removed.wh, ch: line.removed.ch })}}`;
  if ('withdrawal' in line) return `${head}"withdrawal":${JSON.stringify({ sid: line.withdrawal.sid, secret: line.withdrawal.secret })}}`;
  if ('confirmation' in line) return `${head}"confirmation":${JSON.stringify({ sid: line.confirmation.sid, secret: line.confirmation.secret, decision: line.confirmation.decision })}}`;
  return `${head}"removal":${JSON.stringify({ sid: line.removal.sid })}}`;
}

/**
 * The `ch` of the envelopes in the file, looked up for confirmation lines: those pulled in this
 * run are remembered as they stream past; those of earlier runs are read from the file once, the
 * first time a confirmation names one.
 */
class ConfirmationHashes {
  readonly #run = new Map<string, string | null>();
  #file: Map<string, string | null> | undefined;

  constructor(readonly handle: FileHandle, readonly end: number) {}

  /** Remembers an envelope (or removed line) pulled in this run; `null` when it has no `ch`. */
  hold(sid: string, ch: string | undefined): void {
    this.#run.set(sid, ch ?? null);
  }

  /** The `ch` of a submission: a string, `null` if its envelope has none, `undefined` if the file does not hold it. */
  async of(sid: string): Promise<string | null | undefined> {
    const now = this.#run.get(sid);
    if (now !== undefined) return now;
    this.#file ??= await this.#read();
    return this.#file.get(sid);
  }

  async #read(): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    const stream = this.handle.createReadStream({ start: 0, end: Math.max(0, this.end - 1), autoClose: false });
    if (this.end === 0) {
      stream.destroy();
      return found;
    }
    for await (const { bytes } of splitLines(stream, MAX_LINE_BYTES)) {
      if (bytes === undefined) continue;
      const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 400)).toString('latin1');
      const envelope = /"envelope":\{"v":\d+,"campaign":"[^"]{1,64}","kid":"[^"]{1,100}","sid":"([A-Za-z0-9_-]{22})"(?:,"wh":"[A-Za-z0-9_-]{43}")?(?:,"ch":"([A-Za-z0-9_-]{43})")?,"ct":/.exec(head);
      if (envelope) {
        found.set(envelope[1] as string, envelope[2] ?? null);
        continue;
      }
      const stub = /^\{"seq":\d+,"receivedAt":"[^"]{1,40}","removed":\{"sid":"([A-Za-z0-9_-]{22})","hash":"[A-Za-z0-9+/=]{44}","wh":"[A-Za-z0-9_-]{43}"(?:,"ch":"([A-Za-z0-9_-]{43})")?\}\}$/.exec(head);
      if (stub) found.set(stub[1] as string, stub[2] ?? null);
    }
    return found;
  }
}

/** The envelope in the member order v, campaign, kid, sid, wh, ch, ct (docs/format.md), wh and ch only when present. */
function normalisedEnvelope(envelope: { v: number; campaign: string; kid: string; sid: string; wh?: string | undefined; ch?: string | undefined; ct: string }): string {
  return JSON.stringify({ v: envelope.v, campaign: envelope.campaign, kid: envelope.kid, sid: envelope.sid, wh: envelope.wh, ch: envelope.ch, ct: envelope.ct });
}

function countOf(body: unknown): number {
  const count = typeof body === 'object' && body !== null && 'count' in body ? body.count : undefined;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : 0;
}

/**
 * Fetches a published document (`GET files/{name}`, public); `undefined` when nothing is
 * published under that name (404 `not-found`).
 */
export async function fetchDocument(collector: URL, campaign: string, name: string, maxBytes: number, timeoutMs: number): Promise<string | undefined> {
  const url = new URL(`v1/campaigns/${campaign}/files/${name}`, collector);
  const timer = idleTimer(timeoutMs);
  try {
    const response = await request(url, { headers: { accept: 'application/json' } }, timer);
    if (!response.ok) {
      const problem = await readProblem(response);
      if (response.status === 404 && problem.code === 'not-found') return undefined;
      throw problemError(response.status, problem, `reading ${name}`);
    }
    return await readBody(response, maxBytes);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`reading ${name}: connection to the collector lost or timed out`, undefined, undefined, { cause: error });
  } finally {
    timer.stop();
  }
}

/** Uploads a signed document as `files/{name}`. */
export async function publish(collector: URL, campaign: string, token: string, name: string, document: string, timeoutMs: number): Promise<string> {
  const url = new URL(`v1/campaigns/${campaign}/files/${name}`, collector);
  await exchange(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: document }, timeoutMs, 'publish');
  return url.href;
}

/** Registers a campaign with the admin API; returns the staff token. */
export async function register(
  collector: URL,
  adminToken: string,
  body: { campaign: string; key: string; origins: string[]; goal?: number; opensAt?: string; closesAt?: string },
  timeoutMs: number,
): Promise<string> {
  const url = new URL('v1/admin/campaigns', collector);
  const { body: text } = await exchange(url, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }, timeoutMs, 'register');
  let token: unknown;
  try {
    token = (JSON.parse(text) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !TOKEN.test(token)) throw new CliError('the collector answered without a valid staff token');
  return token;
}

/** The log verifier key a collector publishes for a campaign (`GET /v1/campaigns/{c}`, `log.vkey`). */
export async function publishedLogKey(collector: URL, campaign: string, timeoutMs: number): Promise<string> {
  const { body } = await exchange(new URL(`v1/campaigns/${campaign}`, collector), {}, timeoutMs, 'reading the log key');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  return publishedLog(value).vkey;
}
