// The verified count (issue 11): with the `log-key` attribute, the count the widget shows is the
// one of the campaign log's latest signed checkpoint, verified here against that key. A chunk of
// its own, loaded after the campaign answered: the log's checkpoint code and SHA-256, no
// libsodium. Ed25519 is WebCrypto's (every current browser has it, and it costs no bytes); where
// a browser lacks it the count is hidden rather than shown unverified.
//
// Rules: the key comes from the partner's page, never from the collector; the checkpoint must be
// signed by it, for this campaign's log (its origin, the key's name, ends in /<campaign>), and
// carry a count line; anything else hides the count and tells the partner why on the console.
// A network failure is not a verification failure: the collector's own number stays (unmarked).
// When the campaign shows confirmed signatures (issue 16), the number is the checkpoint's
// `confirmed` line; a checkpoint without one (an older collector) gives no verdict either, and the
// collector's own confirmed number stays, unmarked.
import { checkpointConfirmed, checkpointCount, ed25519NoteVerifier, MAX_NOTE_BYTES, openCheckpoint, parseVerifierKey, type VerifierKey } from '@secure-sign/crypto/log';
import { CollectorError, type CollectorClient } from './collector.js';
import { receiptText } from './i18n/receipt.js';

export { receiptText };

/** Ed25519 through WebCrypto. */
async function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  const subtle = globalThis.crypto?.subtle;
  let key: CryptoKey;
  try {
    key = await subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    throw new Error('this browser cannot verify Ed25519 signatures (WebCrypto Ed25519 is missing, or the page is not a secure context), so the count is not shown.');
  }
  return subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, message as BufferSource);
}

/**
 * The count of the campaign log's latest checkpoint, verified against `vkey` (its confirmed count
 * when `confirmedShown` is defined: the campaign answer's `confirmed`, present only when the
 * campaign shows confirmed signatures); `undefined` when the checkpoint could not be fetched, or
 * has no confirmed line where one is wanted (no verdict).
 *
 * @throws Error whose message tells the partner why the count is hidden (also written on the console).
 */
export async function verifiedCount(client: CollectorClient, vkey: string, campaign: string, confirmedShown?: number): Promise<number | undefined> {
  try {
    let key: VerifierKey;
    try {
      key = parseVerifierKey(vkey.trim());
    } catch {
      throw new Error('the "log-key" attribute is not a log verifier key (<name>+<key id>+<key>, as `log.vkey` of GET /v1/campaigns/<campaign> gives it)');
    }
    if (!key.name.endsWith(`/${campaign}`)) {
      throw new Error(`the "log-key" attribute is the key of the log "${key.name}", not of campaign "${campaign}"'s log`);
    }
    let text: string;
    try {
      text = (await client.request('/log/checkpoint', {}, MAX_NOTE_BYTES)).text;
    } catch (error) {
      // Unreachable, down, or not signed yet: no verdict, the collector's own number stays.
      if (error instanceof CollectorError && error.code !== 'too-large') return undefined;
      throw new Error('the log checkpoint could not be read');
    }
    let count: number | undefined;
    let confirmed: number | undefined;
    try {
      const { checkpoint } = await openCheckpoint(text, { origin: key.name, log: ed25519NoteVerifier(key, ed25519Verify) });
      count = checkpointCount(checkpoint);
      if (confirmedShown !== undefined) confirmed = checkpointConfirmed(checkpoint);
    } catch (error) {
      throw new Error(
        error instanceof Error && error.message.startsWith('this browser')
          ? error.message
          : 'the collector\'s log checkpoint does not verify against the "log-key" attribute (another key, or a forged or altered checkpoint)',
      );
    }
    if (count === undefined) throw new Error('the collector\'s log checkpoint carries no count line');
    if (confirmedShown === undefined) return count;
    if (confirmed === undefined) {
      console.warn('<secure-sign>: the collector\'s log checkpoint carries no confirmed line, so the confirmed count shown is the collector\'s own, not checked.');
    }
    return confirmed;
  } catch (error) {
    const message = (error as Error).message;
    console.error(`<secure-sign>: ${message.endsWith('shown.') ? message : `${message}, so the count is not shown.`}`);
    throw error;
  }
}
