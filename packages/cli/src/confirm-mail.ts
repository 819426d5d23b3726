// The confirmation e-mail `confirm send` writes to each signer (docs/cli.md, "confirm send").
//
// Rules for this file:
// - Nothing the signer typed goes into the message, not even the name: the address is the
//   signer's word too, so a message carrying their text would let anyone send text of their choice
//   through the staff's mail server. Only the campaign's name (from staff) and the two links.
// - The links only open a page; the collector changes something only when its button is pressed
//   (a POST), so mail scanners that follow every link confirm nothing. The message says so.
// - Plain text only, in the signer's language when it is one we write (en, fr, de), else English.

import { formatSecretCode } from '@secure-sign/crypto';

/** Languages the message is written in. */
export const MAIL_LANGUAGES = ['en', 'fr', 'de'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

/** The message language for a signer's `lang` (e.g. `fr-CA` gives `fr`); English when unknown. */
export function mailLanguage(lang: string | undefined): MailLanguage {
  const primary = lang?.split('-', 1)[0]?.toLowerCase();
  return (MAIL_LANGUAGES as readonly string[]).includes(primary ?? '') ? (primary as MailLanguage) : 'en';
}

/** The two links of a signer's message. */
export interface ConfirmationLinks {
  readonly confirm: string;
  readonly disown: string;
}

/**
 * The confirmation and "this wasn't me" links:
 * `<collector>/v1/campaigns/<c>/confirm?code=<sid>.<cs>&lang=<lang>` and `.../disown?...`; `lang`
 * is the signer's own (the collector's page picks its language from it), left out when unknown.
 */
export function confirmationLinks(collector: URL, campaign: string, sid: string, secret: string, lang: string | undefined): ConfirmationLinks {
  const code = formatSecretCode(sid, secret);
  const link = (action: 'confirm' | 'disown'): string => {
    const url = new URL(`v1/campaigns/${campaign}/${action}`, collector);
    url.searchParams.set('code', code);
    if (lang !== undefined) url.searchParams.set('lang', lang);
    return url.href;
  };
  return { confirm: link('confirm'), disown: link('disown') };
}

interface Texts {
  subject(campaign: string): string;
  body(campaign: string, links: ConfirmationLinks): string;
}

const TEXTS: Record<MailLanguage, Texts> = {
  en: {
    subject: (campaign) => `Please confirm your signature: ${campaign}`,
    body: (campaign, links) => `Hello,

Someone signed "${campaign}" with this e-mail address. If it was you,
please confirm your signature: open this link, then press the button
"Confirm my signature" on the page.

${links.confirm}

If it was not you, open this link and press the button
"This wasn’t me: remove this signature":

${links.disown}

Opening a link changes nothing by itself: only the button on the page
does. If you do nothing, the signature stays, unconfirmed.

The signatures of this campaign are stored encrypted: only the
campaign's staff can read your e-mail address, and they used it only to
send you this message.
`,
  },
  fr: {
    subject: (campaign) => `Merci de confirmer votre signature : ${campaign}`,
    body: (campaign, links) => `Bonjour,

Quelqu'un a signé « ${campaign} » avec cette adresse e-mail. Si c'était
vous, merci de confirmer votre signature : ouvrez ce lien, puis appuyez
sur le bouton « Confirmer ma signature » de la page.

${links.confirm}

Si ce n'était pas vous, ouvrez ce lien et appuyez sur le bouton
« Ce n’était pas moi : retirer cette signature » :

${links.disown}

Ouvrir un lien ne change rien à lui seul : seul le bouton de la page
agit. Si vous ne faites rien, la signature reste, non confirmée.

Les signatures de cette campagne sont conservées chiffrées : seule
l'équipe de la campagne peut lire votre adresse e-mail, et elle ne s'en
est servie que pour vous envoyer ce message.
`,
  },
  de: {
    subject: (campaign) => `Bitte bestätigen Sie Ihre Unterschrift: ${campaign}`,
    body: (campaign, links) => `Guten Tag,

jemand hat „${campaign}“ mit dieser E-Mail-Adresse unterzeichnet. Wenn
Sie es waren, bestätigen Sie bitte Ihre Unterschrift: Öffnen Sie diesen
Link und drücken Sie auf der Seite die Schaltfläche „Meine Unterschrift
bestätigen“.

${links.confirm}

Wenn Sie es nicht waren, öffnen Sie diesen Link und drücken Sie die
Schaltfläche „Das war ich nicht: diese Unterschrift entfernen“:

${links.disown}

Das Öffnen eines Links allein ändert nichts: Nur die Schaltfläche auf
der Seite bewirkt etwas. Wenn Sie nichts tun, bleibt die Unterschrift
bestehen, unbestätigt.

Die Unterschriften dieser Kampagne werden verschlüsselt gespeichert:
Nur das Team der Kampagne kann Ihre E-Mail-Adresse lesen, und es hat
sie nur genutzt, um Ihnen diese Nachricht zu senden.
`,
  },
};

/** A signer's message: subject and plain-text body, in the language of their form. */
export function confirmationMessage(campaignName: string, links: ConfirmationLinks, lang: string | undefined): { language: MailLanguage; subject: string; text: string } {
  const language = mailLanguage(lang);
  const texts = TEXTS[language];
  return { language, subject: texts.subject(campaignName), text: texts.body(campaignName, links) };
}
