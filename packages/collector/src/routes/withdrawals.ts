// Withdrawal by the signer (docs/api.md "Withdrawal"): the JSON endpoint the widget or the CLI
// calls, and a small HTML page the collector serves for signers who only have their code.
// Rules of this file:
// - A withdrawal is one store transaction: the ciphertext is deleted, a 0x02 entry revealing the
//   secret is appended with the next seq, the count is lowered. Repeating it changes nothing and
//   answers the same receipt.
// - The collector learns nothing about who withdraws: the request carries the submission id and
//   the secret only, and nothing about it is logged but the route, the status and the problem code.
// - Nothing the client sent is echoed, not in problems and not in the HTML pages (the campaign
//   id in a page is the validated one from the store).
// - A GET never changes anything. The page runs no script and loads nothing: its CSP is
//   `default-src 'none'`, its one inline style allowed by hash, its form posting to this origin
//   (src/routes/page.ts, shared with the confirmation pages).
import { parseWithdrawalCode, withdrawalHash } from '@secure-sign/crypto';
import { Hono, type Context } from 'hono';
import { ProblemError, PROBLEMS, type ProblemCode } from '../problems.js';
import { isSubmissionId, isWithdrawalSecret, withdrawalEntry } from '../store/log-entries.js';
import type { CampaignRecord } from '../store/types.js';
import { campaignOf, checkOrigin, clientAddress, readFormBody, readJsonBody, type Env, type RouteDeps } from './context.js';
import { PAGE_CSP, escapeHtml, htmlPage, languageOfHeader } from './page.js';
import { logReceipt, type LogReceipt } from './submissions.js';

/** Largest withdrawal request body (JSON or form): a code is 66 characters. */
export const MAX_WITHDRAWAL_BODY_BYTES = 4096;

type Outcome = { readonly ok: true; readonly receipt: LogReceipt; readonly repeated: boolean } | { readonly ok: false; readonly code: ProblemCode; readonly detail: string; readonly headers?: Record<string, string> };

/** Withdraws one submission (rate limited per client like submissions); never throws a ProblemError. */
async function withdraw(deps: RouteDeps, c: Context<Env>, campaign: CampaignRecord, sid: string, secret: string): Promise<Outcome> {
  const now = deps.clock.now();
  const decision = deps.withdrawalLimiter.take(clientAddress(deps, c), now);
  if (!decision.ok) {
    return { ok: false, code: 'rate-limited', detail: 'Too many withdrawals. Retry later.', headers: { 'Retry-After': String(decision.retryAfterSeconds) } };
  }
  const entry = withdrawalEntry(sid, secret);
  const result = await deps.store.withdrawSubmission({
    campaign: campaign.id,
    sid,
    secret,
    secretHash: withdrawalHash(secret),
    entry,
    receivedAt: new Date(now).toISOString(),
  });
  switch (result.status) {
    case 'withdrawn':
    case 'already-withdrawn':
      if (result.status === 'withdrawn') deps.metrics.withdrawn.inc({ campaign: campaign.id });
      return { ok: true, repeated: result.status === 'already-withdrawn', receipt: await logReceipt(deps, campaign.id, sid, result.receivedAt, result.seq, entry) };
    case 'not-found':
      return { ok: false, code: 'not-found', detail: 'No submission with this id is stored.' };
    case 'refused':
      return { ok: false, code: 'withdrawal-refused', detail: 'This secret does not withdraw this submission.' };
    case 'removed':
      return { ok: false, code: 'submission-removed', detail: "The collector's operator already removed this submission." };
    case 'deleted':
      return { ok: false, code: 'signatures-deleted', detail: "This campaign's signatures were deleted at the end of its retention period: nothing is left to withdraw, and its count no longer changes." };
    case 'disowned':
      return { ok: false, code: 'submission-disowned', detail: "The owner of the signature's e-mail address already disowned it: it no longer counts." };
  }
}

