// `pull` checks the collector against its own signed log (docs/cli.md, "Checking the collector"):
// before anything is pulled, the checkpoint must verify with the pinned log key and extend the one
// verified last time; after, the lines pulled up to the checkpoint must be exactly its entries.
//
// Rules for this file:
// - A failure here is loud (exit 1) and says what it proves and what to keep as evidence.
// - The state moves on only when every line up to a checkpoint matched it, and the signed count
//   was recounted; lines past the checkpoint are kept and checked on the next pull.

import { formatNote, isLogError, verifyConsistency, type LogClient, type VerifiedCheckpoint } from '@secure-sign/crypto/log';
import type { FileHandle } from 'node:fs/promises';
import { CliError } from './errors.js';
import { say, splitLines } from './io.js';
import { isEventLine } from './withdrawals.js';
import {
  KIND_CONFIRMED,
  KIND_DISOWNED,
  KIND_REMOVED,
  KIND_STORED,
  KIND_WITHDRAWAL,
  checkWitnesses,
  checkpointConfirmedCount,
  checkpointCount,
  collectorLog,
  envelopeText,
  eventEntry,
  eventLineSchema,
  latestCheckpoint,
  logFailure,
  originOf,
  publishedLog,
  storedEntry,
  witnessName,
  type Cosigned,
  type Witnesses,
} from './log.js';

/** What the state file keeps about the log (all optional: a state from before the log has none). */
export interface LogState {
  /** The pinned log verifier key. */
  logKey?: string | undefined;
  /** The pinned witnesses: their cosignature verifier keys and how many must have cosigned. */
  witnesses?: { keys: string[]; quorum: number } | undefined;
  /** The last checkpoint every line was verified against: its size, root (base64) and signed note. */
  checkpoint?: { size: number; root: string; note: string } | undefined;
  /**
   * How far the file is verified: the seq (= that checkpoint's size), the byte offset after its
   * line, and the entry counts. `confirmed` is the live confirmed signatures, `disowned` the 05
   * entries (both absent in a state written before confirmations existed: 0).
   */
  verified?: { seq: number; bytes: number; stored: number; withdrawn: number; removed: number; confirmed?: number | undefined; disowned?: number | undefined } | undefined;
}

/** The log as checked before pulling. */
export interface CheckedLog {
  readonly client: LogClient;
  readonly checkpoint: VerifiedCheckpoint | undefined;
  /** Whether this pull pinned the key (the first pull without --log-key). */
  readonly pinned: boolean;
  /** The witnesses required, and those that cosigned the checkpoint (when there is one). */
  readonly witnesses: Witnesses | undefined;
  readonly cosigned: Cosigned | undefined;
}

const sameWitnesses = (a: Witnesses, b: Witnesses): boolean =>
  a.quorum === b.quorum && a.keys.length === b.keys.length && [...a.keys].sort().every((key, i) => key === [...b.keys].sort()[i]);

const describeWitnesses = (w: Witnesses): string => `${w.quorum} of ${w.keys.map(witnessName).join(', ')}`;

/**
 * The witnesses this pull requires: those given, checked against those pinned in the state file.
 * Adding witnesses to a state that pinned none pins them; any other set or quorum than pinned is
 * refused unless `repin` says the change is meant.
 */
function pinWitnesses(given: Witnesses | undefined, repin: boolean, state: LogState, statePath: string): Witnesses | undefined {
  const pinned = state.witnesses;
  if (repin) {
    if (given === undefined) say(`warning: --repin-witnesses without --witness: no witness is required from now on (${statePath} pinned ${pinned === undefined ? 'none' : describeWitnesses(pinned)})`);
    else say(`pinning the witnesses ${describeWitnesses(given)} in place of ${pinned === undefined ? 'none' : describeWitnesses(pinned)}`);
    return given;
  }
  if (given === undefined) return pinned;
  if (pinned !== undefined && !sameWitnesses(pinned, given)) {
    throw new CliError(
      `--witness and --witness-quorum are not the witnesses pinned in ${statePath} (${describeWitnesses(pinned)})`,
      'to change the witnesses on purpose, pass the new set with --witness (and --witness-quorum) and add --repin-witnesses; or leave --witness out to use the pinned ones',
      2,
    );
  }
  if (pinned !== undefined) return pinned;
  say(`pinning the witnesses ${describeWitnesses(given)}: later pulls require their cosignatures`);
  return given;
}

