/**
 * @secure-sign/crypto: campaign keys, sealed envelopes and signed documents.
 *
 * Runs unchanged in browsers and Node. The format is specified in docs/format.md.
 *
 * @packageDocumentation
 */
export { canonicalJson, MAX_CANONICAL_DEPTH, type CanonicalValue } from './canonical.js';
export {
  CONFIRMATION_SECRET_BYTES,
  confirmationHash,
  createConfirmationSecret,
  formatSecretCode,
  parseSecretCode,
} from './confirmation.js';
export { COUNTRY_CODES } from './countries.js';
export {
  DEFAULT_DOCUMENT_VALIDITY_MS,
  DEFAULT_MAX_DOCUMENT_BYTES,
  DOCUMENT_VERSION,
  signDocument,
  verifyDocument,
  type DocumentPayload,
  type SignOptions,
  type SignedDocument,
  type VerifyOptions,
} from './document.js';
export {
  ENVELOPE_VERSION,
  MAX_ENVELOPE_BYTES,
  SEALED_BOX_OVERHEAD,
  formatEnvelope,
  newSubmissionId,
  openSubmission,
  openSubmissionWith,
  openEnvelopeWith,
  parseEnvelope,
  sealSubmission,
  sealWithdrawable,
  validateSigner,
  type Envelope,
  type OpenOptions,
  type OpenedSubmission,
  type SealOpen,
  type SealOptions,
  type SealWithdrawableOptions,
} from './envelope.js';
export {
  AUTHENTICATION_FAILED_MESSAGE,
  SecureSignError,
  isSecureSignError,
  type SchemaIssue,
  type SecureSignErrorCode,
} from './errors.js';
export {
  KEY_STRING_LENGTH,
  PUBLIC_KEY_PREFIX,
  SECRET_KEY_PREFIX,
  checkCampaignKeyString,
  type KeyStringProblem,
} from './key-string.js';
export {
  formatCampaignSecretKey,
  generateCampaignKeys,
  parseCampaignPublicKey,
  parseCampaignSecretKey,
  type CampaignKeyPair,
  type CampaignPublicKey,
} from './keys.js';
export { MAX_PLAINTEXT_BYTES, PADDING_BUCKETS } from './padding.js';
export {
  LIMITS,
  MAX_CREATED_AT,
  MAX_LANGUAGE_TAG_LENGTH,
  campaignIdSchema,
  confirmationHashSchema,
  confirmationSecretSchema,
  isoTimestampSchema,
  languageTagSchema,
  plaintextSchema,
  signerSchema,
  submissionIdSchema,
  withdrawalHashSchema,
  withdrawalSecretSchema,
  type Signer,
  type SignerInput,
  type SubmissionPlaintext,
} from './schema.js';
export {
  WITHDRAWAL_SECRET_BYTES,
  createWithdrawalSecret,
  formatWithdrawalCode,
  parseWithdrawalCode,
  withdrawalHash,
  type WithdrawalCode,
} from './withdrawal.js';
