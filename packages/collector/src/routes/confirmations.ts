// Confirmation by the owner of a signature's e-mail address (docs/api.md "Confirmation"): the
// JSON endpoint, and the two small pages the links of staff's e-mail open. Rules of this file:
// - A decision is one store transaction: a 0x04 (confirm) or 0x05 (disown) entry revealing the
//   confirmation secret is appended with the next seq; a confirmation raises the confirmed count,
//   a disowning deletes the ciphertext and lowers the count. The first decision stands: repeating
//   it changes nothing and answers the same receipt; the other one is refused.
// - The collector never sees an e-mail address: the request carries the submission id, the
//   secret and the decision only, and nothing about it is logged but the route, the status and
//   the problem code.
// - A GET NEVER changes anything: mail scanners and link previews follow every link. The pages
//   show one button, and only its POST decides. A malformed code gets a page without a form.
// - Nothing the client sent is echoed. The GET page puts the code back into its form only after
//   it parsed as a code (re-written from its parts); the POST's answer never repeats it.
import { confirmationHash, parseSecretCode } from '@secure-sign/crypto';
import { Hono, type Context } from 'hono';
import { ProblemError, PROBLEMS, type ProblemCode } from '../problems.js';
import { decisionEntry, isSubmissionId, isWithdrawalSecret } from '../store/log-entries.js';
import type { CampaignRecord, Decision } from '../store/types.js';
import { campaignOf, checkOrigin, clientAddress, readFormBody, readJsonBody, type Env, type RouteDeps } from './context.js';
import { escapeHtml, htmlPage, languageOfHeader, languageOfTag, type PageLanguage } from './page.js';
import { logReceipt, type LogReceipt } from './submissions.js';

/** Largest confirmation request body (JSON or form): a code is 66 characters. */
export const MAX_CONFIRMATION_BODY_BYTES = 4096;

type Outcome =
  | { readonly ok: true; readonly receipt: LogReceipt; readonly repeated: boolean }
  | { readonly ok: false; readonly code: ProblemCode; readonly detail: string; readonly headers?: Record<string, string> };

/** Records one decision (rate limited per client in its own bucket); never throws a ProblemError. */
async function decide(deps: RouteDeps, c: Context<Env>, campaign: CampaignRecord, sid: string, secret: string, decision: Decision): Promise<Outcome> {
  const now = deps.clock.now();
  const limit = deps.confirmationLimiter.take(clientAddress(deps, c), now);
  if (!limit.ok) {
    return { ok: false, code: 'rate-limited', detail: 'Too many confirmations. Retry later.', headers: { 'Retry-After': String(limit.retryAfterSeconds) } };
  }
  const entry = decisionEntry(sid, secret, decision);
  const result = await deps.store.decideSubmission({
    campaign: campaign.id,
    sid,
    decision,
    secret,
    secretHash: confirmationHash(secret),
    entry,
    receivedAt: new Date(now).toISOString(),
  });
  switch (result.status) {
    case 'decided':
    case 'repeated':
      if (result.status === 'decided') deps.metrics.decided.inc({ campaign: campaign.id, decision });
      return { ok: true, repeated: result.status === 'repeated', receipt: await logReceipt(deps, campaign.id, sid, result.receivedAt, result.seq, entry) };
    case 'already-decided':
      return { ok: false, code: 'already-decided', detail: 'The other decision was already made for this signature: the first decision stands.' };
    case 'not-found':
      return { ok: false, code: 'not-found', detail: 'No submission with this id is stored.' };
    case 'refused':
      return { ok: false, code: 'confirmation-refused', detail: 'This secret does not confirm or disown this submission.' };
    case 'withdrawn':
      return { ok: false, code: 'submission-withdrawn', detail: 'The signer withdrew this submission: it no longer counts.' };
    case 'removed':
      return { ok: false, code: 'submission-removed', detail: "The collector's operator already removed this submission." };
    case 'deleted':
      return { ok: false, code: 'signatures-deleted', detail: "This campaign's signatures were deleted at the end of its retention period: its counts no longer change." };
  }
}