const EVIDENCE = (statePath: string) =>
  `this is proof that the collector misbehaved: keep ${statePath} (it holds the checkpoint verified earlier) and the collector's current log/checkpoint, and tell the campaign's partners`;

/**
 * Checks the log before the pull: the key (pinned, or pinned now), the checkpoint's signature,
 * and that it extends the last checkpoint verified. Throws before anything is written.
 */
export async function checkLog(
  options: { collector: URL; campaign: string; logKey?: string | undefined; witnesses?: Witnesses | undefined; repinWitnesses?: boolean | undefined; timeoutMs: number },
  state: LogState,
  statePath: string,
  campaignAnswer: unknown,
): Promise<CheckedLog> {
  const published = publishedLog(campaignAnswer);
  if (options.logKey !== undefined && state.logKey !== undefined && options.logKey !== state.logKey) {
    throw new CliError(`--log-key is not the log key pinned in ${statePath}`, 'an earlier pull pinned another key; if the collector really has a new log, pull into a new --out (and state file)');
  }
  const pinnedKey = options.logKey ?? state.logKey;
  if (pinnedKey !== undefined && published.vkey !== pinnedKey) {
    throw new CliError(
      'the collector publishes another log key than the one pinned',
      'a collector whose log key changes can show different logs to different people: do not trust it; ask its operator, and compare the keys over another channel',
    );
  }
  const vkey = pinnedKey ?? published.vkey;
  const witnesses = pinWitnesses(options.witnesses, options.repinWitnesses === true, state, statePath);
  if (published.origin !== originOf(vkey)) throw new CliError('the collector publishes a log key of another log than this campaign\'s', 'check --collector and --campaign');
  const client = collectorLog(options.collector, options.campaign, vkey, options.timeoutMs);
  const verified = await latestCheckpoint(client, 'checking the log');
  // The witnesses before the history: a checkpoint they did not cosign is not looked at further.
  const cosigned = verified !== undefined && witnesses !== undefined ? await checkWitnesses(verified, witnesses, 'checking the log') : undefined;
  const previous = state.checkpoint;
  if (verified === undefined) {
    if (previous !== undefined && previous.size > 0) {
      throw new CliError(`the collector's log has no checkpoint any more, though one of ${previous.size} entries was verified earlier`, EVIDENCE(statePath));
    }
  } else if (previous !== undefined && previous.size > 0) {
    const now = verified.checkpoint;
    const rewritten = (why: string) => new CliError(`the collector's log rewrote its history: ${why}; nothing was pulled`, EVIDENCE(statePath));
    if (now.size < previous.size) throw rewritten(`its checkpoint has ${now.size} entries, fewer than the ${previous.size} verified earlier`);
    try {
      const proof = now.size === previous.size ? [] : await client.proveConsistency(previous.size, now.size);
      verifyConsistency(previous.size, now.size, proof, Buffer.from(previous.root, 'base64'), now.rootHash);
    } catch (error) {
      if (isLogError(error, 'PROOF_MISMATCH') || isLogError(error, 'MALFORMED_PROOF')) {
        throw rewritten(`its checkpoint of ${now.size} entries does not extend the one of ${previous.size} entries verified earlier`);
      }
      throw logFailure(error, 'checking the log');
    }
  }
  const pinned = pinnedKey === undefined;
  if (pinned) {
    say('warning: no log key was pinned for this campaign; pinning the key the collector publishes now:');
    say(`warning:   ${vkey}`);
    say('warning: compare it with the log key `secure-sign register` printed (or ask the collector\'s operator) over another channel;');
    say(`warning: if they differ, delete ${statePath} and the output file, and pull again with --log-key KEY`);
  }
  state.logKey = vkey;
  state.witnesses = witnesses === undefined ? undefined : { keys: [...witnesses.keys], quorum: witnesses.quorum };
  return { client, checkpoint: verified, pinned, witnesses, cosigned };
}