/** `OPTIONS` is in submissionRoutes; `POST /withdrawals`, `GET` and `POST /withdraw` here. */
export function withdrawalRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post('/v1/campaigns/:campaign/withdrawals', async (c) => {
    const campaign = await campaignOf(deps, c);
    checkOrigin(c, campaign);
    c.header('Cache-Control', 'no-store');
    const { value } = await readJsonBody(c, MAX_WITHDRAWAL_BODY_BYTES);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProblemError('invalid-request', 'The body must be {"sid": ..., "secret": ...}.');
    }
    const { sid, secret, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new ProblemError('invalid-request', 'The body must have exactly the members sid and secret.');
    if (!isSubmissionId(sid)) throw new ProblemError('invalid-request', 'sid must be a submission id (22 base64url characters).');
    if (!isWithdrawalSecret(secret)) throw new ProblemError('invalid-request', 'secret must be a withdrawal secret (43 base64url characters).');
    const outcome = await withdraw(deps, c, campaign, sid, secret);
    if (!outcome.ok) throw new ProblemError(outcome.code, outcome.detail, outcome.headers);
    return c.json(outcome.receipt, 200);
  });

  app.get('/v1/campaigns/:campaign/withdraw', async (c) => {
    const campaign = await campaignOf(deps, c);
    const t = pickLanguage(c.req.header('accept-language'));
    return page(c, 200, t, campaign.id, `<p>${t.intro}</p>${form(t, campaign.id)}`);
  });

  app.post('/v1/campaigns/:campaign/withdraw', async (c) => {
    const campaign = await campaignOf(deps, c);
    const t = pickLanguage(c.req.header('accept-language'));
    const fail = (code: ProblemCode, headers: Record<string, string> = {}) => {
      deps.metrics.rejected.inc({ code });
      c.set('problemCode', code);
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
      return page(c, PROBLEMS[code].status, t, campaign.id, `<p class="bad">${t.failure[code] ?? t.failure.internal}</p>${form(t, campaign.id)}`);
    };
    let fields: URLSearchParams;
    try {
      fields = await readFormBody(c, MAX_WITHDRAWAL_BODY_BYTES);
    } catch (error) {
      if (error instanceof ProblemError) return fail(error.problem.code, { ...error.headers });
      throw error;
    }
    const code = fields.getAll('code');
    const parsed = code.length === 1 ? parseWithdrawalCode(code[0]) : undefined;
    if (!parsed) return fail('invalid-request');
    const outcome = await withdraw(deps, c, campaign, parsed.sid, parsed.secret);
    if (!outcome.ok) return fail(outcome.code, outcome.headers);
    const body = outcome.repeated ? t.already : t.done(outcome.receipt.log.index);
    return page(c, 200, t, campaign.id, `<p class="ok">${body}</p>`);
  });

  return app;
}

// --- The page ----------------------------------------------------------------------------------

/** The page's Content-Security-Policy (the one of every signer page, src/routes/page.ts). */
export const WITHDRAW_PAGE_CSP = PAGE_CSP;

function form(t: PageText, campaign: string): string {
  return (
    `<form method="post" action="/v1/campaigns/${escapeHtml(campaign)}/withdraw">` +
    `<label for="code">${t.label}</label>` +
    `<input id="code" name="code" required autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="hint">` +
    `<p id="hint" class="hint">${t.hint}</p>` +
    `<button type="submit">${t.button}</button></form>`
  );
}

function page(c: Context<Env>, status: number, t: PageText, campaign: string, main: string): Response {
  return htmlPage(c, status, t, campaign, main);
}

// --- Its words (the widget's languages that have them; English otherwise) ----------------------

interface PageText {
  readonly lang: 'en' | 'fr' | 'de';
  readonly title: string;
  readonly campaign: string;
  readonly intro: string;
  readonly label: string;
  readonly hint: string;
  readonly button: string;
  readonly done: (index: number) => string;
  readonly already: string;
  readonly failure: Partial<Record<ProblemCode, string>> & { readonly internal: string };
}

