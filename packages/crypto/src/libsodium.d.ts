// The raw libsodium.js module (package `libsodium`): an Emscripten factory. Only what sodium.ts uses.
declare module 'libsodium' {
  export interface RawSodium {
    readonly HEAPU8: Uint8Array;
    _malloc(size: number): number;
    _free(pointer: number): void;
    _sodium_init(): number;
    _randombytes_buf(buffer: number, size: number): void;
    _crypto_box_keypair(publicKey: number, secretKey: number): number;
    _crypto_box_seal(out: number, message: number, lengthLow: number, lengthHigh: number, publicKey: number): number;
    _crypto_box_seal_open(out: number, sealed: number, lengthLow: number, lengthHigh: number, publicKey: number, secretKey: number): number;
    _crypto_scalarmult_base(out: number, scalar: number): number;
    _crypto_sign_seed_keypair(publicKey: number, secretKey: number, seed: number): number;
    _crypto_sign_detached(signature: number, signatureLength: number, message: number, lengthLow: number, lengthHigh: number, secretKey: number): number;
    _crypto_sign_verify_detached(signature: number, message: number, lengthLow: number, lengthHigh: number, publicKey: number): number;
    _crypto_sign_ed25519_pk_to_curve25519(out: number, edPublicKey: number): number;
    _crypto_generichash(out: number, outLength: number, message: number, lengthLow: number, lengthHigh: number, key: number, keyLength: number): number;
  }
  const factory: (options: { getRandomValue(): number }) => Promise<RawSodium>;
  export default factory;
}