/** Reads `handle` from byte `start` to `end`. */
async function* readRange(handle: FileHandle, start: number, end: number): AsyncGenerator<Uint8Array> {
  let position = start;
  while (position < end) {
    const buffer = Buffer.alloc(Math.min(1024 * 1024, end - position));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** One pulled line as the log sees it. */
interface LineEntry {
  readonly seq: number;
  readonly entry: Uint8Array;
  /** Byte offset in the file after this line. */
  readonly end: number;
}

function describe(entry: Uint8Array): string {
  const kinds: Record<number, string> = {
    [KIND_STORED]: 'a stored envelope',
    [KIND_WITHDRAWAL]: 'a withdrawal',
    [KIND_REMOVED]: 'an operator removal',
    [KIND_CONFIRMED]: 'a confirmation',
    [KIND_DISOWNED]: 'a disowning',
  };
  const kind = kinds[entry[0] as number] ?? 'an unknown kind';
  return `${kind} of submission ${Buffer.from(entry.subarray(1, 17)).toString('base64url')}`;
}

/** What {@link verifyLines} found. */
export interface LineCheck {
  /** The checkpoint's size (0 without a checkpoint). */
  readonly size: number;
  /** Its signed count, if it has a count line. */
  readonly count: number | undefined;
  /** Its signed confirmed count, if it has a confirmed line. */
  readonly confirmed: number | undefined;
  /** Lines pulled past the checkpoint, not yet covered by it. */
  readonly pending: number;
}

/**
 * Checks that the lines of the file up to the checkpoint's size are exactly the log's entries
 * (seq N is entry N-1), and recounts the public count. Reads the file from where the last
 * verification stopped; on success moves `state.verified` and `state.checkpoint` on.
 */
export async function verifyLines(
  handle: FileHandle,
  fileSize: number,
  lastSeq: number,
  log: CheckedLog,
  state: LogState,
  statePath: string,
): Promise<LineCheck> {
  const done = state.verified ?? { seq: 0, bytes: 0, stored: 0, withdrawn: 0, removed: 0 };
  if (log.checkpoint === undefined) return { size: 0, count: undefined, confirmed: undefined, pending: lastSeq - done.seq };
  const { checkpoint, note } = log.checkpoint;
  const size = checkpoint.size;
  const signedCount = checkpointCount(checkpoint);
  const signedConfirmed = checkpointConfirmedCount(checkpoint);
  const next = { ...done, confirmed: done.confirmed ?? 0, disowned: done.disowned ?? 0 };
  // Confirmed signatures stop counting as confirmed when withdrawn or removed later: the sids
  // confirmed in this run are kept here; those confirmed before are looked up in the file (rare).
  const confirmedNow = new Set<string>();
  const cancelledLater: string[] = [];
  const misbehaved = (message: string) => new CliError(message, EVIDENCE(statePath));

  let batch: LineEntry[] = [];
  const check = async (): Promise<void> => {
    if (batch.length === 0) return;
    const start = next.seq;
    let entries: Uint8Array[];
    try {
      entries = await log.client.entries(start, start + batch.length, size);
      await log.client.verifyEntries(start, entries, size, checkpoint.rootHash);
    } catch (error) {
      if (isLogError(error, 'PROOF_MISMATCH')) throw misbehaved(`the collector's log serves entries that do not match its signed checkpoint (entries ${start} to ${start + batch.length - 1})`);
      throw logFailure(error, 'reading the log\'s entries');
    }
    batch.forEach((line, i) => {
      const logged = entries[i] as Uint8Array;
      if (!Buffer.from(logged).equals(line.entry)) {
        throw misbehaved(`the export line seq ${line.seq} (${describe(line.entry)}) is not the log's entry ${line.seq - 1} (${describe(logged)}): the collector gave staff something other than what it logged`);
      }
      const sid = Buffer.from(logged.subarray(1, 17)).toString('base64url');
      if (logged[0] === KIND_STORED) next.stored++;
      else if (logged[0] === KIND_WITHDRAWAL || logged[0] === KIND_REMOVED) {
        if (logged[0] === KIND_WITHDRAWAL) next.withdrawn++;
        else next.removed++;
        if (confirmedNow.delete(sid)) next.confirmed--;
        else cancelledLater.push(sid);
      } else if (logged[0] === KIND_CONFIRMED) {
        next.confirmed++;
        confirmedNow.add(sid);
      } else if (logged[0] === KIND_DISOWNED) next.disowned++;
    });
    next.seq += batch.length;
    next.bytes = (batch.at(-1) as LineEntry).end;
    batch = [];
  };

  let offset = done.bytes;
  for await (const { bytes } of splitLines(readRange(handle, done.bytes, fileSize), 1024 * 1024)) {
    if (bytes === undefined) throw new CliError('the envelope file has a line too long to be one pull wrote', `restore it, or remove it and ${statePath} to pull everything again`);
    const end = offset + bytes.length + 1;
    offset = end;
    const line = lineEntry(bytes, end, statePath);
    if (line.seq > size) break;
    const expected = next.seq + batch.length + 1;
    if (line.seq !== expected) {
      throw misbehaved(`the export skipped seq ${expected}${line.seq - 1 > expected ? ` to ${line.seq - 1}` : ''}: the log holds ${line.seq - expected} entries that were not given to staff`);
    }
    batch.push(line);
    if (batch.length >= 4096) await check();
  }
  await check();
  if (next.seq < size) {
    throw misbehaved(`the log's checkpoint holds ${size} entries but the export ended at seq ${lastSeq}: ${size - next.seq} entries were not given to staff`);
  }
  // Withdrawals and removals of signatures confirmed on an earlier pull.
  if (cancelledLater.length > 0) next.confirmed -= await confirmedBefore(handle, done.bytes, new Set(cancelledLater));
  const recount = next.stored - next.withdrawn - next.removed - next.disowned;
  if (signedCount !== undefined && signedCount !== recount) {
    const disowned = next.disowned > 0 ? `, ${next.disowned} disowned` : '';
    throw misbehaved(`the log's checkpoint signs a count of ${signedCount}, but its ${size} entries count ${recount} (${next.stored} stored, ${next.withdrawn} withdrawn, ${next.removed} removed${disowned})`);
  }
  if (signedConfirmed !== undefined && signedConfirmed !== next.confirmed) {
    throw misbehaved(`the log's checkpoint signs a confirmed count of ${signedConfirmed}, but its ${size} entries count ${next.confirmed} confirmed signatures`);
  }
  if (signedCount === undefined) say('warning: the log\'s checkpoint carries no signed count, so the public count could not be checked');
  state.verified = next;
  // The note kept as evidence carries the log's signature and the pinned witnesses' cosignatures.
  state.checkpoint = { size, root: Buffer.from(checkpoint.rootHash).toString('base64'), note: formatNote(note.text, [...note.verified, ...(log.cosigned?.signatures ?? [])]) };
  return { size, count: signedCount, confirmed: signedConfirmed, pending: Math.max(0, lastSeq - size) };
}

/**
 * How many of `sids` have a confirmation line (decision confirm) in the first `end` bytes of the
 * file (lines already verified against the log).
 */
async function confirmedBefore(handle: FileHandle, end: number, sids: Set<string>): Promise<number> {
  let found = 0;
  for await (const { bytes } of splitLines(readRange(handle, 0, end), 1024 * 1024)) {
    if (bytes === undefined || !isEventLine(bytes)) continue;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      continue;
    }
    const event = eventLineSchema.safeParse(value);
    if (event.success && 'confirmation' in event.data && event.data.confirmation.decision === 'confirm' && sids.delete(event.data.confirmation.sid)) found++;
  }
  return found;
}

/** The entry a line of the file (as pull wrote it) must be in the log. */
function lineEntry(bytes: Uint8Array, end: number, statePath: string): LineEntry {
  const damaged = () => new CliError('the envelope file has a line pull did not write', `restore it, or remove it and ${statePath} to pull everything again`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw damaged();
  }
  if (typeof value !== 'object' || value === null) throw damaged();
  const record = value as { seq?: unknown; envelope?: { v: number; campaign: string; kid: string; sid: string; wh?: string; ch?: string; ct: string } };
  if (typeof record.seq !== 'number') throw damaged();
  if (record.envelope !== undefined) {
    if (typeof record.envelope.sid !== 'string') throw damaged();
    return { seq: record.seq, entry: storedEntry(record.envelope.sid, envelopeText(record.envelope)), end };
  }
  const event = eventLineSchema.safeParse(value);
  if (!event.success) throw damaged();
  return { seq: record.seq, entry: eventEntry(event.data), end };
}
