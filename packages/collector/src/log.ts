// The collector's transparency log, above the store: its Ed25519 key, the origin of each
// campaign's log, and the signing of checkpoints (docs/log.md, docs/operations.md "The log key").
// Rules of this file:
// - One log key per collector database (the `log-key` row of the secrets table, created race-free
//   by the first process that needs it); every process sharing the database signs with it.
// - Checkpoints are signed in batches by a timer, never per request: each tick signs at most one
//   checkpoint per campaign whose log grew, and the store keeps it only if it is larger than the
//   stored one. The tree is deterministic and so is Ed25519, so two processes signing the same
//   size produce the same checkpoint.
// - A checkpoint carries two extension lines, `count <N>` then `confirmed <N>`: the public count
//   and the confirmed count at exactly its size, read from the row of that seq (fixed once
//   committed), never from the live campaign counts.
// - Receipts carry a promise, a signed note over `secure-sign promise/v1`, the origin, the index
//   and the entry, signed per request (one Ed25519 signature and its note, about 0.1-0.3 ms on the benchmark machine). Its first
//   line is not an origin of ours, so no checkpoint parser mistakes it for a checkpoint.
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  formatConfirmedLine,
  formatCountLine,
  formatVerifierKey,
  signNote,
  treeRoot,
  type NoteSigner,
  type NoteVerifier,
} from '@secure-sign/crypto/log';
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from './store/types.js';

/** Name of the secrets row holding the log key's 32-byte Ed25519 seed (hex). */
export const LOG_KEY_SECRET = 'log-key';

/** How often each process looks for logs that grew and signs their checkpoints, by default. */
export const CHECKPOINT_INTERVAL_MS = 250;

// PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410), so node:crypto can load it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The collector's log key. */
export interface LogKey {
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The note signer for a log origin (the key name is the origin). */
  signer(origin: string): NoteSigner;
  /** The C2SP verifier key for a log origin: `<origin>+<key id>+<base64(0x01 || public key)>`. */
  vkey(origin: string): string;
  /** A verifier of this key's signatures under a log origin. */
  verifier(origin: string): NoteVerifier;
}

/** Builds the log key from its 32-byte seed in hex. */
export function logKeyFromSeed(seedHex: string): LogKey {
  if (!/^[0-9a-f]{64}$/.test(seedHex)) throw new TypeError('log key: expected 32 bytes in hex');
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' });
  const publicKeyObject = createPublicKey(privateKey);
  const publicKey = new Uint8Array(publicKeyObject.export({ format: 'der', type: 'spki' }).subarray(-32));
  const signMessage = (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey));
  const verifyMessage = (signature: Uint8Array, message: Uint8Array) => verify(null, message, publicKeyObject, signature);
  // One signer per origin (its key id is a hash): receipts sign per request.
  const signers = new Map<string, NoteSigner>();
  return {
    publicKey,
    signer(origin) {
      let signer = signers.get(origin);
      if (!signer) signers.set(origin, (signer = ed25519NoteSigner(origin, publicKey, signMessage)));
      return signer;
    },
    vkey: (origin) => formatVerifierKey(origin, publicKey),
    verifier: (origin) => ed25519NoteVerifier(formatVerifierKey(origin, publicKey), verifyMessage),
  };
}

/** Loads the log key of this database, creating it on first use. */
export async function loadLogKey(store: Store): Promise<LogKey> {
  return logKeyFromSeed(await store.sharedSecret(LOG_KEY_SECRET));
}

/**
 * The origin line (and key name) of a campaign's log: `<log name>/<campaign>`, e.g.
 * `collector.example/open-letter`. The log name is `--log-name` (docs/operations.md).
 */
export function logOrigin(logName: string, campaign: string): string {
  return `${logName}/${campaign}`;
}

/** First line of a promise note: names what it is, and is not a log origin. */
export const PROMISE_HEADER = 'secure-sign promise/v1';

/** The text a promise signs: the collector's statement that `entry` is at `index` of the log `origin`. */
export function promiseText(origin: string, index: number, entry: Uint8Array): string {
  return `${PROMISE_HEADER}\n${origin}\n${index}\n${Buffer.from(entry).toString('base64')}\n`;
}

/**
 * The promise of a receipt: a C2SP signed note by the log key (key name = the log origin) over
 * {@link promiseText}. Ed25519 is deterministic, so a retry gets the same bytes.
 */
export async function signPromise(key: LogKey, origin: string, index: number, entry: Uint8Array): Promise<string> {
  return signNote(promiseText(origin, index, entry), [key.signer(origin)]);
}

/**
 * Signs and stores a checkpoint for every campaign whose log grew past its stored checkpoint (or
 * has none yet): one signature per campaign per call, whatever the number of new entries.
 *
 * @returns how many checkpoints were stored.
 */
export async function issueCheckpoints(store: Store, key: LogKey, logName: string, now: () => number = Date.now): Promise<number> {
  let stored = 0;
  for (const { campaign, size, count, confirmed } of await store.pendingCheckpoints()) {
    const origin = logOrigin(logName, campaign);
    const root = await treeRoot({ readHashes: (ids) => store.readLogHashes(campaign, ids) }, size);
    const extensions = [formatCountLine(count), formatConfirmedLine(confirmed)];
    const note = await signNote(formatCheckpoint({ origin, size, rootHash: root, extensions }), [key.signer(origin)]);
    if (await store.putCheckpoint(campaign, { size, root, note, signedAt: new Date(now()).toISOString() })) stored++;
  }
  return stored;
}

/** A running checkpoint timer. */
export interface Checkpointer {
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * Starts signing checkpoints every `intervalMs` (ticks never overlap). A failing tick is logged
 * (without details that could carry data) and retried at the next one.
 */
export function startCheckpointer(options: { store: Store; logName: string; logger: Logger; intervalMs?: number }): Checkpointer {
  const { store, logName, logger } = options;
  let key: Promise<LogKey> | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  const tick = async () => {
    try {
      key ??= loadLogKey(store);
      await issueCheckpoints(store, await key, logName);
      failing = false;
    } catch (error) {
      key = undefined;
      if (!failing) logger.warn({ err: { name: (error as Error).name, code: (error as { code?: unknown }).code } }, 'could not sign checkpoints');
      failing = true;
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = tick().finally(() => (running = undefined));
  }, options.intervalMs ?? CHECKPOINT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
