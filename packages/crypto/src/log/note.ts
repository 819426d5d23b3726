/**
 * Signed notes (c2sp.org/signed-note), verifier keys, and the Ed25519 signature types a log and its
 * witnesses use: 0x01 (note signatures, the log's own) and 0x04 (timestamped Ed25519 checkpoint
 * cosignatures, c2sp.org/tlog-cosignature, what a tlog-witness returns).
 *
 *   <text ending in \n>\n— <key name> <base64(key id || signature)>\n[— ...\n]
 *
 * Ed25519 itself is not implemented here: callers pass the sign and verify functions (libsodium's
 * `crypto_sign_detached` and `crypto_sign_verify_detached` fit as they are), so this module stays
 * synchronous-hash-only and loads without libsodium.
 *
 * Rules applied when opening a note (the spec's MUSTs, and the SHOULDs this module takes):
 * - at most {@link MAX_NOTE_BYTES} bytes of valid UTF-8, no control character other than newline;
 * - the text is everything up to and including the newline before the last empty line; after it
 *   come one or more signature lines, at most {@link MAX_NOTE_SIGNATURES};
 * - key names are non-empty, without Unicode white space or `+`; signatures are canonical base64
 *   of a 4-byte key id and at least one byte;
 * - a signature whose name and key id match no known verifier is ignored; one that matches is
 *   verified, and if it fails the whole note is refused; a note with no verified signature is refused.
 *
 * @packageDocumentation
 */
import { concat, fromBase64, fromUtf8, sha256, toBase64, toHex, utf8 } from './bytes.js';
import { LogError } from './errors.js';

/** The largest note accepted, in UTF-8 bytes (room for 16 post-quantum signatures, as the spec asks). */
export const MAX_NOTE_BYTES = 65536;
/** The most signature lines accepted on one note (the spec requires at least 16). */
export const MAX_NOTE_SIGNATURES = 64;

/** Signature type of Ed25519 note signatures (c2sp.org/signed-note). */
export const SIGNATURE_TYPE_ED25519 = 0x01;
/** Signature type of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature). */
export const SIGNATURE_TYPE_COSIGNATURE_ED25519 = 0x04;

/** One signature line of a note. */
export interface NoteSignature {
  /** The key name. */
  readonly name: string;
  /** The 32-bit key id (big-endian first four bytes of the line's base64 payload). */
  readonly keyId: number;
  /** The signature bytes after the key id. */
  readonly signature: Uint8Array;
}

/** A note split into its text and signature lines, none of them verified yet. */
export interface ParsedNote {
  /** The note text, ending with a newline. Not to be trusted before {@link openNote}. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A note whose text carries at least one verified signature. */
export interface OpenedNote {
  /** The note text, ending with a newline. */
  readonly text: string;
  /** Signatures made by known keys, all verified. */
  readonly verified: readonly NoteSignature[];
  /** Signatures of unknown keys, ignored (kept so a witness can pass them on). */
  readonly unknown: readonly NoteSignature[];
}

/** Verifies signatures of one key. `verify` gets the note text's UTF-8 bytes and the signature bytes after the key id. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean | PromiseLike<boolean>;
}

/** Signs notes with one key. `sign` gets the note text's UTF-8 bytes and returns the signature bytes (without the key id). */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array | PromiseLike<Uint8Array>;
}

/** A parsed verifier key, `<name>+<hex key id>+<base64(type || public key)>`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  /** The signature type byte, e.g. {@link SIGNATURE_TYPE_ED25519}. */
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/** Ed25519 verification as libsodium's `crypto_sign_verify_detached(signature, message, publicKey)`. */
export type Ed25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean | PromiseLike<boolean>;
/** Ed25519 signing with a secret key the function holds, e.g. `(m) => sodium.crypto_sign_detached(m, secretKey)`. */
export type Ed25519Sign = (message: Uint8Array) => Uint8Array | PromiseLike<Uint8Array>;

const EM_DASH = '\u2014';
const SIGNATURE_PREFIX = `${EM_DASH} `;
// Key names: non-empty, no Unicode white space, no '+'.
const BAD_NAME_CHARACTER = /[\p{White_Space}+]/u;
const FORBIDDEN_CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

function malformed(message: string): LogError {
  return new LogError('MALFORMED_NOTE', message);
}

function isKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.isWellFormed() && !BAD_NAME_CHARACTER.test(name) && !FORBIDDEN_CONTROL.test(name);
}

function checkKeyNameArgument(name: unknown): asserts name is string {
  if (!isKeyName(name)) throw new TypeError('name must be a non-empty key name without white space, "+" or control characters');
}