/** `POST /confirmations`, `GET` and `POST /confirm` and `/disown` (`OPTIONS` is in submissionRoutes). */
export function confirmationRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post('/v1/campaigns/:campaign/confirmations', async (c) => {
    const campaign = await campaignOf(deps, c);
    checkOrigin(c, campaign);
    c.header('Cache-Control', 'no-store');
    const { value } = await readJsonBody(c, MAX_CONFIRMATION_BODY_BYTES);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProblemError('invalid-request', 'The body must be {"sid": ..., "secret": ..., "decision": "confirm" | "disown"}.');
    }
    const { sid, secret, decision, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new ProblemError('invalid-request', 'The body must have exactly the members sid, secret and decision.');
    if (!isSubmissionId(sid)) throw new ProblemError('invalid-request', 'sid must be a submission id (22 base64url characters).');
    if (!isWithdrawalSecret(secret)) throw new ProblemError('invalid-request', 'secret must be a confirmation secret (43 base64url characters).');
    if (decision !== 'confirm' && decision !== 'disown') throw new ProblemError('invalid-request', 'decision must be "confirm" or "disown".');
    const outcome = await decide(deps, c, campaign, sid, secret, decision);
    if (!outcome.ok) throw new ProblemError(outcome.code, outcome.detail, outcome.headers);
    return c.json(outcome.receipt, 200);
  });

  for (const decision of ['confirm', 'disown'] as const) {
    const path = `/v1/campaigns/:campaign/${decision}`;

    // The page a link opens: explains, and shows one button. Reads nothing but the campaign.
    app.get(path, async (c) => {
      const campaign = await campaignOf(deps, c);
      const lang = languageOfTag(c.req.query('lang')) ?? languageOfHeader(c.req.header('accept-language'));
      const t = TEXT[lang][decision];
      const codes = c.req.queries('code') ?? [];
      const parsed = codes.length === 1 ? parseSecretCode(codes[0]) : undefined;
      if (!parsed) return htmlPage(c, 400, t, campaign.id, `<p class="bad">${t.failure['invalid-request']}</p>`);
      return htmlPage(c, 200, t, campaign.id, `<p>${t.intro}</p>${form(t, campaign.id, decision, `${parsed.sid}.${parsed.secret}`)}`);
    });

    // The button: decides, and answers a page saying what happened (never the code).
    app.post(path, async (c) => {
      const campaign = await campaignOf(deps, c);
      let lang: PageLanguage = languageOfTag(c.req.query('lang')) ?? languageOfHeader(c.req.header('accept-language'));
      const answer = (status: number, main: string) => htmlPage(c, status, TEXT[lang][decision], campaign.id, main);
      const fail = (code: ProblemCode, headers: Record<string, string> = {}) => {
        deps.metrics.rejected.inc({ code });
        c.set('problemCode', code);
        for (const [name, value] of Object.entries(headers)) c.header(name, value);
        const t = TEXT[lang][decision];
        return answer(PROBLEMS[code].status, `<p class="bad">${t.failure[code] ?? t.failure.internal}</p>`);
      };
      let fields: URLSearchParams;
      try {
        fields = await readFormBody(c, MAX_CONFIRMATION_BODY_BYTES);
      } catch (error) {
        if (error instanceof ProblemError) return fail(error.problem.code, { ...error.headers });
        throw error;
      }
      const langs = fields.getAll('lang');
      if (langs.length === 1) lang = languageOfTag(langs[0]) ?? lang;
      const codes = fields.getAll('code');
      const parsed = codes.length === 1 ? parseSecretCode(codes[0]) : undefined;
      if (!parsed) return fail('invalid-request');
      const outcome = await decide(deps, c, campaign, parsed.sid, parsed.secret, decision);
      if (!outcome.ok) return fail(outcome.code, outcome.headers);
      const t = TEXT[lang][decision];
      return answer(200, `<p class="ok">${outcome.repeated ? t.already : t.done(outcome.receipt.log.index)}</p>`);
    });
  }

  return app;
}

