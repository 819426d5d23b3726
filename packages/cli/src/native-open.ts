// Opening envelopes with sodium-native (libsodium compiled for this machine, shipped prebuilt in
// its npm package), about twice as fast as the WebAssembly build @secure-sign/crypto uses, with
// @secure-sign/crypto's own openSubmission as the fallback where sodium-native does not load.
//
// Only the sealed box is sodium-native's: crypto's `openSubmissionWith` makes every other check
// (envelope, padding, strict JSON, schema, the ids inside against those outside) exactly as
// `openSubmission` does, and zeroes the padded plaintext once read. test/decrypt-native.test.ts
// runs both over every envelope vector of packages/crypto/test-vectors and compares them.

import {
  openSubmission,
  openSubmissionWith,
  type CampaignKeyPair,
  type Envelope,
  type OpenOptions,
  type OpenedSubmission,
  type SealOpen,
} from '@secure-sign/crypto';
import { createRequire } from 'node:module';

/** The shape of @secure-sign/crypto's `openSubmission`. */
export type OpenFunction = (keys: CampaignKeyPair, input: Envelope | string, options?: OpenOptions) => Promise<OpenedSubmission>;

/** Which implementation opens envelopes. */
export type OpenBackend = 'sodium-native' | 'wasm';

type SodiumNative = typeof import('sodium-native');

const SEAL_BYTES = 48;

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

/** `openSubmission` with sodium-native's `crypto_box_seal_open`; every other check is crypto's own. */
export function nativeOpen(sodium: SodiumNative): OpenFunction {
  const open = openSubmissionWith(nativeSealOpen(sodium));
  return async (keys, input, options = {}) => open(keys, input, options);
}

/** sodium-native's `crypto_box_seal_open` in the shape of crypto's {@link SealOpen}. */
export function nativeSealOpen(sodium: SodiumNative): SealOpen {
  return (sealed, publicKey, secretKey) => {
    const padded = Buffer.allocUnsafe(sealed.length - SEAL_BYTES);
    if (sodium.crypto_box_seal_open(padded, sealed, publicKey, secretKey)) return padded;
    padded.fill(0);
    return undefined;
  };
}

/**
 * The sealed box alone, for crypto's `openEnvelopeWith` (which makes every other check): with
 * sodium-native where it loads, else with the WebAssembly build the CLI ships
 * (libsodium-wrappers-sumo). Both answer `undefined` for a box that does not open.
 *
 * @param load - how sodium-native is loaded (tests pass one that fails, to check the fallback).
 */
export async function loadSealOpen(load: () => SodiumNative = () => createRequire(import.meta.url)('sodium-native') as SodiumNative): Promise<{ sealOpen: SealOpen; backend: OpenBackend }> {
  try {
    const sodium = load();
    if (typeof sodium.crypto_box_seal_open === 'function' && sodium.crypto_box_SEALBYTES === SEAL_BYTES) {
      return { sealOpen: nativeSealOpen(sodium), backend: 'sodium-native' };
    }
  } catch {
    // the WebAssembly build below
  }
  const wasm = (await import('libsodium-wrappers-sumo')).default;
  await wasm.ready;
  return {
    sealOpen: (sealed, publicKey, secretKey) => {
      try {
        return wasm.crypto_box_seal_open(sealed, publicKey, secretKey);
      } catch {
        return undefined;
      }
    },
    backend: 'wasm',
  };
}
