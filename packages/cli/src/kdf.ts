// Argon2id and the key file's secretbox, as one step: what the unlock process (kdf-worker.ts) runs.
// keyfile.ts runs it in that process; from the TypeScript sources (the tests import them), where
// there is no built kdf-worker.js to start, it runs in-process.
// libsodium's sumo build is imported only when this runs: it starts its WebAssembly on import.

/** @internal What the unlock process is sent over its IPC channel. */
export interface KdfRequest {
  readonly passphrase: string;
  /** base64url, as in the key file. */
  readonly salt: string;
  readonly opslimit: number;
  readonly memlimit: number;
  /** The key file's sealed secret (base64url): opened if given, else the derived key is the answer (keygen). */
  readonly box?: { readonly nonce: string; readonly sealed: string } | undefined;
  /** The floor keyfile.ts enforces, to check it still equals libsodium's interactive limits. */
  readonly minOpslimit: number;
  readonly minMemlimit: number;
}

/** @internal The answer: the opened secret (or derived key), or why not, in one word. */
export type KdfReply = { readonly bytes: Uint8Array } | { readonly failure: 'damaged' | 'wrong' | 'kdf' | 'internal' };

/**
 * @internal Derives the key with Argon2id and opens the box with it. Zeroes the passphrase's
 * bytes and the derived key (unless it is the answer); the caller zeroes the answer.
 */
export async function runKdf(request: KdfRequest): Promise<KdfReply> {
  const { default: sodium } = await import('libsodium-wrappers-sumo');
  await sodium.ready;
  if (sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE !== request.minOpslimit || sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE !== request.minMemlimit) {
    return { failure: 'internal' };
  }
  const from64 = (text: string): Uint8Array | undefined => {
    try {
      return sodium.from_base64(text, sodium.base64_variants.URLSAFE_NO_PADDING);
    } catch {
      return undefined;
    }
  };
  const salt = from64(request.salt);
  const nonce = request.box && from64(request.box.nonce);
  const sealed = request.box && from64(request.box.sealed);
  if (salt?.length !== sodium.crypto_pwhash_SALTBYTES || (request.box && (nonce?.length !== sodium.crypto_secretbox_NONCEBYTES || !sealed))) {
    return { failure: 'damaged' };
  }
  const passphrase = sodium.from_string(request.passphrase);
  let key: Uint8Array;
  try {
    key = sodium.crypto_pwhash(sodium.crypto_secretbox_KEYBYTES, passphrase, salt, request.opslimit, request.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
  } catch {
    return { failure: 'kdf' };
  } finally {
    sodium.memzero(passphrase);
  }
  if (!request.box) return { bytes: key };
  try {
    return { bytes: sodium.crypto_secretbox_open_easy(sealed as Uint8Array, nonce as Uint8Array, key) };
  } catch {
    return { failure: 'wrong' };
  } finally {
    sodium.memzero(key);
  }
}