// --- The pages ---------------------------------------------------------------------------------

function form(t: PageText, campaign: string, decision: Decision, code: string): string {
  return (
    `<form method="post" action="/v1/campaigns/${escapeHtml(campaign)}/${decision}">` +
    `<input type="hidden" name="code" value="${escapeHtml(code)}">` +
    `<input type="hidden" name="lang" value="${t.lang}">` +
    `<button type="submit"${decision === 'disown' ? ' class="danger"' : ''}>${t.button}</button></form>`
  );
}

// --- Their words (English, French, German; English otherwise) ----------------------------------

interface PageText {
  readonly lang: PageLanguage;
  readonly title: string;
  readonly campaign: string;
  readonly intro: string;
  readonly button: string;
  readonly done: (index: number) => string;
  readonly already: string;
  readonly failure: Partial<Record<ProblemCode, string>> & { readonly internal: string; readonly 'invalid-request': string };
}

/** What both pages of one language say alike when something goes wrong. */
type CommonFailures = Omit<PageText['failure'], 'already-decided'>;

const FAILURES: Record<PageLanguage, CommonFailures> = {
  en: {
    'invalid-request': 'This link is incomplete or damaged. Open the whole link from the e-mail, or copy all of it into the address bar.',
    'unsupported-media-type': 'Use the button on this page.',
    'payload-too-large': 'This link is incomplete or damaged. Open the whole link from the e-mail.',
    'malformed-json': 'This link is incomplete or damaged. Open the whole link from the e-mail.',
    'incomplete-request': 'The request did not arrive completely. Try again.',
    'not-found': 'No signature of this campaign matches this link. Open the whole link from the e-mail.',
    'confirmation-refused': 'This link does not belong to that signature. Open the whole link from the e-mail.',
    'submission-withdrawn': 'This signature was withdrawn by whoever signed it: it no longer counts, and nothing is left to decide.',
    'submission-removed': 'The campaign already removed this signature: it no longer counts.',
    'signatures-deleted': 'This campaign has ended and its signatures were deleted: nothing can change any more.',
    'rate-limited': 'Too many attempts from your network. Wait a minute, then try again.',
    internal: 'The collector could not do it just now. Try again later.',
  },
  fr: {
    'invalid-request': 'Ce lien est incomplet ou abîmé. Ouvrez le lien complet de l’e-mail, ou copiez-le en entier dans la barre d’adresse.',
    'unsupported-media-type': 'Utilisez le bouton de cette page.',
    'payload-too-large': 'Ce lien est incomplet ou abîmé. Ouvrez le lien complet de l’e-mail.',
    'malformed-json': 'Ce lien est incomplet ou abîmé. Ouvrez le lien complet de l’e-mail.',
    'incomplete-request': 'La demande n’est pas arrivée en entier. Veuillez réessayer.',
    'not-found': 'Aucune signature de cette campagne ne correspond à ce lien. Ouvrez le lien complet de l’e-mail.',
    'confirmation-refused': 'Ce lien n’appartient pas à cette signature. Ouvrez le lien complet de l’e-mail.',
    'submission-withdrawn': 'Cette signature a été retirée par la personne qui l’a faite : elle ne compte plus, il n’y a plus rien à décider.',
    'submission-removed': 'La campagne a déjà supprimé cette signature : elle ne compte plus.',
    'signatures-deleted': 'Cette campagne est terminée et ses signatures ont été supprimées : plus rien ne peut changer.',
    'rate-limited': 'Trop de tentatives depuis votre réseau. Attendez une minute, puis réessayez.',
    internal: 'Le serveur n’a pas pu le faire pour l’instant. Veuillez réessayer plus tard.',
  },
  de: {
    'invalid-request': 'Dieser Link ist unvollständig oder beschädigt. Öffnen Sie den ganzen Link aus der E-Mail oder kopieren Sie ihn vollständig in die Adresszeile.',
    'unsupported-media-type': 'Verwenden Sie die Schaltfläche auf dieser Seite.',
    'payload-too-large': 'Dieser Link ist unvollständig oder beschädigt. Öffnen Sie den ganzen Link aus der E-Mail.',
    'malformed-json': 'Dieser Link ist unvollständig oder beschädigt. Öffnen Sie den ganzen Link aus der E-Mail.',
    'incomplete-request': 'Die Anfrage ist nicht vollständig angekommen. Bitte versuchen Sie es erneut.',
    'not-found': 'Zu diesem Link gibt es in dieser Kampagne keine Unterschrift. Öffnen Sie den ganzen Link aus der E-Mail.',
    'confirmation-refused': 'Dieser Link gehört nicht zu dieser Unterschrift. Öffnen Sie den ganzen Link aus der E-Mail.',
    'submission-withdrawn': 'Diese Unterschrift wurde von der Person, die sie geleistet hat, zurückgezogen: Sie zählt nicht mehr, es gibt nichts mehr zu entscheiden.',
    'submission-removed': 'Die Kampagne hat diese Unterschrift bereits entfernt: Sie zählt nicht mehr.',
    'signatures-deleted': 'Diese Kampagne ist beendet und ihre Unterschriften wurden gelöscht: Nichts kann sich mehr ändern.',
    'rate-limited': 'Zu viele Versuche aus Ihrem Netz. Warten Sie eine Minute und versuchen Sie es dann erneut.',
    internal: 'Der Server konnte es gerade nicht ausführen. Bitte versuchen Sie es später erneut.',
  },
};

