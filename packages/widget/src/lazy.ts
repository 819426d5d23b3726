// Everything that needs libsodium or zod, loaded by dynamic import on the signer's first
// interaction with the form, so that the first load of a partner page stays small. Only what the
// component uses: a dynamic import keeps every export of the chunk.
export { parseCampaignPublicKey, sealSubmission, signerSchema, verifyDocument, COUNTRY_CODES } from '@secure-sign/crypto';
