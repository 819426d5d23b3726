// The collector's public transparency log, as staff and signers check it (docs/cli.md, "Checking
// the collector"): the pinned log key, the signed checkpoint and its count, and the 49-byte entry
// each export line must be (docs/log.md §7).
//
// Rules for this file:
// - The log key is pinned: the key the collector publishes is only ever compared with it, never
//   used in its place (except on the very first pull, which says so loudly).
// - Every failure is a CliError that says what it proves and what to keep; nothing here prints a
//   hash or note text the collector chose, except the published key when pinning it.

import { isoTimestampSchema } from '@secure-sign/crypto';
import {
  ENTRY_KIND_CONFIRMED,
  ENTRY_KIND_DISOWNED,
  ENTRY_KIND_REMOVED,
  ENTRY_KIND_STORED,
  ENTRY_KIND_WITHDRAWAL,
  LogClientError,
  LogError,
  createLogClient,
  encodeEntry,
  envelopeHash,
  ed25519CosignatureVerifier,
  ed25519NoteVerifier,
  parseVerifierKey,
  type Checkpoint,
  type LogClient,
  type NoteSignature,
  type VerifiedCheckpoint,
} from '@secure-sign/crypto/log';
import { createPublicKey, verify } from 'node:crypto';
import * as z from 'zod';
import { CliError } from './errors.js';

/** Entry kinds (docs/format.md §8). */
export const KIND_STORED = ENTRY_KIND_STORED;
export const KIND_WITHDRAWAL = ENTRY_KIND_WITHDRAWAL;
export const KIND_REMOVED = ENTRY_KIND_REMOVED;
export const KIND_CONFIRMED = ENTRY_KIND_CONFIRMED;
export const KIND_DISOWNED = ENTRY_KIND_DISOWNED;

/** Ed25519 verification with node:crypto, in the shape the log core takes. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, signature);
}

/** Checks a verifier key given on the command line or read from a file; returns it unchanged. */
export function logKey(text: string, where: string): string {
  try {
    const key = parseVerifierKey(text);
    if (key.type !== 0x01) throw new Error('not a note key');
  } catch {
    throw new CliError(`${where} is not a log verifier key`, 'a log key looks like <origin>+<8 hex digits>+<base64>, as `secure-sign register` prints it', 2);
  }
  return text;
}

/** Checks a witness's cosignature verifier key (type 0x04, c2sp.org/tlog-cosignature); returns it unchanged. */
export function witnessKey(text: string, where: string): string {
  try {
    const key = parseVerifierKey(text);
    if (key.type !== 0x04) throw new Error('not a cosignature key');
  } catch {
    throw new CliError(
      `${where} is not a witness verifier key`,
      'a witness key looks like <witness name>+<8 hex digits>+<base64 of 0x04 and 32 bytes>, as the witness publishes it (c2sp.org/tlog-cosignature)',
      2,
    );
  }
  return text;
}

/** The witnesses a checkpoint must be cosigned by: their verifier keys (type 0x04) and how many of them. */
export interface Witnesses {
  readonly keys: readonly string[];
  readonly quorum: number;
}

/**
 * The witnesses given on the command line (`--witness`, `--witness-quorum`), checked; `undefined`
 * without any. The quorum defaults to all of them.
 */
export function witnessesFrom(keys: readonly string[], quorum: number | undefined): Witnesses | undefined {
  if (keys.length === 0) {
    if (quorum !== undefined) throw new CliError('--witness-quorum needs --witness', 'pass each witness\'s verifier key with --witness VKEY', 2);
    return undefined;
  }
  const names = new Set<string>();
  for (const key of keys) {
    const { name } = parseVerifierKey(witnessKey(key, '--witness'));
    if (names.has(name)) throw new CliError(`--witness names the witness ${name} twice`, 'give each witness once, with its current key', 2);
    names.add(name);
  }
  const required = quorum ?? keys.length;
  if (required < 1 || required > keys.length) throw new CliError(`--witness-quorum ${required} is more than the ${keys.length} witnesses given`, 'the quorum is how many of the --witness keys must have cosigned', 2);
  return { keys: [...keys], quorum: required };
}

/** The name of a witness key (printed in messages: it comes from the user, not the collector). */
export function witnessName(vkey: string): string {
  return parseVerifierKey(vkey).name;
}

/** What the pinned witnesses said about a checkpoint. */
export interface Cosigned {
  /** Names of the pinned witnesses whose cosignature verified. */
  readonly names: readonly string[];
  /** Their signature lines (kept with the checkpoint as evidence). */
  readonly signatures: readonly NoteSignature[];
}

/**
 * Checks the cosignatures of the pinned witnesses on a checkpoint the log key signed (the note's
 * signatures of other keys, which the log client leaves unverified). A cosignature of a pinned
 * witness that does not verify (or two of one witness, as openNote treats a key that signed twice)
 * refuses the checkpoint; fewer than the quorum refuses it too;
 * cosignatures of other witnesses are ignored.
 *
 * @throws {@link CliError} naming how many and which witnesses cosigned, and which did not.
 */
