// What the widget tells the partner who embedded it, on the console, when it refuses to work: the
// cause and what to do. Never a key's value or anything a signer typed. A small chunk of its own,
// loaded only when something is wrong, so that the first load of every page does not carry it.

/** The partner-facing messages, by name; the component prefixes `<secure-sign>: `. */
export const partnerMessages = {
  campaign: () => 'the "campaign" attribute is missing or not a valid campaign id (1-64 of a-z, 0-9 and inner hyphens).',
  key: (problem: string) =>
    `the "campaign-key" attribute is not a valid public campaign key (${problem}). Nothing will be sent. Copy the key again from \`secure-sign snippet\`.`,
  collector: () => 'the "collector" attribute must be the https: URL of the campaign\'s collector.',
  unknown: (campaign: string) => `the collector does not know campaign "${campaign}".`,
  origin: (campaign: string, origin: string) =>
    `this page's origin (${origin}) is not registered for campaign "${campaign}", so the collector would refuse every signature and nothing can be signed here. ` +
    `Register it on the collector: \`secure-sign-collector campaign set ${campaign} --origin ${origin}\` (--origin replaces the list: repeat it for every origin to keep). See docs/embedding.md.`,
  wrongKey: (campaign: string, keyId: string, expected: string) =>
    `the "campaign-key" attribute is a valid key but not campaign "${campaign}"'s: its key id is ${keyId}, the collector's key id for the campaign is ${expected}. ` +
    'Nothing will be sent. Copy the key again from `secure-sign snippet`.',
  offline: () => 'the encryption code could not be loaded (offline?); it is fetched again when the connection returns.',
  wallFetch: (why: string) => `the signer wall could not be fetched from the collector (${why}); this is not a verification failure. "Show recent signers" tries again.`,
  wallForged: () => 'the signer wall could not be verified against the campaign key, so it is not shown.',
  tooLarge: (path: string, max: string) =>
    `the collector's answer to ${path} was larger than ${max} bytes, more than such an answer can be; it was dropped unread (issue 15).`,
  strings: () => 'the "strings" attribute is not valid JSON; using the default strings.',
  /** A message the lazy chunk composed (the key did not parse, or the CSP refuses WebAssembly). */
  text: (message: string) => message,
} satisfies Record<string, (...args: string[]) => string>;

export type PartnerMessage = keyof typeof partnerMessages;
