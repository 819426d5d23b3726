// The only module that touches libsodium. It binds the handful of functions the format needs
// directly to the raw libsodium.js build (package `libsodium`, the WebAssembly library the
// libsodium-wrappers package also loads), which keeps the widget's crypto chunk about 16 KB
// (gzipped) smaller than the full wrappers would. Rules for this file:
// - Every pointer comes from malloc and goes back to free in a finally block, after its bytes are
//   zeroed (some hold secret keys or plaintext).
// - Sizes are checked before anything reaches WebAssembly; results are copied out, never viewed.
// - HEAPU8 is read afresh after each allocation: a growing WebAssembly memory replaces it.
// - Randomness comes from the platform's crypto.getRandomValues, as libsodium.js does.
import factory, { type RawSodium } from 'libsodium';

const SEAL_BYTES = 48;

/** @internal The operations this package needs, with libsodium-wrappers' names and behaviour. */
export interface Sodium {
  randombytes_buf(size: number): Uint8Array;
  crypto_box_keypair(): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_box_seal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** @throws Error if the box does not open. */
  crypto_box_seal_open(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array;
  crypto_sign_seed_keypair(seed: Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_sign_detached(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** @throws Error if the key is not a valid Ed25519 point. */
  crypto_sign_ed25519_pk_to_curve25519(publicKey: Uint8Array): Uint8Array;
  crypto_generichash(length: number, message: Uint8Array, key: null): Uint8Array;
}

function expectLength(bytes: Uint8Array, length: number, name: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) throw new RangeError(`${name} must be ${length} bytes`);
}

function bind(raw: RawSodium): Sodium {
  // Runs `body` with heap copies of `inputs` and zeroed output buffers of the given sizes.
  const withHeap = <T>(inputs: readonly Uint8Array[], outputs: readonly number[], body: (ins: number[], outs: number[]) => T): T => {
    const allocated: [number, number][] = [];
    const alloc = (size: number): number => {
      const pointer = raw._malloc(Math.max(1, size));
      if (pointer === 0) throw new Error('libsodium: out of memory');
      allocated.push([pointer, size]);
      return pointer;
    };
    try {
      const ins = inputs.map((bytes) => {
        const pointer = alloc(bytes.length);
        raw.HEAPU8.set(bytes, pointer);
        return pointer;
      });
      const outs = outputs.map((size) => {
        const pointer = alloc(size);
        raw.HEAPU8.fill(0, pointer, pointer + size);
        return pointer;
      });
      return body(ins, outs);
    } finally {
      for (const [pointer, size] of allocated) {
        raw.HEAPU8.fill(0, pointer, pointer + size);
        raw._free(pointer);
      }
    }
  };
  const read = (pointer: number, size: number): Uint8Array => raw.HEAPU8.slice(pointer, pointer + size);
  const fail = (what: string): never => {
    throw new Error(`libsodium: ${what} failed`);
  };

  return {
    randombytes_buf: (size) =>
      withHeap([], [size], (_, [out]) => {
        raw._randombytes_buf(out!, size);
        return read(out!, size);
      }),
    crypto_box_keypair: () =>
      withHeap([], [32, 32], (_, [pk, sk]) => {
        if (raw._crypto_box_keypair(pk!, sk!) !== 0) fail('crypto_box_keypair');
        return { publicKey: read(pk!, 32), privateKey: read(sk!, 32) };
      }),
    crypto_box_seal: (message, publicKey) => {
      expectLength(publicKey, 32, 'publicKey');
      return withHeap([message, publicKey], [message.length + SEAL_BYTES], ([m, pk], [out]) => {
        if (raw._crypto_box_seal(out!, m!, message.length, 0, pk!) !== 0) fail('crypto_box_seal');
        return read(out!, message.length + SEAL_BYTES);
      });
    },
    crypto_box_seal_open: (sealed, publicKey, secretKey) => {
      expectLength(publicKey, 32, 'publicKey');
      expectLength(secretKey, 32, 'secretKey');
      if (sealed.length < SEAL_BYTES) fail('crypto_box_seal_open');
      const size = sealed.length - SEAL_BYTES;
      return withHeap([sealed, publicKey, secretKey], [size], ([c, pk, sk], [out]) => {
        if (raw._crypto_box_seal_open(out!, c!, sealed.length, 0, pk!, sk!) !== 0) fail('crypto_box_seal_open');
        return read(out!, size);
      });
    },
    crypto_scalarmult_base: (secretKey) => {
      expectLength(secretKey, 32, 'secretKey');
      return withHeap([secretKey], [32], ([sk], [out]) => {
        if (raw._crypto_scalarmult_base(out!, sk!) !== 0) fail('crypto_scalarmult_base');
        return read(out!, 32);
      });
    },
    crypto_sign_seed_keypair: (seed) => {
      expectLength(seed, 32, 'seed');
      return withHeap([seed], [32, 64], ([s], [pk, sk]) => {
        if (raw._crypto_sign_seed_keypair(pk!, sk!, s!) !== 0) fail('crypto_sign_seed_keypair');
        return { publicKey: read(pk!, 32), privateKey: read(sk!, 64) };
      });
    },
    crypto_sign_detached: (message, secretKey) => {
      expectLength(secretKey, 64, 'secretKey');
      return withHeap([message, secretKey], [64], ([m, sk], [sig]) => {
        if (raw._crypto_sign_detached(sig!, 0, m!, message.length, 0, sk!) !== 0) fail('crypto_sign_detached');
        return read(sig!, 64);
      });
    },
    crypto_sign_verify_detached: (signature, message, publicKey) => {
      if (signature.length !== 64 || publicKey.length !== 32) return false;
      return withHeap([signature, message, publicKey], [], ([sig, m, pk]) =>
        raw._crypto_sign_verify_detached(sig!, m!, message.length, 0, pk!) === 0,
      );
    },
    crypto_sign_ed25519_pk_to_curve25519: (publicKey) => {
      expectLength(publicKey, 32, 'publicKey');
      return withHeap([publicKey], [32], ([pk], [out]) => {
        if (raw._crypto_sign_ed25519_pk_to_curve25519(out!, pk!) !== 0) fail('crypto_sign_ed25519_pk_to_curve25519');
        return read(out!, 32);
      });
    },
    crypto_generichash: (length, message) => {
      if (!Number.isInteger(length) || length < 16 || length > 64) throw new RangeError('length must be 16 to 64');
      return withHeap([message], [length], ([m], [out]) => {
        if (raw._crypto_generichash(out!, length, m!, message.length, 0, 0, 0) !== 0) fail('crypto_generichash');
        return read(out!, length);
      });
    },
  };
}

let loading: Promise<Sodium> | undefined;

/** @internal Resolves once libsodium's WebAssembly is initialised. */
export function ready(): Promise<Sodium> {
  loading ??= (async () => {
    if (typeof globalThis.crypto?.getRandomValues !== 'function') {
      throw new Error('secure-sign needs crypto.getRandomValues (every current browser, Node 20+)');
    }
    const raw = await factory({
      getRandomValue() {
        const value = new Uint32Array(1);
        globalThis.crypto.getRandomValues(value);
        return value[0] as number;
      },
    });
    if (raw._sodium_init() < 0) throw new Error('libsodium could not be initialised');
    return bind(raw);
  })();
  return loading;
}