export async function checkWitnesses(verified: VerifiedCheckpoint, witnesses: Witnesses, doing: string): Promise<Cosigned> {
  const text = new TextEncoder().encode(verified.note.text);
  const names: string[] = [];
  const signatures: NoteSignature[] = [];
  const bad: string[] = [];
  const missing: string[] = [];
  for (const vkey of witnesses.keys) {
    const verifier = ed25519CosignatureVerifier(vkey, ed25519Verify);
    const lines = verified.note.unknown.filter((s) => s.name === verifier.name && s.keyId === verifier.keyId);
    if (lines.length === 0) missing.push(verifier.name);
    else if (lines.length > 1 || !(await verifier.verify(text, (lines[0] as NoteSignature).signature))) bad.push(verifier.name);
    else {
      names.push(verifier.name);
      signatures.push(lines[0] as NoteSignature);
    }
  }
  if (bad.length > 0) {
    throw new CliError(
      `${doing}: the checkpoint carries a cosignature of witness ${bad.join(', ')} that does not verify; the checkpoint is refused`,
      'either the collector (or something between) served a cosignature the witness did not make, or --witness holds another key than the witness uses: compare the key with the witness over another channel, and keep the checkpoint (GET log/checkpoint) as evidence',
    );
  }
  if (names.length < witnesses.quorum) {
    const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
    throw new CliError(
      `${doing}: the checkpoint is cosigned by ${names.length} of the ${witnesses.quorum} witnesses required (cosigned: ${list(names)}; no cosignature: ${list(missing)}); the checkpoint is refused`,
      'a witness may be late or offline (retry later), or the collector shows this checkpoint only to you; the collector does not yet collect cosignatures itself (docs/cli.md, "Witnesses")',
    );
  }
  return { names, signatures };
}

/** The origin a log key signs for: its key name (the collector names its key after the log). */
export function originOf(vkey: string): string {
  return parseVerifierKey(vkey).name;
}

const base64Url = (bytes: number) => z.string().regex(/^[A-Za-z0-9_-]+$/).refine((s) => Buffer.from(s, 'base64url').length === bytes && Buffer.from(s, 'base64url').toString('base64url') === s);
const base64Std = (bytes: number) => z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).refine((s) => Buffer.from(s, 'base64').length === bytes && Buffer.from(s, 'base64').toString('base64') === s);
const sid = base64Url(16);
const seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** The export lines other than a stored envelope (docs/api.md, "Export"). */
export const eventLineSchema = z.union([
  z.strictObject({ seq, receivedAt: isoTimestampSchema, removed: z.strictObject({ sid, hash: base64Std(32), wh: base64Url(32), ch: base64Url(32).optional() }) }),
  z.strictObject({ seq, receivedAt: isoTimestampSchema, withdrawal: z.strictObject({ sid, secret: base64Url(32) }) }),
  z.strictObject({ seq, receivedAt: isoTimestampSchema, removal: z.strictObject({ sid }) }),
  z.strictObject({ seq, receivedAt: isoTimestampSchema, confirmation: z.strictObject({ sid, secret: base64Url(32), decision: z.enum(['confirm', 'disown']) }) }),
]);
export type EventLine = z.infer<typeof eventLineSchema>;

/** The normalised text the collector stores and hashes for an envelope (member order v, campaign, kid, sid, wh, ch, ct; wh and ch only when present). */
export function envelopeText(envelope: { v: number; campaign: string; kid: string; sid: string; wh?: string | undefined; ch?: string | undefined; ct: string }): string {
  return JSON.stringify({ v: envelope.v, campaign: envelope.campaign, kid: envelope.kid, sid: envelope.sid, wh: envelope.wh, ch: envelope.ch, ct: envelope.ct });
}

/** The log entry an envelope's stored text must have. */
export function storedEntry(submissionId: string, text: string): Uint8Array {
  return encodeEntry({ kind: 'stored', submissionId, envelopeHash: envelopeHash(text) });
}

/** The log entry an event line must have. */
export function eventEntry(line: EventLine): Uint8Array {
  if ('removed' in line) return encodeEntry({ kind: 'stored', submissionId: line.removed.sid, envelopeHash: Buffer.from(line.removed.hash, 'base64') });
  if ('withdrawal' in line) return encodeEntry({ kind: 'withdrawal', submissionId: line.withdrawal.sid, withdrawalSecret: Buffer.from(line.withdrawal.secret, 'base64url') });
  if ('confirmation' in line) {
    const { sid: submissionId, secret, decision } = line.confirmation;
    return encodeEntry({ kind: decision === 'confirm' ? 'confirmed' : 'disowned', submissionId, confirmationSecret: Buffer.from(secret, 'base64url') });
  }
  return encodeEntry({ kind: 'removed', submissionId: line.removal.sid });
}

