// The campaign key file (docs/cli.md, "Key file format").
//
// Rules for this file:
// - The secret key string (`sssk1...`) is only ever stored encrypted: crypto_secretbox
//   (XSalsa20-Poly1305) under a key derived from the passphrase with Argon2id (crypto_pwhash).
// - The public key string and fingerprint are stored in the clear so that `pubkey`, `fingerprint`
//   and `snippet` need no passphrase; after decryption the public key string is checked against
//   the secret key, so a file whose clear key was edited is refused. The stored fingerprint is for
//   people reading the file: commands always show the one @secure-sign/crypto computes from the
//   key (so a file written before the fingerprint grew to 160 bits still opens).
// - libsodium's sumo build (the only one with crypto_pwhash) is loaded only when a key file is
//   created (here) or unlocked (in the unlock process, kdf-worker.ts: Argon2id's 256 MiB live and
//   die there, and the secret comes back over its IPC channel).
// - Files are written 0600 and never overwritten without --force.

import {
  formatCampaignSecretKey,
  generateCampaignKeys,
  parseCampaignPublicKey,
  parseCampaignSecretKey,
  type CampaignKeyPair,
  type CampaignPublicKey,
} from '@secure-sign/crypto';
import * as z from 'zod';
import { CliError } from './errors.js';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runKdf, type KdfReply, type KdfRequest } from './kdf.js';
import { createPrivateFile, readSmallFile, say } from './io.js';

/** The `type` field of every key file. */
export const KEY_FILE_TYPE = 'secure-sign campaign key';
/** Largest key file accepted. Real ones are under 1 KiB. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
/**
 * Test-only: when this environment variable is `1`, new key files use libsodium's "interactive"
 * Argon2id limits (64 MiB, 2 passes) instead of "moderate" (256 MiB, 3 passes), so that test
 * suites run quickly. Never set it for a real campaign key. It only chooses the limits of new
 * files, and never lowers them below the floor {@link unlockKeyFile} enforces (the interactive
 * limits themselves), so files made with it unlock like any other.
 */
export const FAST_KDF_ENV = 'SECURE_SIGN_INSECURE_FAST_KDF_FOR_TESTS';
/**
 * Lowest limits a key file may ask for when it is unlocked: libsodium's crypto_pwhash_OPSLIMIT_INTERACTIVE
 * and crypto_pwhash_MEMLIMIT_INTERACTIVE. `keygen` never writes less, so a file asking for less was
 * made by something else or edited (to make a stolen copy cheap to guess, say).
 */
export const MIN_OPSLIMIT = 2;
export const MIN_MEMLIMIT = 64 * 1024 * 1024;
/** Highest limits a key file may ask for, so a crafted file cannot make the CLI eat the machine. */
const MAX_MEMLIMIT = 4 * 1024 * 1024 * 1024 - 1;
const MAX_OPSLIMIT = 64;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

const keyFileSchema = z.strictObject({
  type: z.literal(KEY_FILE_TYPE),
  v: z.literal(1),
  publicKey: z.string().max(200),
  fingerprint: z.string().max(200),
  createdAt: z.string().max(40),
  kdf: z.strictObject({
    alg: z.literal('argon2id13'),
    opslimit: z.number().int().min(1).max(MAX_OPSLIMIT),
    memlimit: z.number().int().min(8192).max(MAX_MEMLIMIT),
    salt: base64url.length(22),
  }),
  cipher: z.strictObject({
    alg: z.literal('xsalsa20poly1305'),
    nonce: base64url.length(32),
  }),
  secretKey: base64url.max(400),
});

/** A key file as stored (JSON). */
export type KeyFile = z.infer<typeof keyFileSchema>;

type Sodium = Awaited<typeof import('libsodium-wrappers-sumo')>['default'];

async function sumo(): Promise<Sodium> {
  const { default: sodium } = await import('libsodium-wrappers-sumo');
  await sodium.ready;
  return sodium;
}

