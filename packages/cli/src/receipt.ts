// `secure-sign receipt check FILE`: what a signer's saved receipt proves, checked against the
// collector's log (docs/cli.md, "receipt check").
//
// Rules for this file:
// - The receipt file is hostile until validated (size limit, zod), like anything from the network.
// - The answer is one plain sentence on stdout; how it was reached goes to stderr. Each outcome has
//   its own exit status (errors.ts), so a script can tell "retry later" from "proof of misbehaviour".
// - The promise is verified before anything is fetched: a receipt the log key did not sign proves nothing.

import { campaignIdSchema, isoTimestampSchema, submissionIdSchema } from '@secure-sign/crypto';
import { ed25519NoteVerifier, isLogError, leafHash, openNote, verifyInclusion, MAX_NOTE_BYTES } from '@secure-sign/crypto/log';
import * as z from 'zod';
import { campaignId, collectorUrl } from './collector.js';
import { CliError, EXIT } from './errors.js';
import { readSmallFile, say } from './io.js';
import { KIND_REMOVED, KIND_STORED, KIND_WITHDRAWAL, checkWitnesses, collectorLog, ed25519Verify, latestCheckpoint, logFailure, logKey, originOf, type Witnesses } from './log.js';

/** Largest receipt file read. */
export const MAX_RECEIPT_BYTES = 128 * 1024;

const receiptSchema = z.object({
  secureSignReceipt: z.literal(1),
  collector: z.string().max(2000),
  campaign: campaignIdSchema,
  sid: submissionIdSchema,
  receivedAt: isoTimestampSchema,
  log: z.object({
    origin: z.string().min(1).max(300),
    vkey: z.string().min(1).max(1000),
    index: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    entry: z.string().regex(/^[A-Za-z0-9+/]{64}[A-Za-z0-9+/]{2}==$/),
    promise: z.string().min(1).max(MAX_NOTE_BYTES),
  }),
  withdrawal: z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/), page: z.string().max(2000) }).optional(),
});

/** Options of {@link checkReceipt}. */
export interface ReceiptCheckOptions {
  readonly file: string;
  /** The collector to ask (default: the receipt's `collector`). */
  readonly collector: string | undefined;
  /** The pinned log key (default: the receipt's own `log.vkey`, said so). */
  readonly logKey: string | undefined;
  /** Witnesses whose cosignatures the latest checkpoint must carry (`--witness`, `--witness-quorum`). */
  readonly witnesses?: Witnesses | undefined;
  readonly timeoutMs: number;
}

/** The outcome: the sentence printed and the exit status. */
export interface ReceiptOutcome {
  readonly message: string;
  readonly exitCode: number;
}

function misbehaviour(message: string, keep: string): ReceiptOutcome {
  say(`error: this is proof that the collector misbehaved: keep ${keep}`);
  return { message, exitCode: EXIT.MISBEHAVIOUR };
}

