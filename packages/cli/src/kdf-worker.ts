// Runs Argon2id (crypto_pwhash) in a thread of its own, so that the 256 MiB it needs is released
// when the thread ends: WebAssembly memory never shrinks, and a decrypt run would otherwise carry
// it to the end. Only the derived key (32 bytes) comes back.
import sodium from 'libsodium-wrappers-sumo';
import { parentPort, workerData } from 'node:worker_threads';
import type { KdfRequest } from './keyfile.js';

const request = workerData as KdfRequest;
await sodium.ready;
try {
  const key = sodium.crypto_pwhash(
    sodium.crypto_secretbox_KEYBYTES,
    sodium.from_string(request.passphrase),
    request.salt,
    request.opslimit,
    request.memlimit,
    sodium.crypto_pwhash_ALG_ARGON2ID13,
  );
  parentPort?.postMessage({ key });
} catch {
  parentPort?.postMessage({ key: null });
}
