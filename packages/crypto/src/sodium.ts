// The only module that touches libsodium: through libsodium-wrappers, libsodium.js's maintained
// JavaScript API over its WebAssembly build (package `libsodium`), which checks every size and
// copies every result out of WebAssembly memory itself. One addition: each buffer the wrappers
// allocate in WebAssembly memory is zeroed when they free it (some hold secret keys or
// plaintext), which the wrappers do not do. Randomness comes from the platform's
// crypto.getRandomValues, as in every libsodium.js build.
import sodium from 'libsodium-wrappers';

/** @internal The operations this package needs, as libsodium-wrappers names them. */
export interface Sodium {
  randombytes_buf(size: number): Uint8Array;
  crypto_box_keypair(): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_box_seal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** @throws Error if the box does not open. */
  crypto_box_seal_open(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array;
  crypto_sign_seed_keypair(seed: Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_sign_detached(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** False for a signature or key of the wrong size too (the wrappers would throw). */
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** @throws Error if the key is not a valid Ed25519 point. */
  crypto_sign_ed25519_pk_to_curve25519(publicKey: Uint8Array): Uint8Array;
  crypto_generichash(length: number, message: Uint8Array, key: null): Uint8Array;
}

/** What the wrappers use of the raw module (their `libsodium` member): its allocator and memory. */
interface RawHeap {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
}

/**
 * Makes the raw module zero each buffer when it is freed. The wrappers call `_malloc` and `_free`
 * as members of the module, so replacing the two members is enough; sizes are remembered from
 * `_malloc`. HEAPU8 is read afresh each time: a growing WebAssembly memory replaces it.
 */
function zeroOnFree(raw: RawHeap): void {
  const malloc = raw._malloc.bind(raw);
  const free = raw._free.bind(raw);
  const sizes = new Map<number, number>();
  raw._malloc = (size) => {
    const pointer = malloc(size);
    if (pointer !== 0) sizes.set(pointer, size);
    return pointer;
  };
  raw._free = (pointer) => {
    const size = sizes.get(pointer);
    if (size !== undefined) {
      sizes.delete(pointer);
      raw.HEAPU8.fill(0, pointer, pointer + size);
    }
    free(pointer);
  };
}

let loading: Promise<Sodium> | undefined;

/** @internal Resolves once libsodium's WebAssembly is initialised. */
export function ready(): Promise<Sodium> {
  loading ??= (async () => {
    await sodium.ready;
    const raw = (sodium as unknown as { libsodium?: RawHeap }).libsodium;
    if (!raw || typeof raw._malloc !== 'function' || typeof raw._free !== 'function' || !(raw.HEAPU8 instanceof Uint8Array)) {
      throw new Error('libsodium-wrappers: the raw module is not where this version keeps it');
    }
    zeroOnFree(raw);
    return {
      randombytes_buf: (size) => sodium.randombytes_buf(size),
      crypto_box_keypair: () => sodium.crypto_box_keypair(),
      crypto_box_seal: (message, publicKey) => sodium.crypto_box_seal(message, publicKey),
      crypto_box_seal_open: (sealed, publicKey, secretKey) => sodium.crypto_box_seal_open(sealed, publicKey, secretKey),
      crypto_scalarmult_base: (secretKey) => sodium.crypto_scalarmult_base(secretKey),
      crypto_sign_seed_keypair: (seed) => sodium.crypto_sign_seed_keypair(seed),
      crypto_sign_detached: (message, secretKey) => sodium.crypto_sign_detached(message, secretKey),
      crypto_sign_verify_detached: (signature, message, publicKey) =>
        signature instanceof Uint8Array &&
        signature.length === 64 &&
        publicKey instanceof Uint8Array &&
        publicKey.length === 32 &&
        sodium.crypto_sign_verify_detached(signature, message, publicKey),
      crypto_sign_ed25519_pk_to_curve25519: (publicKey) => sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey),
      crypto_generichash: (length, message) => sodium.crypto_generichash(length, message, null),
    };
  })();
  return loading;
}