/**
 * Runs Argon2id (and, to unlock, the key file's secretbox) in a short-lived child process
 * (dist/kdf-worker.js), so that its memory goes when the process ends; the request and the answer
 * travel over the IPC channel only. From the TypeScript sources (the tests import them) there is
 * no such file, and it runs in this process instead.
 */
async function unlockProcess(request: KdfRequest): Promise<KdfReply> {
  const url = new URL('./kdf-worker.js', import.meta.url);
  if (!existsSync(url)) return runKdf(request);
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(url), [], {
      // Nothing secret in the environment or the arguments; no inherited --inspect or heap flags.
      env: {},
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    let settled = false;
    const settle = (reply: KdfReply): void => {
      if (settled) {
        if ('bytes' in reply) reply.bytes.fill(0);
        return;
      }
      settled = true;
      resolve(reply);
    };
    child.once('message', (message: KdfReply) => {
      const ok = typeof message === 'object' && message !== null && (('bytes' in message && message.bytes instanceof Uint8Array) || 'failure' in message);
      settle(ok ? message : { failure: 'internal' });
    });
    child.once('error', () => settle({ failure: 'kdf' }));
    // Exited without answering: killed for lack of memory, say.
    child.once('exit', () => settle({ failure: 'kdf' }));
    child.send(request);
  });
}

const kdfFailed = (): CliError => new CliError('the passphrase key derivation (Argon2id) failed', 'is there enough free memory? it needs the limits written in the key file');

/**
 * Generates a new campaign key and writes it to `path`, encrypted under `passphrase`.
 *
 * @returns the public half, to print and share.
 * @throws {@link CliError} if the file exists (and `force` is not set) or cannot be written.
 * @example
 * ```ts
 * const publicKey = await createKeyFile('campaign.key', passphrase, false);
 * console.log(publicKey.keyString, publicKey.fingerprint);
 * ```
 */
export async function createKeyFile(path: string, passphrase: string, force: boolean): Promise<CampaignPublicKey> {
  const sodium = await sumo();
  const keys = await generateCampaignKeys();
  const fast = process.env[FAST_KDF_ENV] === '1';
  const opslimit = fast ? sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE : sodium.crypto_pwhash_OPSLIMIT_MODERATE;
  const memlimit = fast ? sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE : sodium.crypto_pwhash_MEMLIMIT_MODERATE;
  const salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const b64 = (bytes: Uint8Array): string => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
  // In this process: keygen exits right after, and only decrypt must stay small.
  const derived = await runKdf({ passphrase, salt: b64(salt), opslimit, memlimit, minOpslimit: MIN_OPSLIMIT, minMemlimit: MIN_MEMLIMIT });
  if (!('bytes' in derived) || derived.bytes.length !== sodium.crypto_secretbox_KEYBYTES) throw kdfFailed();
  const key = derived.bytes;
  const secret = sodium.from_string(formatCampaignSecretKey(keys));
  const sealed = sodium.crypto_secretbox_easy(secret, nonce, key);
  sodium.memzero(key);
  sodium.memzero(secret);
  const file: KeyFile = {
    type: KEY_FILE_TYPE,
    v: 1,
    publicKey: keys.publicKey.keyString,
    fingerprint: keys.publicKey.fingerprint,
    createdAt: new Date().toISOString(),
    kdf: { alg: 'argon2id13', opslimit, memlimit, salt: b64(salt) },
    cipher: { alg: 'xsalsa20poly1305', nonce: b64(nonce) },
    secretKey: b64(sealed),
  };
  const handle = await createPrivateFile(path, force, 'key file');
  try {
    if (!(await handle.stat()).isFile()) throw new CliError(`key file ${path} must be a regular file`, 'give a file name');
    await handle.writeFile(JSON.stringify(file, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return keys.publicKey;
}

/**
 * Reads and validates a key file without decrypting it.
 *
 * @throws {@link CliError} if it cannot be read or is not a key file of a known version.
 */
export async function readKeyFile(path: string): Promise<KeyFile> {
  const text = await readSmallFile(path, MAX_KEY_FILE_BYTES, 'key file');
  const mode = (await stat(path)).mode;
  if ((mode & 0o077) !== 0) say(`warning: key file ${path} can be read by other users (chmod 600 ${path})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not a secure-sign key file (not JSON)`, 'pass the file written by `secure-sign keygen`');
  }
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== 1 && 'type' in json && json.type === KEY_FILE_TYPE) {
    throw new CliError(`key file ${path} has a version this secure-sign does not read`, 'upgrade secure-sign');
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`${path} is not a valid secure-sign key file`, 'pass the file written by `secure-sign keygen`');
  }
  return parsed.data;
}

