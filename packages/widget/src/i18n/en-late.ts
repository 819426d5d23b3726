// English strings that show only after the lazy chunk (lazy.ts) has arrived, which brings them:
// kept out of the first load. See en-first.ts.
import type { Translation } from './translation.js';

/** The strings of a translation that are only read once the lazy chunk has loaded. */
export type LateKey = 'retry' | 'preparing' | 'submitting' | 'successTitle' | 'errorsSummary' | 'errorRequired' | 'errorTooLong' | 'errorEmail' | 'errorInvalid' | 'successBody' | 'receipt' | 'share' | 'copyLink' | 'copied' | 'wallEmpty' | 'wallOrganisation' | 'wallUpdated' | 'wallExpired' | 'wallRolledBack' | 'verifyIntro' | 'verifyCampaign' | 'verifyFingerprint' | 'verifyWhere' | 'verifyNoUrl';

/** English, the strings of {@link LateKey}. */
export const enLate: Pick<Translation, LateKey> = {
  preparing: 'Preparing encryption…',
  // (Sending and its success come after sealing, which needs the chunk. A signature kept on an
  // earlier visit and sent at load without it says sentLater, in en-first.ts.)
  submitting: 'Encrypting and sending…',
  successTitle: 'Thank you for signing',
  errorsSummary: (count) => (count === 1 ? 'Please correct 1 field.' : `Please correct ${count} fields.`),
  errorRequired: 'This field is required.',
  errorTooLong: 'This is too long.',
  errorEmail: 'Enter an e-mail address like name@example.org.',
  errorInvalid: 'This value is not accepted.',
  successBody: 'Your signature was encrypted and received.',
  receipt: 'Receipt:',
  share: 'Share',
  copyLink: 'Copy link',
  copied: 'Link copied.',
  retry: 'Try again',
  wallEmpty: 'No public signatures yet.',
  wallOrganisation: 'Organisation',
  wallUpdated: 'Updated {ago}',
  wallExpired: 'The list of signers is out of date, so it is not shown.',
  wallRolledBack: 'This list of signers is older than one already shown on this device, so it is not shown.',
  verifyIntro: 'Signatures are encrypted to the campaign’s key. To check that the key is the campaign’s own, compare its fingerprint with the one the campaign publishes.',
  verifyCampaign: 'Campaign',
  verifyFingerprint: 'Key fingerprint',
  verifyWhere: 'Published by the campaign at',
  verifyNoUrl: 'Ask the campaign team where they publish their key fingerprint.',
};