const TEXT: Record<'en' | 'fr' | 'de', PageText> = {
  en: {
    lang: 'en',
    title: 'Withdraw my signature',
    campaign: 'Campaign:',
    intro:
      'Paste the withdrawal code from the receipt you saved when you signed, then press the button. ' +
      'Your encrypted signature is deleted, it no longer counts, and the public log of the campaign records that it was withdrawn. ' +
      'The collector does not learn who you are.',
    label: 'Withdrawal code',
    hint: 'Two groups of letters and digits joined by a dot, as in your receipt.',
    button: 'Withdraw my signature',
    done: (index) => `Your signature is withdrawn. It has been deleted and no longer counts. The public log records the withdrawal at position ${index + 1}.`,
    already: 'This signature was already withdrawn. Nothing else was changed.',
    failure: {
      'invalid-request': 'This is not a withdrawal code. Paste the whole code from your receipt.',
      'unsupported-media-type': 'Send the code with the form on this page.',
      'payload-too-large': 'This is not a withdrawal code. Paste the whole code from your receipt.',
      'malformed-json': 'This is not a withdrawal code. Paste the whole code from your receipt.',
      'incomplete-request': 'The code did not arrive completely. Try again.',
      'not-found': 'No signature with this code is stored for this campaign. Check that you pasted the whole code.',
      'withdrawal-refused': 'This code does not withdraw that signature. Check that you pasted the whole code.',
      'submission-removed': 'The campaign already removed this signature: it no longer counts.',
      'submission-disowned': 'This signature was already removed with the “this wasn’t me” link of its e-mail: it no longer counts.',
      'signatures-deleted': 'This campaign has ended and its signatures were deleted, yours included: nothing is left to withdraw.',
      'rate-limited': 'Too many attempts from your network. Wait a minute, then try again.',
      internal: 'The collector could not do it just now. Try again later.',
    },
  },
  fr: {
    lang: 'fr',
    title: 'Retirer ma signature',
    campaign: 'Campagne :',
    intro:
      'Collez le code de retrait du reçu que vous avez enregistré en signant, puis appuyez sur le bouton. ' +
      'Votre signature chiffrée est supprimée, elle ne compte plus, et le journal public de la campagne indique qu’elle a été retirée. ' +
      'Le serveur n’apprend pas qui vous êtes.',
    label: 'Code de retrait',
    hint: 'Deux groupes de lettres et de chiffres reliés par un point, comme dans votre reçu.',
    button: 'Retirer ma signature',
    done: (index) => `Votre signature est retirée. Elle a été supprimée et ne compte plus. Le journal public indique le retrait à la position ${index + 1}.`,
    already: 'Cette signature était déjà retirée. Rien d’autre n’a changé.',
    failure: {
      'invalid-request': 'Ce n’est pas un code de retrait. Collez le code complet de votre reçu.',
      'unsupported-media-type': 'Envoyez le code avec le formulaire de cette page.',
      'payload-too-large': 'Ce n’est pas un code de retrait. Collez le code complet de votre reçu.',
      'malformed-json': 'Ce n’est pas un code de retrait. Collez le code complet de votre reçu.',
      'incomplete-request': 'Le code n’est pas arrivé en entier. Veuillez réessayer.',
      'not-found': 'Aucune signature de cette campagne ne correspond à ce code. Vérifiez que vous avez collé le code complet.',
      'withdrawal-refused': 'Ce code ne retire pas cette signature. Vérifiez que vous avez collé le code complet.',
      'submission-removed': 'La campagne a déjà supprimé cette signature : elle ne compte plus.',
      'submission-disowned': 'Cette signature a déjà été retirée avec le lien « ce n’était pas moi » de son e-mail : elle ne compte plus.',
      'signatures-deleted': 'Cette campagne est terminée et ses signatures ont été supprimées, la vôtre aussi : il n’y a plus rien à retirer.',
      'rate-limited': 'Trop de tentatives depuis votre réseau. Attendez une minute, puis réessayez.',
      internal: 'Le serveur n’a pas pu le faire pour l’instant. Veuillez réessayer plus tard.',
    },
  },
  de: {
    lang: 'de',
    title: 'Meine Unterschrift zurückziehen',
    campaign: 'Kampagne:',
    intro:
      'Fügen Sie den Rückzugscode aus der Quittung ein, die Sie beim Unterschreiben gespeichert haben, und drücken Sie dann die Schaltfläche. ' +
      'Ihre verschlüsselte Unterschrift wird gelöscht, sie zählt nicht mehr, und das öffentliche Protokoll der Kampagne vermerkt, dass sie zurückgezogen wurde. ' +
      'Der Server erfährt nicht, wer Sie sind.',
    label: 'Rückzugscode',
    hint: 'Zwei Gruppen aus Buchstaben und Ziffern, durch einen Punkt verbunden, wie in Ihrer Quittung.',
    button: 'Meine Unterschrift zurückziehen',
    done: (index) => `Ihre Unterschrift ist zurückgezogen. Sie wurde gelöscht und zählt nicht mehr. Das öffentliche Protokoll vermerkt den Rückzug an Position ${index + 1}.`,
    already: 'Diese Unterschrift war bereits zurückgezogen. Sonst wurde nichts geändert.',
    failure: {
      'invalid-request': 'Das ist kein Rückzugscode. Fügen Sie den vollständigen Code aus Ihrer Quittung ein.',
      'unsupported-media-type': 'Senden Sie den Code mit dem Formular dieser Seite.',
      'payload-too-large': 'Das ist kein Rückzugscode. Fügen Sie den vollständigen Code aus Ihrer Quittung ein.',
      'malformed-json': 'Das ist kein Rückzugscode. Fügen Sie den vollständigen Code aus Ihrer Quittung ein.',
      'incomplete-request': 'Der Code ist nicht vollständig angekommen. Bitte versuchen Sie es erneut.',
      'not-found': 'Zu diesem Code ist in dieser Kampagne keine Unterschrift gespeichert. Prüfen Sie, ob Sie den ganzen Code eingefügt haben.',
      'withdrawal-refused': 'Dieser Code zieht diese Unterschrift nicht zurück. Prüfen Sie, ob Sie den ganzen Code eingefügt haben.',
      'submission-removed': 'Die Kampagne hat diese Unterschrift bereits entfernt: Sie zählt nicht mehr.',
      'submission-disowned': 'Diese Unterschrift wurde bereits über den Link „Das war ich nicht“ ihrer E-Mail entfernt: Sie zählt nicht mehr.',
      'signatures-deleted': 'Diese Kampagne ist beendet und ihre Unterschriften wurden gelöscht, auch Ihre: Es gibt nichts mehr zurückzuziehen.',
      'rate-limited': 'Zu viele Versuche aus Ihrem Netz. Warten Sie eine Minute und versuchen Sie es dann erneut.',
      internal: 'Der Server konnte es gerade nicht ausführen. Bitte versuchen Sie es später erneut.',
    },
  },
};

/** The page's words for an `Accept-Language` header (English if it asks for none of en, fr, de). */
export function pickLanguage(header: string | undefined): PageText {
  return TEXT[languageOfHeader(header)];
}
