// Everything that needs libsodium or zod, loaded by dynamic import on the signer's first
// interaction with the form, so that the first load of a partner page stays small. Only what the
// component uses: a dynamic import keeps every export of the chunk.
import { parseCampaignPublicKey, sealSubmission, type CampaignPublicKey } from '@secure-sign/crypto';

export { sealSubmission, COUNTRY_CODES } from '@secure-sign/crypto';
// Reading and checking the form at submit, which happens after this chunk has loaded anyway.
export { fieldErrors, readSigner } from './parts/signer.js';
// The parts that only ever render after this chunk has loaded: the verified wall and the inside of
// the "Verify encryption" disclosure (which shows the key's fingerprint).
export { renderWall, verifyWall } from './parts/wall.js';
export { fingerprintUrl, renderVerify } from './parts/verify.js';

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
