// Everything that needs libsodium or zod, loaded by dynamic import on the signer's first
// interaction with the form, so that the first load of a partner page stays small.
export {
  isSecureSignError,
  parseCampaignPublicKey,
  sealSubmission,
  signerSchema,
  validateSigner,
  verifyDocument,
  COUNTRY_CODES,
  LIMITS,
} from '@secure-sign/crypto';