/** Checks a receipt file against the collector's log. */
export async function checkReceipt(options: ReceiptCheckOptions): Promise<ReceiptOutcome> {
  const text = await readSmallFile(options.file, MAX_RECEIPT_BYTES, 'receipt file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${options.file} is not JSON`, 'pass the file the signature form saved ("Save my receipt")');
  }
  const parsed = receiptSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`${options.file} is not a secure-sign receipt`, 'pass the file the signature form saved ("Save my receipt")');
  const receipt = parsed.data;
  const campaign = campaignId(receipt.campaign);
  const entry = new Uint8Array(Buffer.from(receipt.log.entry, 'base64'));
  if (entry.length !== 49 || Buffer.from(entry.subarray(1, 17)).toString('base64url') !== receipt.sid || ![KIND_STORED, KIND_WITHDRAWAL].includes(entry[0] as number)) {
    throw new CliError('the receipt\'s log entry is not of its submission', 'the receipt file is damaged');
  }

  // The key: pinned by the caller, else the one the receipt carries (said so: it proves less).
  let vkey: string;
  if (options.logKey !== undefined) {
    vkey = logKey(options.logKey, '--log-key');
    say('using the log key given with --log-key');
  } else {
    vkey = logKey(receipt.log.vkey, 'the receipt\'s log key');
    say('using the log key written in the receipt; pass --log-key with the key the campaign publishes to rely on a key you checked');
  }
  if (originOf(vkey) !== receipt.log.origin) throw new CliError('the log key is not the key of the receipt\'s log', 'check --log-key: it must be the key of this campaign\'s log');

  // The promise: the collector's signed word that this entry is at this index of this log.
  const promised = `secure-sign promise/v1\n${receipt.log.origin}\n${receipt.log.index}\n${receipt.log.entry}\n`;
  try {
    const opened = await openNote(receipt.log.promise, [ed25519NoteVerifier(vkey, ed25519Verify)]);
    if (opened.text !== promised) throw new Error('another text');
  } catch (error) {
    if (isLogError(error) || (error instanceof Error && error.message === 'another text')) {
      return { message: `the receipt's promise is not signed by this log key (bad signature): it proves nothing`, exitCode: EXIT.FAILURE };
    }
    throw error;
  }
  say(`the receipt's promise verifies: the collector signed that the entry is at position ${receipt.log.index + 1} of ${receipt.log.origin}`);

  const collector = collectorUrl(options.collector ?? receipt.collector);
  const log = collectorLog(collector, campaign, vkey, options.timeoutMs);
  const verified = await latestCheckpoint(log, 'reading the log');
  if (verified !== undefined && options.witnesses !== undefined) {
    const { names } = await checkWitnesses(verified, options.witnesses, 'reading the log');
    say(`the checkpoint is cosigned by ${names.length} of the ${options.witnesses.keys.length} witnesses given (${names.join(', ')}); ${options.witnesses.quorum} required`);
  }
  const position = receipt.log.index + 1;
  if (verified === undefined || verified.checkpoint.size <= receipt.log.index) {
    return {
      message: `not yet in a checkpoint of the log of ${campaign}: the latest holds ${verified?.checkpoint.size ?? 0} entries, the receipt is for position ${position}; retry in a minute`,
      exitCode: EXIT.NOT_YET,
    };
  }
  const { size, rootHash } = verified.checkpoint;
  const keep = `${options.file} and the collector's checkpoint (GET ${new URL(`v1/campaigns/${campaign}/log/checkpoint`, collector).href}), and tell the campaign`;
  try {
    const proof = await log.proveInclusion(receipt.log.index, size);
    verifyInclusion(leafHash(entry), receipt.log.index, size, proof, rootHash);
  } catch (error) {
    if (!isLogError(error, 'PROOF_MISMATCH')) throw logFailure(error, 'proving inclusion');
    // Which: another entry there, or tiles that lie? Either way the promise was broken.
    return misbehaviour(`missing although promised: the log of ${campaign} (${size} entries) does not hold the receipt's entry at position ${position}`, keep);
  }
  if (entry[0] === KIND_WITHDRAWAL) return { message: `withdrawal counted in the log of ${campaign} at position ${position} of ${size}`, exitCode: EXIT.OK };

  // Later entries: was it withdrawn, or removed by the operator?
  let later: Uint8Array[] = [];
  if (receipt.log.index + 1 < size) {
    try {
      later = await log.entries(receipt.log.index + 1, size, size);
      await log.verifyEntries(receipt.log.index + 1, later, size, rootHash);
    } catch (error) {
      if (isLogError(error, 'PROOF_MISMATCH')) return misbehaviour(`the log of ${campaign} serves entries that do not match its signed checkpoint`, keep);
      throw logFailure(error, 'reading the log\'s entries');
    }
  }
  const sid = entry.subarray(1, 17);
  const event = later.findIndex((e) => (e[0] === KIND_WITHDRAWAL || e[0] === KIND_REMOVED) && Buffer.from(e.subarray(1, 17)).equals(sid));
  if (event >= 0) {
    const found = later[event] as Uint8Array;
    const at = receipt.log.index + 2 + event;
    if (found[0] === KIND_REMOVED) return { message: `removed by the collector's operator at position ${at} of the log of ${campaign} (it was counted at position ${position})`, exitCode: EXIT.WITHDRAWN };
    const secret = receipt.withdrawal === undefined ? undefined : Buffer.from(receipt.withdrawal.code.split('.')[1] as string, 'base64url');
    if (secret !== undefined && !secret.equals(found.subarray(17))) {
      return misbehaviour(`withdrawn at position ${at} of the log of ${campaign}, but not with this receipt's withdrawal code: a forged withdrawal`, keep);
    }
    return { message: `withdrawn at position ${at} of the log of ${campaign} (it was counted at position ${position})`, exitCode: EXIT.WITHDRAWN };
  }
  return { message: `counted in the log of ${campaign} at position ${position} of ${size}`, exitCode: EXIT.OK };
}
