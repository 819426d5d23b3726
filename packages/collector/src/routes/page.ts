// The small HTML pages the collector serves to signers (withdraw, confirm, disown): one shell,
// one style, one Content-Security-Policy. Rules of this file:
// - No script, nothing loaded: the CSP is `default-src 'none'`, the one inline style allowed by
//   its hash, forms posting to this origin only.
// - Every value put into a page is escaped, and callers put only validated values in (never the
//   raw request).
import type { Context } from 'hono';
import { createHash } from 'node:crypto';
import type { Env } from './context.js';

const STYLE =
  'body{font:1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}' +
  'h1{font-size:1.5rem}label{display:block;font-weight:600;margin-top:1rem}' +
  'input{width:100%;box-sizing:border-box;font:inherit;font-family:ui-monospace,monospace;padding:.5rem;border:1px solid #555;border-radius:4px}' +
  'button{margin-top:1rem;font:inherit;padding:.5rem 1rem;border:0;border-radius:4px;background:#1a4fa0;color:#fff}' +
  'button.danger{background:#b3261e}' +
  '.hint{color:#444;font-size:.9rem}.ok{border-left:4px solid #1b7a3a;padding-left:.75rem}.bad{border-left:4px solid #b3261e;padding-left:.75rem}' +
  '@media (prefers-color-scheme:dark){body{color:#eee;background:#121212}.hint{color:#bbb}input{background:#1e1e1e;color:#eee;border-color:#aaa}}';

/** The pages' Content-Security-Policy: nothing loads, nothing runs, forms post here only. */
export const PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The languages the pages speak. */
export type PageLanguage = 'en' | 'fr' | 'de';

const LANGUAGES: readonly PageLanguage[] = ['en', 'fr', 'de'];

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A whole page with the pages' headers. `main` is HTML built from validated values only. */
export function htmlPage(c: Context<Env>, status: number, text: { lang: PageLanguage; title: string; campaign: string }, campaign: string, main: string): Response {
  const html =
    `<!doctype html><html lang="${text.lang}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">' +
    `<title>${text.title}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${text.title}</h1><p class="hint">${text.campaign} <strong>${escapeHtml(campaign)}</strong></p>${main}</main></body></html>\n`;
  return c.body(html, status as 200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': PAGE_CSP,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    Vary: 'Accept-Language',
  });
}

/**
 * A supported language named by a tag (`fr`, `fr-CH`, `DE`): its primary subtag if the pages
 * speak it; undefined otherwise (and for anything that is not a short tag).
 */
export function languageOfTag(tag: unknown): PageLanguage | undefined {
  if (typeof tag !== 'string' || tag.length > 35) return undefined;
  const primary = tag.trim().toLowerCase().split('-')[0];
  return LANGUAGES.find((l) => l === primary);
}

/**
 * The page's language from `Accept-Language` (RFC 9110 §12.5.4): the supported language with the
 * highest weight (a tag like `fr-CH` counts as `fr`), English if none is asked for.
 */
export function languageOfHeader(header: string | undefined): PageLanguage {
  let best: { lang: PageLanguage; q: number } | undefined;
  for (const part of (header ?? '').slice(0, 512).split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const lang = tag.split('-')[0];
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0 || (lang !== 'en' && lang !== 'fr' && lang !== 'de')) continue;
    if (!best || q > best.q) best = { lang, q };
  }
  return best?.lang ?? 'en';
}
