/**
 * `@secure-sign/crypto/key-string`: the parts of the format that need no cryptography, so a page
 * can check a pasted campaign key and offer the country list before libsodium is loaded.
 *
 * @packageDocumentation
 */
export { COUNTRY_CODES } from './countries.js';
export {
  KEY_STRING_LENGTH,
  PUBLIC_KEY_PREFIX,
  SECRET_KEY_PREFIX,
  checkCampaignKeyString,
  type KeyStringProblem,
} from './key-string.js';