const TEXT: Record<PageLanguage, Record<Decision, PageText>> = {
  en: {
    confirm: {
      lang: 'en',
      title: 'Confirm my signature',
      campaign: 'Campaign:',
      intro:
        'You received this link because someone signed this campaign with your e-mail address. ' +
        'If it was you, press the button to confirm your signature: it then counts as confirmed, and the public log of the campaign records the confirmation. ' +
        'The collector never sees your e-mail address. If it was not you, close this page, or use the “this wasn’t me” link of the e-mail instead.',
      button: 'Confirm my signature',
      done: (index) => `Thank you: your signature is confirmed. The public log records the confirmation at position ${index + 1}.`,
      already: 'This signature was already confirmed. Nothing else was changed.',
      failure: { ...FAILURES.en, 'already-decided': 'This signature was already removed with the “this wasn’t me” link: it can no longer be confirmed.' },
    },
    disown: {
      lang: 'en',
      title: 'This wasn’t me',
      campaign: 'Campaign:',
      intro:
        'You received this link because someone signed this campaign with your e-mail address. ' +
        'If you did not sign it, press the button: the signature is removed, its encrypted data is deleted, it no longer counts, and the public log of the campaign records it. ' +
        'The collector never sees your e-mail address. If you did sign it, close this page.',
      button: 'This wasn’t me: remove this signature',
      done: (index) => `The signature is removed. It has been deleted and no longer counts. The public log records it at position ${index + 1}.`,
      already: 'This signature was already removed. Nothing else was changed.',
      failure: {
        ...FAILURES.en,
        'already-decided': 'This signature was already confirmed with the link of the same e-mail, so this link can no longer remove it. Write to the campaign if someone else used your address.',
      },
    },
  },
  fr: {
    confirm: {
      lang: 'fr',
      title: 'Confirmer ma signature',
      campaign: 'Campagne :',
      intro:
        'Vous recevez ce lien parce que quelqu’un a signé cette campagne avec votre adresse e-mail. ' +
        'Si c’était vous, appuyez sur le bouton pour confirmer votre signature : elle compte alors comme confirmée, et le journal public de la campagne enregistre la confirmation. ' +
        'Le serveur ne voit jamais votre adresse e-mail. Si ce n’était pas vous, fermez cette page, ou utilisez plutôt le lien « ce n’était pas moi » de l’e-mail.',
      button: 'Confirmer ma signature',
      done: (index) => `Merci : votre signature est confirmée. Le journal public enregistre la confirmation à la position ${index + 1}.`,
      already: 'Cette signature était déjà confirmée. Rien d’autre n’a changé.',
      failure: { ...FAILURES.fr, 'already-decided': 'Cette signature a déjà été retirée avec le lien « ce n’était pas moi » : elle ne peut plus être confirmée.' },
    },
    disown: {
      lang: 'fr',
      title: 'Ce n’était pas moi',
      campaign: 'Campagne :',
      intro:
        'Vous recevez ce lien parce que quelqu’un a signé cette campagne avec votre adresse e-mail. ' +
        'Si vous ne l’avez pas signée, appuyez sur le bouton : la signature est retirée, ses données chiffrées sont supprimées, elle ne compte plus, et le journal public de la campagne l’enregistre. ' +
        'Le serveur ne voit jamais votre adresse e-mail. Si vous l’avez signée, fermez cette page.',
      button: 'Ce n’était pas moi : retirer cette signature',
      done: (index) => `La signature est retirée. Elle a été supprimée et ne compte plus. Le journal public l’enregistre à la position ${index + 1}.`,
      already: 'Cette signature était déjà retirée. Rien d’autre n’a changé.',
      failure: {
        ...FAILURES.fr,
        'already-decided': 'Cette signature a déjà été confirmée avec le lien du même e-mail : ce lien ne peut plus la retirer. Écrivez à la campagne si quelqu’un a utilisé votre adresse.',
      },
    },
  },
  de: {
    confirm: {
      lang: 'de',
      title: 'Meine Unterschrift bestätigen',
      campaign: 'Kampagne:',
      intro:
        'Sie erhalten diesen Link, weil jemand diese Kampagne mit Ihrer E-Mail-Adresse unterschrieben hat. ' +
        'Wenn Sie es waren, drücken Sie die Schaltfläche, um Ihre Unterschrift zu bestätigen: Sie zählt dann als bestätigt, und das öffentliche Protokoll der Kampagne vermerkt die Bestätigung. ' +
        'Der Server sieht Ihre E-Mail-Adresse nie. Wenn Sie es nicht waren, schließen Sie diese Seite oder verwenden Sie stattdessen den Link „Das war ich nicht“ der E-Mail.',
      button: 'Meine Unterschrift bestätigen',
      done: (index) => `Danke: Ihre Unterschrift ist bestätigt. Das öffentliche Protokoll vermerkt die Bestätigung an Position ${index + 1}.`,
      already: 'Diese Unterschrift war bereits bestätigt. Sonst wurde nichts geändert.',
      failure: { ...FAILURES.de, 'already-decided': 'Diese Unterschrift wurde bereits über den Link „Das war ich nicht“ entfernt: Sie kann nicht mehr bestätigt werden.' },
    },
    disown: {
      lang: 'de',
      title: 'Das war ich nicht',
      campaign: 'Kampagne:',
      intro:
        'Sie erhalten diesen Link, weil jemand diese Kampagne mit Ihrer E-Mail-Adresse unterschrieben hat. ' +
        'Wenn Sie nicht unterschrieben haben, drücken Sie die Schaltfläche: Die Unterschrift wird entfernt, ihre verschlüsselten Daten werden gelöscht, sie zählt nicht mehr, und das öffentliche Protokoll der Kampagne vermerkt es. ' +
        'Der Server sieht Ihre E-Mail-Adresse nie. Wenn Sie unterschrieben haben, schließen Sie diese Seite.',
      button: 'Das war ich nicht: diese Unterschrift entfernen',
      done: (index) => `Die Unterschrift ist entfernt. Sie wurde gelöscht und zählt nicht mehr. Das öffentliche Protokoll vermerkt es an Position ${index + 1}.`,
      already: 'Diese Unterschrift war bereits entfernt. Sonst wurde nichts geändert.',
      failure: {
        ...FAILURES.de,
        'already-decided': 'Diese Unterschrift wurde bereits über den Link derselben E-Mail bestätigt: Dieser Link kann sie nicht mehr entfernen. Schreiben Sie der Kampagne, wenn jemand anderes Ihre Adresse verwendet hat.',
      },
    },
  },
};
