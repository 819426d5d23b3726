// The part of sodium-native (which ships no types) that the CLI uses.
declare module 'sodium-native' {
  export const crypto_box_SEALBYTES: number;
  export const crypto_box_PUBLICKEYBYTES: number;
  export const crypto_box_SECRETKEYBYTES: number;
  /** Writes the opened message into `message`; returns false if the box does not open. */
  export function crypto_box_seal_open(message: Uint8Array, ciphertext: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): boolean;
  export function sodium_memzero(buffer: Uint8Array): void;
}
