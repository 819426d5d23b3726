// The unlock process: Argon2id (crypto_pwhash) and the key file's secretbox (kdf.ts), in a
// short-lived child process of its own. Argon2id needs the key file's memlimit (256 MiB by
// design), and WebAssembly memory never shrinks: run in the decrypting process, even in a thread,
// those pages would count against it until the end. A separate process returns them to the
// system when it exits, so `decrypt` never carries them.
//
// Rules for this file:
// - Everything arrives over the IPC channel (never argv, environment or a file), and only the
//   answer goes back over it: the secret key string's bytes, or the derived key for `keygen`, or
//   a one-word failure. Nothing is printed.
// - The answer's bytes are zeroed once sent, then the process exits.
import { runKdf, type KdfReply, type KdfRequest } from './kdf.js';

process.once('message', (request: KdfRequest) => {
  void runKdf(request)
    .catch((): KdfReply => ({ failure: 'internal' }))
    .then((reply) => {
      process.send?.(reply, undefined, {}, () => {
        if ('bytes' in reply) reply.bytes.fill(0);
        process.exit(0);
      });
    });
});
// If the parent goes away, so does this process.
process.once('disconnect', () => process.exit(0));
