// Opening envelopes with sodium-native (libsodium compiled for this machine, shipped prebuilt in
// its npm package), about twice as fast as the WebAssembly build @secure-sign/crypto uses, with
// @secure-sign/crypto's own openSubmission as the fallback where sodium-native does not load.
//
// Rules for this file:
// - Same shape and same answers as `openSubmission`: every check it makes, in the same order, with
//   the same error codes. test/decrypt-native.test.ts runs both over every envelope vector of
//   packages/crypto/test-vectors and compares outcomes and outputs.
// - The envelope is checked by crypto's own `parseEnvelope`, and the plaintext by its own
//   `plaintextSchema`: only the sealed-box call, the padding rule (format.md §3.3) and the
//   duplicate-member rule (format.md §1) are restated here, because crypto does not export them.
// - The padded plaintext is zeroed once its text has been read.

import {
  AUTHENTICATION_FAILED_MESSAGE,
  PADDING_BUCKETS,
  SecureSignError,
  openSubmission,
  parseEnvelope,
  plaintextSchema,
  type CampaignKeyPair,
  type Envelope,
  type OpenOptions,
  type OpenedSubmission,
} from '@secure-sign/crypto';
import { createRequire } from 'node:module';

/** The shape of @secure-sign/crypto's `openSubmission`. */
export type OpenFunction = (keys: CampaignKeyPair, input: Envelope | string, options?: OpenOptions) => Promise<OpenedSubmission>;

/** Which implementation opens envelopes. */
export type OpenBackend = 'sodium-native' | 'wasm';

type SodiumNative = typeof import('sodium-native');

const SEAL_BYTES = 48;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Loads sodium-native and returns an `openSubmission` that uses it, or crypto's own (WebAssembly)
 * `openSubmission` if it cannot be loaded (no prebuilt binary for this platform, say).
 *
 * @param load - how sodium-native is loaded (tests pass one that fails, to check the fallback).
 * @example
 * ```ts
 * const { open, backend } = loadOpen();
 * const { signer } = await open(keys, line, { campaign: 'open-letter' });
 * ```
 */
export function loadOpen(load: () => SodiumNative = () => createRequire(import.meta.url)('sodium-native') as SodiumNative): { open: OpenFunction; backend: OpenBackend } {
  let sodium: SodiumNative;
  try {
    sodium = load();
    if (typeof sodium.crypto_box_seal_open !== 'function' || sodium.crypto_box_SEALBYTES !== SEAL_BYTES) throw new Error('unexpected sodium-native');
  } catch {
    return { open: openSubmission, backend: 'wasm' };
  }
  return { open: nativeOpen(sodium), backend: 'sodium-native' };
}

/** `openSubmission` with sodium-native's `crypto_box_seal_open`. */
export function nativeOpen(sodium: SodiumNative): OpenFunction {
  return async (keys, input, options = {}) => openSync(sodium, keys, input, options);
}

function openSync(sodium: SodiumNative, keys: CampaignKeyPair, input: Envelope | string, options: OpenOptions): OpenedSubmission {
  const envelope = parseEnvelope(input);
  if (options.campaign !== undefined && envelope.campaign !== options.campaign) {
    throw new SecureSignError('CAMPAIGN_MISMATCH', 'envelope belongs to another campaign');
  }
  if (envelope.kid !== keys.publicKey.keyId) {
    throw new SecureSignError('KEY_MISMATCH', 'envelope was sealed to another campaign key');
  }
  // parseEnvelope has checked that ct is canonical base64url.
  const sealed = Buffer.from(envelope.ct, 'base64url');
  if (sealed.length < SEAL_BYTES) throw new SecureSignError('AUTHENTICATION_FAILED', AUTHENTICATION_FAILED_MESSAGE);
  const padded = Buffer.allocUnsafe(sealed.length - SEAL_BYTES);
  let text: string | undefined;
  try {
    if (!sodium.crypto_box_seal_open(padded, sealed, keys.publicKey.encryptionKey, keys.encryptionSecretKey)) {
      throw new SecureSignError('AUTHENTICATION_FAILED', AUTHENTICATION_FAILED_MESSAGE);
    }
    try {
      text = decoder.decode(unpad(padded));
    } catch (error) {
      if (error instanceof SecureSignError) throw error;
      text = undefined;
    }
  } finally {
    padded.fill(0);
  }
  if (text === undefined) throw new SecureSignError('SCHEMA_VIOLATION', 'plaintext is not valid UTF-8 JSON');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecureSignError('SCHEMA_VIOLATION', 'plaintext is not valid UTF-8 JSON');
  }
  if (hasDuplicateMemberName(text)) throw new SecureSignError('SCHEMA_VIOLATION', 'plaintext has two members of the same name');
  const result = plaintextSchema.safeParse(value);
  // crypto lists the issues; the CLI reports codes only, so the message stays short.
  if (!result.success) throw new SecureSignError('SCHEMA_VIOLATION', 'invalid plaintext');
  const plaintext = result.data;
  if (plaintext.campaign !== envelope.campaign) {
    throw new SecureSignError('CAMPAIGN_MISMATCH', 'campaign inside the envelope differs from the one outside');
  }
  if (plaintext.sid !== envelope.sid) {
    throw new SecureSignError('SUBMISSION_MISMATCH', 'submission id inside the envelope differs from the one outside');
  }
  if (plaintext.wh !== envelope.wh) {
    throw new SecureSignError('WITHDRAWAL_MISMATCH', 'withdrawal hash inside the envelope differs from the one outside');
  }
  return {
    campaign: plaintext.campaign,
    submissionId: plaintext.sid,
    withdrawalHash: plaintext.wh,
    createdAt: plaintext.createdAt,
    signer: plaintext.signer,
  };
}

/** ISO/IEC 7816-4 padding to the smallest bucket that fits (format.md §3.3), as crypto's unpad. */
function unpad(padded: Uint8Array): Uint8Array {
  if (!PADDING_BUCKETS.includes(padded.length)) throw new SecureSignError('BAD_PADDING', 'padded plaintext is not one of the bucket sizes');
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new SecureSignError('BAD_PADDING', 'padding marker missing');
  if (PADDING_BUCKETS.find((bucket) => bucket > end) !== padded.length) {
    throw new SecureSignError('BAD_PADDING', 'plaintext padded to a larger bucket than needed');
  }
  return padded.subarray(0, end);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether text that JSON.parse accepted has an object with two members of the same name (names
 * compared after unescaping). One pass, no recursion, as crypto's json.ts.
 */
export function hasDuplicateMemberName(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let names: Set<string> | null = null;
  let expectName = false;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let k = end - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectName && names !== null) {
        let name = text.slice(i + 1, end);
        if (name.includes('\\')) name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
        expectName = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b) {
      stack.push(names);
      names = new Set();
      expectName = true;
    } else if (c === 0x5b) {
      stack.push(names);
      names = null;
      expectName = false;
    } else if (c === 0x7d || c === 0x5d) {
      names = stack.pop() ?? null;
      expectName = false;
    } else if (c === 0x2c) {
      expectName = names !== null;
    }
    i++;
  }
  return false;
}
