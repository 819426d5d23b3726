// English, the part shown before the signer's first interaction (the form, the count, the
// statuses): the first load carries only this. What shows only after the lazy chunk has arrived
// (field errors, the success screen's inside, the wall, the verify disclosure) is in en-late.ts,
// which that chunk brings; en.ts is the whole translation.
import type { Translation } from './translation.js';
import type { LateKey } from './en-late.js';

// Whole numbers grouped by thousands as Intl.NumberFormat('en') does, by hand: the first Intl
// object a page makes loads ICU's data, 20-60 ms on a desktop, far more on a slow phone, in the
// task that first renders the form (issue 19).
const n = { format: (value: number): string => String(value).replace(/\B(?=(\d{3})+$)/g, ',') };

/** English, without the strings of {@link LateKey}. */
export const enFirst: Omit<Translation, LateKey> = {
  lang: 'en',
  dir: 'ltr',
  formLabel: 'Sign',
  signAs: 'I am signing',
  kindIndividual: 'As an individual',
  kindOrganisation: 'For an organisation',
  name: 'Full name',
  email: 'E-mail',
  emailHint: 'Never shown publicly.',
  organisation: 'Organisation',
  role: 'Role or title',
  country: 'Country',
  countryNone: 'Choose a country',
  comment: 'Comment',
  optional: 'optional',
  consentList: 'Show my name, organisation and comment on the public list of signers',
  consentContact: 'The campaign may contact me about this campaign',
  privacy: 'Privacy notice',
  submit: 'Sign',
  encryptedNote: 'Your signature is encrypted in this browser. Only the campaign team can read it.',
  loading: 'Loading…',
  count: (count) => (count === 1 ? '1 signature' : `${n.format(count)} signatures`),
  goal: (count, goal) => `${n.format(count)} of ${n.format(goal)} signatures`,
  confirmed: (count, goal) => `${n.format(count)}${goal ? ` of ${n.format(goal)}` : ''} confirmed signature${count === 1 && !goal ? '' : 's'}`,
  closed: 'This campaign no longer accepts signatures.',
  queuedTitle: 'Saved on this device',
  queuedBody: 'We could not reach the server. Your encrypted signature is kept on this device and will be sent when you are back online.',
  sentLater: 'Your saved signature has now been sent.',
  errorTitle: 'Something went wrong',
  errorBody: 'Your signature was not sent. Please try again.',
  unavailableTitle: 'Signing is unavailable',
  unavailableBody: 'This form is not set up correctly, so nothing can be sent. Please tell the site owner.',
  wallTitle: 'Recent signers',
  wallShow: 'Show recent signers',
  verifyTitle: 'Verify encryption',
};
