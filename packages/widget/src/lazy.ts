// Everything that needs libsodium or zod, loaded by dynamic import on the signer's first
// interaction with the form, so that the first load of a partner page stays small. Only what the
// component uses: a dynamic import keeps every export of the chunk.
import { parseCampaignPublicKey, sealSubmission, type CampaignPublicKey } from '@secure-sign/crypto';

export { sealSubmission, signerSchema, verifyDocument, COUNTRY_CODES } from '@secure-sign/crypto';
// Only needed once a wall has verified, so it stays out of the first load too.
export { wallEntries } from './wall.js';

/**
 * Parses the campaign key, then, in the background, seals a constant made-up signature to it once
 * and throws the result away. The first seal in a page otherwise pays a few milliseconds of
 * WebAssembly compilation and JIT warm-up on the signer's click. Nothing is stored or sent, and no
 * real data is involved.
 *
 * @throws what parseCampaignPublicKey throws, for an invalid key string.
 */
export async function loadKey(keyString: string, campaign: string): Promise<CampaignPublicKey> {
  const publicKey = await parseCampaignPublicKey(keyString);
  sealSubmission({
    publicKey,
    campaign,
    signer: { kind: 'individual', name: 'warm-up', email: 'warm-up@example.invalid', consent: { listPublicly: false, contactLater: false } },
  }).catch(() => undefined);
  return publicKey;
}