/**
 * The public key stored in the clear in a key file. Not authenticated until the file is
 * unlocked: {@link unlockKeyFile} checks it.
 *
 * @throws {@link CliError} if the file is not a key file or its public key string is invalid.
 */
export async function keyFilePublicKey(path: string): Promise<CampaignPublicKey> {
  const file = await readKeyFile(path);
  try {
    return await parseCampaignPublicKey(file.publicKey);
  } catch {
    throw new CliError(`key file ${path} holds an invalid public key`, 'the file is damaged; use your backup');
  }
}

/**
 * Decrypts a key file with its passphrase and returns the campaign key pair, after checking that
 * it matches the public key stored in the clear. `passphrase` may be a function that asks for it:
 * it is called only after the file was read and its Argon2id limits checked.
 *
 * @throws {@link CliError} on a wrong passphrase, a damaged file, or Argon2id limits below
 *   libsodium's interactive ones ({@link MIN_OPSLIMIT}, {@link MIN_MEMLIMIT}).
 */
export async function unlockKeyFile(path: string, passphrase: string | (() => Promise<string>)): Promise<CampaignKeyPair> {
  const file = await readKeyFile(path);
  if (file.kdf.opslimit < MIN_OPSLIMIT || file.kdf.memlimit < MIN_MEMLIMIT) {
    // Checked before the passphrase is used: a weak derivation would make it cheap to guess.
    throw new CliError(
      `key file ${path} asks for Argon2id limits below libsodium's interactive ones (opslimit ${file.kdf.opslimit}, memlimit ${file.kdf.memlimit}; at least ${MIN_OPSLIMIT} and ${MIN_MEMLIMIT} (64 MiB) are required): it is broken or was tampered with`,
      'use your backup of the file written by secure-sign keygen',
    );
  }
  // Asked only now, so a file that is refused above never gets a passphrase typed for it.
  if (typeof passphrase === 'function') passphrase = await passphrase();
  const reply = await unlockProcess({
    passphrase,
    salt: file.kdf.salt,
    opslimit: file.kdf.opslimit,
    memlimit: file.kdf.memlimit,
    box: { nonce: file.cipher.nonce, sealed: file.secretKey },
    minOpslimit: MIN_OPSLIMIT,
    minMemlimit: MIN_MEMLIMIT,
  });
  if ('failure' in reply) {
    if (reply.failure === 'wrong') throw new CliError(`wrong passphrase for key file ${path} (or the file is damaged)`, 'check the passphrase and try again');
    if (reply.failure === 'damaged') throw new CliError(`${path} is not a valid secure-sign key file`, 'the file is damaged; use your backup');
    if (reply.failure === 'internal') throw new Error('the unlock process failed: libsodium interactive limits changed (update MIN_OPSLIMIT and MIN_MEMLIMIT) or a bug');
    throw kdfFailed();
  }
  let keys: CampaignKeyPair;
  try {
    keys = await parseCampaignSecretKey(new TextDecoder('utf-8', { fatal: true }).decode(reply.bytes));
  } catch {
    throw new CliError(`key file ${path} holds an invalid secret key`, 'the file is damaged; use your backup');
  } finally {
    // The bytes can be wiped; the string parsed from them cannot (JavaScript strings are immutable).
    reply.bytes.fill(0);
  }
  if (keys.publicKey.keyString !== file.publicKey) {
    throw new CliError(`key file ${path}: the public key stored in it does not match its secret key`, 'the file was edited or damaged; use your backup');
  }
  return keys;
}