/**
 * The signed count of a checkpoint (its `count <decimal>` extension line), if it has one. Unlike
 * crypto's `checkpointCount`, a count above the tree size is read, not refused here: pull then
 * reports it against its own recount of the entries, which says more.
 */
export function checkpointCount(checkpoint: Checkpoint): number | undefined {
  const lines = (checkpoint.extensions ?? []).filter((l) => l.startsWith('count '));
  if (lines.length === 0) return undefined;
  const text = (lines[0] as string).slice('count '.length);
  if (lines.length > 1 || !/^(?:0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CliError('the checkpoint\'s count line is malformed', 'the collector is faulty or hostile: keep the checkpoint (log/checkpoint) as evidence');
  }
  return Number(text);
}

/**
 * The signed confirmed count of a checkpoint (its `confirmed <decimal>` extension line), if it has
 * one. Read like {@link checkpointCount}: a value above the count or the size is not refused here,
 * pull reports it against its own recount.
 */
export function checkpointConfirmedCount(checkpoint: Checkpoint): number | undefined {
  const lines = (checkpoint.extensions ?? []).filter((l) => l.split(' ', 1)[0] === 'confirmed');
  if (lines.length === 0) return undefined;
  const line = lines[0] as string;
  const text = line.slice('confirmed '.length);
  if (lines.length > 1 || !line.startsWith('confirmed ') || !/^(?:0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CliError('the checkpoint\'s confirmed line is malformed', 'the collector is faulty or hostile: keep the checkpoint (log/checkpoint) as evidence');
  }
  return Number(text);
}

const campaignLogSchema = z.object({ log: z.object({ origin: z.string().min(1).max(300), vkey: z.string().min(1).max(1000), size: z.number().int().min(0) }) });

/** What the campaign answer publishes about its log. */
export interface PublishedLog {
  readonly origin: string;
  readonly vkey: string;
  readonly size: number;
}

/** Reads `log` from a campaign answer (`GET /v1/campaigns/{c}`). */
export function publishedLog(body: unknown): PublishedLog {
  const parsed = campaignLogSchema.safeParse(body);
  if (!parsed.success) throw new CliError('the collector publishes no valid log for this campaign', 'is the collector up to date? `secure-sign pull` and `receipt check` need its transparency log');
  try {
    logKey(parsed.data.log.vkey, 'the log key the collector publishes');
  } catch {
    throw new CliError('the log key the collector publishes is malformed', 'the collector is faulty or hostile');
  }
  return parsed.data.log;
}

/** A log client for a collector's campaign, with timeouts, verifying checkpoints with `vkey`. */
export function collectorLog(collector: URL, campaign: string, vkey: string, timeoutMs: number): LogClient {
  return createLogClient({
    url: new URL(`v1/campaigns/${campaign}/log/`, collector),
    trust: { origin: originOf(vkey), log: ed25519NoteVerifier(vkey, ed25519Verify) },
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
}

/** A failure of the log client as a CliError (a request that failed, or a checkpoint that does not verify). */
export function logFailure(error: unknown, doing: string): unknown {
  if (error instanceof LogClientError) {
    if (error.code === 'NETWORK') return new CliError(`${doing}: cannot reach the collector's log (or it timed out)`, 'check --collector and try again', undefined, { cause: error });
    if (error.code === 'HTTP_STATUS') return new CliError(`${doing}: the collector's log answered ${error.status ?? '?'}`, error.status === 404 ? 'the log may have no checkpoint yet: retry in a few seconds' : undefined, undefined, { cause: error });
    return new CliError(`${doing}: the collector's log sent a malformed or oversized answer (${error.code})`, 'the collector (or something between) is faulty or hostile', undefined, { cause: error });
  }
  if (error instanceof LogError) {
    const why: Partial<Record<string, string>> = {
      NOTE_NOT_VERIFIED: 'the checkpoint is not signed by the pinned log key',
      NOTE_BAD_SIGNATURE: 'the checkpoint carries a bad signature of the pinned log key',
      WRONG_ORIGIN: 'the checkpoint is of another log',
    };
    return new CliError(
      `${doing}: ${why[error.code] ?? `the log's answer is not valid (${error.code})`}`,
      'the collector is faulty or hostile (or the pinned key is not this log\'s): keep its checkpoint (GET log/checkpoint) as evidence',
      undefined,
      { cause: error },
    );
  }
  return error;
}

/** Fetches and opens the latest checkpoint; `undefined` if the log has none yet (404). */
export async function latestCheckpoint(log: LogClient, doing: string): Promise<VerifiedCheckpoint | undefined> {
  try {
    return await log.checkpoint();
  } catch (error) {
    if (error instanceof LogClientError && error.status === 404) return undefined;
    throw logFailure(error, doing);
  }
}