function checkKeyIdArgument(keyId: unknown): asserts keyId is number {
  if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) {
    throw new TypeError('keyId must be a 32-bit unsigned integer');
  }
}

function checkPublicKeyArgument(publicKey: unknown): asserts publicKey is Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('publicKey must be a 32-byte Uint8Array');
}

function uint32(bytes: Uint8Array): number {
  return (((bytes[0] as number) << 24) >>> 0) + ((bytes[1] as number) << 16) + ((bytes[2] as number) << 8) + (bytes[3] as number);
}

function uint32Bytes(value: number): Uint8Array {
  return new Uint8Array([Math.floor(value / 2 ** 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}

/**
 * The key id of a note key: the first four bytes, big-endian, of
 * SHA-256(key name || 0x0A || signature type || public key).
 *
 * @example
 * ```ts
 * noteKeyId('collector.example/open-letter', SIGNATURE_TYPE_ED25519, publicKey).toString(16);
 * ```
 */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  checkKeyNameArgument(name);
  if (!Number.isInteger(type) || type < 0 || type > 255) throw new TypeError('type must be a byte');
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array');
  return uint32(sha256(utf8(name), new Uint8Array([0x0a, type]), publicKey));
}

/**
 * The verifier key string of a public key: `<name>+<8 hex digits of key id>+<base64(type || key)>`.
 *
 * @example
 * ```ts
 * formatVerifierKey('collector.example/open-letter', publicKey); // 'collector.example/open-letter+1a2b3c4d+AbC…'
 * ```
 */
export function formatVerifierKey(name: string, publicKey: Uint8Array, type: number = SIGNATURE_TYPE_ED25519): string {
  checkKeyNameArgument(name);
  checkPublicKeyArgument(publicKey);
  const keyId = noteKeyId(name, type, publicKey);
  return `${name}+${toHex(uint32Bytes(keyId))}+${toBase64(concat([new Uint8Array([type]), publicKey]))}`;
}

/**
 * Parses a verifier key string. Only the Ed25519 types 0x01 and 0x04 are supported, and their key
 * id must be the one their name and key derive (so a typo in any part is caught).
 *
 * @throws LogError `INVALID_VERIFIER_KEY` if the string is malformed, of another type, or inconsistent.
 * @example
 * ```ts
 * const key = parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
 * key.type; // 1
 * ```
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  const invalid = (why: string) => new LogError('INVALID_VERIFIER_KEY', `invalid verifier key: ${why}`);
  if (typeof vkey !== 'string') throw new TypeError('vkey must be a string');
  // The name and the hex id hold no '+'; the base64 key may.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw invalid('expected <name>+<key id>+<key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const keyText = vkey.slice(second + 1);
  if (!isKeyName(name)) throw invalid('bad key name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw invalid('the key id must be 8 lower-case hex digits');
  const material = fromBase64(keyText);
  if (material === undefined || material.length < 2) throw invalid('the key must be canonical base64 of a type byte and a key');
  const type = material[0] as number;
  const publicKey = material.slice(1);
  if (type !== SIGNATURE_TYPE_ED25519 && type !== SIGNATURE_TYPE_COSIGNATURE_ED25519) throw invalid(`unsupported signature type ${type}`);
  if (publicKey.length !== 32) throw invalid('an Ed25519 key has 32 bytes');
  const keyId = Number.parseInt(idHex, 16);
  if (noteKeyId(name, type, publicKey) !== keyId) throw invalid('the key id does not match the name and key');
  return { name, keyId, type, publicKey };
}

/**
 * Splits a note into text and signature lines, enforcing the format and the limits. Nothing is
 * verified: use {@link openNote} before reading the text.
 *
 * @throws LogError `MALFORMED_NOTE` for any departure from c2sp.org/signed-note or a limit of this module.
 */
export function parseNote(message: string | Uint8Array): ParsedNote {
  let text: string;
  if (typeof message === 'string') {
    if (!message.isWellFormed()) throw malformed('the note is not valid Unicode');
    if (message.length > MAX_NOTE_BYTES || utf8(message).length > MAX_NOTE_BYTES) throw malformed(`the note is larger than ${MAX_NOTE_BYTES} bytes`);
    text = message;
  } else if (message instanceof Uint8Array) {
    if (message.length > MAX_NOTE_BYTES) throw malformed(`the note is larger than ${MAX_NOTE_BYTES} bytes`);
    const decoded = fromUtf8(message);
    if (decoded === undefined) throw malformed('the note is not valid UTF-8');
    text = decoded;
  } else {
    throw new TypeError('message must be a string or a Uint8Array');
  }
  if (FORBIDDEN_CONTROL.test(text)) throw malformed('the note contains a control character other than newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('the note has no blank line before its signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block.length === 0) throw malformed('the note has no signature');
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`the note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line, i) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed(`signature line ${i + 1} does not start with an em dash and a space`);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    if (!isKeyName(name)) throw malformed(`signature line ${i + 1} has no valid key name`);
    const bytes = fromBase64(rest.slice(space + 1));
    if (bytes === undefined || bytes.length < 5) throw malformed(`signature line ${i + 1} is not canonical base64 of a key id and a signature`);
    return { name, keyId: uint32(bytes), signature: bytes.slice(4) };
  });
  return { text: body, signatures };
}

function checkNoteText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) throw new TypeError('text must be a non-empty string ending with a newline');
  if (!text.isWellFormed() || FORBIDDEN_CONTROL.test(text)) throw new TypeError('text must be valid Unicode without control characters other than newline');
}

/**
 * Formats a note from its text and signature lines (to pass on a note with cosignatures added).
 *
 * @throws TypeError if the text does not end with a newline, or a signature is malformed.
 * @throws LogError `MALFORMED_NOTE` if the result would exceed the limits {@link openNote} applies.
 */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (signatures.length === 0) throw new TypeError('a note needs at least one signature');
  const lines = signatures.map(({ name, keyId, signature }) => {
    checkKeyNameArgument(name);
    checkKeyIdArgument(keyId);
    if (!(signature instanceof Uint8Array) || signature.length === 0) throw new TypeError('signature must be a non-empty Uint8Array');
    return `${SIGNATURE_PREFIX}${name} ${toBase64(concat([uint32Bytes(keyId), signature]))}\n`;
  });
  const note = `${text}\n${lines.join('')}`;
  parseNote(note); // the limits: never write what a reader refuses
  return note;
}

/**
 * Signs a note text with one or more keys.
 *
 * @throws TypeError if the text does not end with a newline or has control characters.
 * @example
 * ```ts
 * const note = await signNote(formatCheckpoint(checkpoint), [logSigner]);
 * ```
 */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  checkNoteText(text);
  const bytes = utf8(text);
  const signatures: NoteSignature[] = [];
  for (const signer of signers) {
    checkKeyNameArgument(signer.name);
    checkKeyIdArgument(signer.keyId);
    const signature = await signer.sign(bytes);
    signatures.push({ name: signer.name, keyId: signer.keyId, signature });
  }
  return formatNote(text, signatures);
}

/**
 * Opens a signed note: verifies every signature of a known key and returns the text.
 *
 * @throws LogError `MALFORMED_NOTE` if the note is malformed or exceeds a limit.
 * @throws LogError `NOTE_BAD_SIGNATURE` if a signature of a known key does not verify, or one key signed twice.
 * @throws LogError `NOTE_NOT_VERIFIED` if no known key signed it.
 * @example
 * ```ts
 * const log = ed25519NoteVerifier(pinnedVkey, sodium.crypto_sign_verify_detached);
 * const { text } = await openNote(await (await fetch(url)).text(), [log]);
 * ```
 */
export async function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): Promise<OpenedNote> {
  const known = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    checkKeyNameArgument(verifier.name);
    checkKeyIdArgument(verifier.keyId);
    const key = `${verifier.keyId} ${verifier.name}`;
    if (known.has(key)) throw new TypeError('two verifiers share a key name and key id');
    known.set(key, verifier);
  }
  const note = parseNote(message);
  const textBytes = utf8(note.text);
  const verified: NoteSignature[] = [];
  const unknown: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const signature of note.signatures) {
    const key = `${signature.keyId} ${signature.name}`;
    const verifier = known.get(key);
    if (verifier === undefined) {
      unknown.push(signature);
      continue;
    }
    if (seen.has(key)) throw new LogError('NOTE_BAD_SIGNATURE', `the key ${signature.name} signed the note twice`);
    seen.add(key);
    if ((await verifier.verify(textBytes, signature.signature)) !== true) {
      throw new LogError('NOTE_BAD_SIGNATURE', `the signature of ${signature.name} does not verify`);
    }
    verified.push(signature);
  }
  if (verified.length === 0) throw new LogError('NOTE_NOT_VERIFIED', 'no known key signed the note');
  return { text: note.text, verified, unknown };
}

function verifierKeyOf(vkey: string | VerifierKey, type: number): VerifierKey {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  if (key.type !== type) throw new LogError('INVALID_VERIFIER_KEY', `invalid verifier key: expected signature type ${type}, not ${key.type}`);
  return key;
}

/**
 * A verifier of Ed25519 note signatures (type 0x01), such as a log's checkpoint signature.
 *
 * @throws LogError `INVALID_VERIFIER_KEY` if the key is malformed or not of type 0x01.
 * @example
 * ```ts
 * const verifier = ed25519NoteVerifier(vkey, (s, m, k) => sodium.crypto_sign_verify_detached(s, m, k));
 * ```
 */
export function ed25519NoteVerifier(vkey: string | VerifierKey, verify: Ed25519Verify): NoteVerifier {
  const { name, keyId, publicKey } = verifierKeyOf(vkey, SIGNATURE_TYPE_ED25519);
  return {
    name,
    keyId,
    verify: async (text, signature) => signature.length === 64 && (await verify(signature, text, publicKey)) === true,
  };
}

/**
 * A signer of Ed25519 note signatures (type 0x01) for the key named `name` with public key `publicKey`.
 *
 * @example
 * ```ts
 * const signer = ed25519NoteSigner(origin, publicKey, (m) => sodium.crypto_sign_detached(m, secretKey));
 * ```
 */
export function ed25519NoteSigner(name: string, publicKey: Uint8Array, sign: Ed25519Sign): NoteSigner {
  checkPublicKeyArgument(publicKey);
  const keyId = noteKeyId(name, SIGNATURE_TYPE_ED25519, publicKey);
  return { name, keyId, sign: async (text) => checkEd25519Signature(await sign(text)) };
}

function checkEd25519Signature(signature: Uint8Array): Uint8Array {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) throw new TypeError('the Ed25519 sign function must return 64 bytes');
  return signature;
}

const MAX_TIMESTAMP = 2n ** 63n - 1n;

function cosignedMessage(timestamp: bigint, text: Uint8Array): Uint8Array {
  return concat([utf8(`cosignature/v1\ntime ${timestamp}\n`), text]);
}

/**
 * The timestamp (POSIX seconds) of an Ed25519 cosignature (type 0x04) line, or `undefined` if the
 * signature bytes are not of that shape.
 */
export function cosignatureTimestamp(signature: NoteSignature): bigint | undefined {
  if (signature.signature.length !== 72) return undefined;
  const timestamp = new DataView(signature.signature.buffer, signature.signature.byteOffset, 8).getBigUint64(0);
  return timestamp <= MAX_TIMESTAMP ? timestamp : undefined;
}

/**
 * A verifier of a witness's timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature,
 * type 0x04): the signature is a big-endian u64 timestamp and an Ed25519 signature over
 * `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text.
 *
 * @throws LogError `INVALID_VERIFIER_KEY` if the key is malformed or not of type 0x04.
 * @example
 * ```ts
 * const witness = ed25519CosignatureVerifier(partnerVkey, sodium.crypto_sign_verify_detached);
 * ```
 */
export function ed25519CosignatureVerifier(vkey: string | VerifierKey, verify: Ed25519Verify): NoteVerifier {
  const { name, keyId, publicKey } = verifierKeyOf(vkey, SIGNATURE_TYPE_COSIGNATURE_ED25519);
  return {
    name,
    keyId,
    verify: async (text, signature) => {
      const timestamp = cosignatureTimestamp({ name, keyId, signature });
      if (timestamp === undefined) return false;
      return (await verify(signature.slice(8), cosignedMessage(timestamp, text), publicKey)) === true;
    },
  };
}

/**
 * A cosigner (type 0x04) for the key named `name`: what a witness uses to cosign a checkpoint it
 * checked. `now` gives the POSIX time in seconds (default: the system clock).
 */
export function ed25519Cosigner(name: string, publicKey: Uint8Array, sign: Ed25519Sign, now: () => number = () => Date.now() / 1000): NoteSigner {
  checkPublicKeyArgument(publicKey);
  const keyId = noteKeyId(name, SIGNATURE_TYPE_COSIGNATURE_ED25519, publicKey);
  return {
    name,
    keyId,
    sign: async (text) => {
      const seconds = Math.floor(now());
      if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new RangeError('now() must return a positive time in seconds');
      const timestamp = BigInt(seconds);
      const signature = checkEd25519Signature(await sign(cosignedMessage(timestamp, text)));
      const out = new Uint8Array(72);
      new DataView(out.buffer).setBigUint64(0, timestamp);
      out.set(signature, 8);
      return out;
    },
  };
}
