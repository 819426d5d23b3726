// `secure-sign frame build`: the isolated embedding mode (issue 12, docs/embedding.md).
//
// Rules for this file:
// - The folder it writes is static: staff host it on an origin the campaign controls (never the
//   collector's, which is not trusted with plaintext), and partners embed it in a sandboxed iframe
//   (`secure-sign snippet --frame URL`). The partner page's scripts then cannot reach the form.
// - Every file that runs is integrity-checked: the widget's entry and frame.js by their script
//   tags, frame.css by its link, every module the entry can import by the import map (relative
//   URLs, so the folder can be hosted at any address). The widget files are those of `snippet`
//   (found and checked the same way, see snippet.ts), the proof-of-work worker's code among them:
//   the widget starts the worker from a blob: URL of that pinned code (hence `worker-src blob:`).
// - index.html carries its strict Content-Security-Policy in a meta tag; _headers repeats it as
//   an HTTP header, with what only a header can say (frame-ancestors).
// - The one thing that leaves the frame on its own is frame.js's message to the parent, always
//   exactly `{ type: 'secure-sign:height', height: N }`, at most one every 100 ms.
// - Nothing typed or secret is in any file: only the public key string, its fingerprint, the
//   campaign id and title, URLs.
import type { CampaignPublicKey } from '@secure-sign/crypto';
import type { Command } from 'commander';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { campaignId, collectorUrl } from './collector.js';
import { CliError, EXIT } from './errors.js';
import { errno, fileError, say } from './io.js';
import { publicKeyFrom, urlProtocol } from './options.js';
import { attr, copyWidget, cspHash, ENTRY, installedDist, logKeyFrom, sri, widgetFiles, type WidgetFile } from './snippet.js';

/** The frame page's own script and stylesheet, beside the widget files. */
export const FRAME_SCRIPT = 'frame.js';
export const FRAME_STYLE = 'frame.css';

/** Sends the page's height to the embedding page; nothing else ever leaves the frame this way. */
const FRAME_JS = `// secure-sign frame: tells the embedding page how tall this page is, and nothing else.
// The message is always exactly { type: 'secure-sign:height', height: N }, at most one every 100 ms.
if (window.parent !== window) {
  let last = -1;
  let timer = 0;
  let at = 0;
  const send = () => {
    timer = 0;
    at = Date.now();
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'secure-sign:height', height }, '*');
  };
  const schedule = () => {
    if (timer === 0) timer = setTimeout(send, Math.max(0, at + 100 - Date.now()));
  };
  new ResizeObserver(schedule).observe(document.documentElement);
  schedule();
}
`;

type Theme = 'auto' | 'light' | 'dark';

function frameCss(theme: Theme): string {
  return `:root { color-scheme: ${theme === 'auto' ? 'light dark' : theme}; }
html, body { margin: 0; background: transparent; }
body { padding: 4px; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: CanvasText; }
.trusted { margin: 0 auto 0.75rem; max-width: 36rem; padding: 0.5rem 0.75rem; border: 1px solid GrayText; border-radius: 8px; font-size: 0.875rem; }
.trusted p { margin: 0.125rem 0; }
.trusted .label { font-weight: 600; }
.trusted code { font: 0.9375rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-spacing: 0.15em; white-space: nowrap; }
secure-sign { display: block; margin: 0 auto; }
`;
}

/** The trusted area's words, per widget language (English otherwise). */
const WORDS: Record<string, { campaign: string; fingerprint: string; note: string }> = {
  en: { campaign: 'Campaign', fingerprint: 'Encryption key fingerprint', note: 'This form is served by the campaign, not by the site around it, which cannot read what you type.' },
  fr: { campaign: 'Campagne', fingerprint: 'Empreinte de la clé de chiffrement', note: 'Ce formulaire est servi par la campagne, pas par le site qui l’affiche\u202f: ce site ne peut pas lire ce que vous saisissez.' },
  de: { campaign: 'Kampagne', fingerprint: 'Fingerabdruck des Verschlüsselungsschlüssels', note: 'Dieses Formular kommt von der Kampagne, nicht von der Website, die es zeigt: Sie kann nicht lesen, was Sie eingeben.' },
  es: { campaign: 'Campaña', fingerprint: 'Huella de la clave de cifrado', note: 'Este formulario lo sirve la campaña, no el sitio que lo muestra: ese sitio no puede leer lo que usted escribe.' },
  pt: { campaign: 'Campanha', fingerprint: 'Impressão digital da chave de cifragem', note: 'Este formulário é servido pela campanha, não pelo site que o mostra: esse site não pode ler o que escreve.' },
  ar: { campaign: 'الحملة', fingerprint: 'بصمة مفتاح التشفير', note: 'تقدّم الحملة هذا النموذج، لا الموقع الذي يعرضه: لا يستطيع ذلك الموقع قراءة ما تكتبه.' },
};

/** Options of {@link buildFrame}. */
export interface FrameOptions {
  readonly campaign: string;
  readonly publicKey: CampaignPublicKey;
  /** The collector's base URL, without a final `/`. */
  readonly collector: string;
  /** The output folder: absent or empty. */
  readonly out: string;
  /** The widget's dist/ folder; the installed @secure-sign/widget's by default. */
  readonly dist?: string | undefined;
  /** The campaign's name shown in the trusted area (the campaign id if not given). */
  readonly title?: string | undefined;
  readonly lang?: string | undefined;
  readonly privacyUrl?: string | undefined;
  readonly shareUrl?: string | undefined;
  /** The campaign's log verifier key (checked with {@link logKeyFrom}). */
  readonly logKey?: string | undefined;
  /** Origins allowed to embed the frame (`frame-ancestors`); any https page if empty. */
  readonly partners?: readonly string[] | undefined;
  readonly theme?: Theme | undefined;
}

/** What {@link buildFrame} wrote. */
export interface FrameBuild {
  /** Every file written, relative to the output folder. */
  readonly files: readonly string[];
  /** The page's Content-Security-Policy, as in its meta tag. */
  readonly csp: string;
  /** The same policy with `frame-ancestors`, as the HTTP header `_headers` sets. */
  readonly headerCsp: string;
  readonly widget: readonly WidgetFile[];
}

/** The Content-Security-Policy of the frame page (the meta tag's; the header adds frame-ancestors). */
export function framePolicy(importMapHash: string, collector: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval' ${importMapHash}`,
    // The proof-of-work worker, started from a blob: URL of its code (a module the import map pins).
    'worker-src blob:',
    `connect-src ${new URL(collector).origin}`,
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Whether a widget file's name carries a content hash (`ss-<name>-<hash>.js`, the name may hold
 * hyphens: ss-log-count-…, ss-worker-code-…): cached for a year.
 */
const HASHED = /^ss-[A-Za-z0-9-]+-[A-Za-z0-9_-]{8}\.js$/;

function headersFile(headerCsp: string, files: readonly string[]): string {
  const common = [
    `  Content-Security-Policy: ${headerCsp}`,
    '  X-Content-Type-Options: nosniff',
    '  Referrer-Policy: no-referrer',
    '  Cross-Origin-Resource-Policy: same-origin',
  ];
  const fresh = ['/', '/index.html', ...files.filter((name) => name.endsWith('.js') || name.endsWith('.css')).filter((name) => !HASHED.test(name)).map((name) => `/${name}`)];
  return [
    '# Headers of the secure-sign frame, in the _headers format of Netlify and Cloudflare Pages (paths',
    '# from the root of the site: add the folder in front if you host it under a path). Other servers:',
    '# README.md in this folder.',
    '/*',
    ...common,
    '/ss-*',
    '  Cache-Control: public, max-age=31536000, immutable',
    ...fresh.flatMap((path) => [path, '  Cache-Control: no-cache']),
    '',
  ].join('\n');
}

function readme(o: { campaign: string; headerCsp: string; fingerprint: string }): string {
  return `# secure-sign frame for campaign ${o.campaign}

Written by \`secure-sign frame build\`. Host this folder, exactly as it is, on an origin the campaign
controls (a static host: not the collector's origin, not a partner's), over https. Then:

1. Register that origin with the collector, since the form now runs there:
   \`secure-sign-collector campaign set ${o.campaign} --origin https://sign.campaign.example\` (keep the
   campaign's other origins: --origin replaces the list).
2. Print the partners' embed: \`secure-sign snippet --campaign ${o.campaign} --key campaign.key --frame https://sign.campaign.example/${o.campaign}/\`.
3. Open the folder's URL in a browser: the key fingerprint above the form must read
   ${o.fingerprint}.

## Headers

index.html carries its Content-Security-Policy in a meta tag. Serve it as a header as well, which
adds what a meta tag cannot say (\`frame-ancestors\`: who may embed the frame):

    Content-Security-Policy: ${o.headerCsp}
    X-Content-Type-Options: nosniff
    Referrer-Policy: no-referrer
    Cross-Origin-Resource-Policy: same-origin

Caching: \`ss-<name>-<hash>.js\` never change (their names carry their hash): \`Cache-Control:
public, max-age=31536000, immutable\`. Everything else (index.html, secure-sign.js, frame.js,
frame.css): \`Cache-Control: no-cache\`. Each file has a \`.gz\` and a
\`.br\` beside it: serve those to browsers that accept them, with \`Vary: Accept-Encoding\`.
Netlify and Cloudflare Pages read \`_headers\` in this folder.

nginx (\`brotli_static\` needs the ngx_brotli module):

    location /${o.campaign}/ {
        gzip_static on;
        brotli_static on;
        add_header Content-Security-Policy "${o.headerCsp}" always;
        add_header X-Content-Type-Options nosniff always;
        add_header Referrer-Policy no-referrer always;
        add_header Cross-Origin-Resource-Policy same-origin always;
        add_header Vary Accept-Encoding;
        add_header Cache-Control no-cache;
        location ~ "/ss-[A-Za-z0-9-]+-[A-Za-z0-9_-]{8}\\.js$" {
            gzip_static on;
            brotli_static on;
            add_header Content-Security-Policy "${o.headerCsp}" always;
            add_header X-Content-Type-Options nosniff always;
            add_header Cross-Origin-Resource-Policy same-origin always;
            add_header Vary Accept-Encoding;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }
    }

Caddy:

    handle_path /${o.campaign}/* {
        root * /srv/secure-sign-frame
        header Content-Security-Policy "${o.headerCsp}"
        header X-Content-Type-Options nosniff
        header Referrer-Policy no-referrer
        header Cross-Origin-Resource-Policy same-origin
        @hashed path_regexp ^/ss-[A-Za-z0-9-]+-[A-Za-z0-9_-]{8}\\.js$
        header @hashed Cache-Control "public, max-age=31536000, immutable"
        header !@hashed Cache-Control no-cache
        file_server { precompressed br gzip }
    }

Run \`secure-sign frame build\` again into a new folder after each widget upgrade, and replace the
whole folder: index.html pins the exact bytes of every file.
`;
}

/**
 * Writes the isolated mode's static folder: index.html (strict CSP, import map with integrity,
 * the trusted area, the widget), frame.js, frame.css, the widget's files, `.gz`/`.br` beside each,
 * `_headers` and a README.
 *
 * @throws {@link CliError} if the output folder is not empty, or the widget's dist/ is missing or inconsistent.
 * @example
 * ```ts
 * await buildFrame({ campaign: 'open-letter', publicKey, collector: 'https://collector.example', out: 'frame' });
 * ```
 */
export async function buildFrame(o: FrameOptions): Promise<FrameBuild> {
  let present: string[] = [];
  try {
    present = await readdir(o.out);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw fileError(error, o.out, 'cannot read the output folder');
  }
  if (present.length > 0) throw new CliError(`${o.out} is not empty`, 'build into a new (or empty) folder, and replace the hosted folder with it whole');
  const dist = o.dist ?? installedDist();
  const widget = await widgetFiles(dist);
  const entry = widget.find((file) => file.kind === 'entry')!;
  const title = o.title ?? o.campaign;
  const lang = o.lang ?? 'en';
  const words = WORDS[lang.slice(0, 2).toLowerCase()] ?? WORDS['en']!;
  const dir = lang.slice(0, 2).toLowerCase() === 'ar' ? 'rtl' : 'ltr';

  const css = frameCss(o.theme ?? 'light');
  const integrity: Record<string, string> = {};
  for (const file of widget) integrity[`./${file.name}`] = file.integrity;
  const map = JSON.stringify({ integrity }).replaceAll('<', '\\u003c');
  const csp = framePolicy(cspHash(map), o.collector);
  const ancestors = o.partners !== undefined && o.partners.length > 0 ? o.partners.join(' ') : 'https:';
  const headerCsp = `${csp}; frame-ancestors ${ancestors}`;
  const attributes = [
    `campaign="${attr(o.campaign)}"`,
    `campaign-key="${attr(o.publicKey.keyString)}"`,
    `collector="${attr(o.collector)}"`,
    o.lang === undefined ? '' : `lang="${attr(o.lang)}"`,
    o.privacyUrl === undefined ? '' : `privacy-url="${attr(o.privacyUrl)}"`,
    o.shareUrl === undefined ? '' : `share-url="${attr(o.shareUrl)}"`,
    o.logKey === undefined ? '' : `log-key="${attr(o.logKey)}"`,
    o.theme === undefined || o.theme === 'light' ? '' : `theme="${o.theme}"`,
  ].filter((text) => text !== '');
  const html = `<!doctype html>
<html lang="${attr(lang)}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${attr(title)}</title>
<link rel="stylesheet" href="./${FRAME_STYLE}" integrity="${sri(Buffer.from(css))}">
<script type="importmap">${map}</script>
<script type="module" src="./${FRAME_SCRIPT}" integrity="${sri(Buffer.from(FRAME_JS))}"></script>
<script type="module" src="./${ENTRY}" integrity="${entry.integrity}"></script>
</head>
<body>
<header class="trusted">
<p><span class="label">${attr(words.campaign)}:</span> <strong>${attr(title)}</strong></p>
<p><span class="label">${attr(words.fingerprint)}:</span> <code dir="ltr">${attr(o.publicKey.fingerprint)}</code></p>
<p>${attr(words.note)}</p>
</header>
<main>
<secure-sign ${attributes.join(' ')}></secure-sign>
</main>
</body>
</html>
`;

  await copyWidget(widget, dist, o.out);
  const own: Array<[string, string]> = [
    ['index.html', html],
    [FRAME_SCRIPT, FRAME_JS],
    [FRAME_STYLE, css],
  ];
  const write = async (name: string, data: string | Uint8Array): Promise<void> => {
    try {
      await writeFile(join(o.out, name), data, { flag: 'wx' });
    } catch (error) {
      throw fileError(error, join(o.out, name), 'cannot write');
    }
  };
  for (const [name, text] of own) await write(name, text);
  const served = [...own.map(([name]) => name), ...widget.map((file) => file.name)];
  for (const name of served) {
    const text = own.find(([n]) => n === name)?.[1];
    const data = text === undefined ? await readFile(join(o.out, name)) : Buffer.from(text);
    await write(`${name}.gz`, gzipSync(data, { level: 9 }));
    await write(`${name}.br`, brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length } }));
  }
  await write('_headers', headersFile(headerCsp, served));
  await write('README.md', readme({ campaign: o.campaign, headerCsp, fingerprint: o.publicKey.fingerprint }));
  const files = [...served, ...served.flatMap((name) => [`${name}.gz`, `${name}.br`]), '_headers', 'README.md'].sort();
  return { files, csp, headerCsp, widget };
}

/** `--partner ORIGIN`: an http(s) origin, nothing else. */
function partnerOrigin(text: string, previous: string[] | undefined): string[] {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== text.replace(/\/$/, '')) {
    throw new CliError(`--partner ${JSON.stringify(text)} is not an origin`, 'pass scheme, host and port only, e.g. https://partner.example', EXIT.USAGE);
  }
  return [...(previous ?? []), url.origin];
}

/** Adds the `frame` commands to the program. */
export function registerFrameCommand(cli: Command): void {
  const frame = cli.command('frame').description('the isolated embedding mode: the form in a sandboxed iframe served from an origin the campaign controls');
  frame
    .command('build')
    .description('write the static folder of the isolated mode (index.html with a strict CSP, the widget, integrity on every file) for staff to host')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('-k, --key <file>', 'take the public key from this key file')
    .option('--public-key <sspk1>', 'the public campaign key string')
    .requiredOption('--collector <url>', 'the collector base URL')
    .requiredOption('--out <dir>', 'the folder to write (absent or empty)')
    .option('--title <text>', 'the campaign\'s name, shown above the form in the frame\'s own area (default: the campaign id)')
    .option('--lang <code>', 'the widget\'s language (and the frame page\'s)')
    .option('--privacy-url <url>', 'link to the campaign privacy notice (absolute http(s) URL)')
    .option('--share-url <url>', 'the URL the success screen offers to share (default: the frame\'s own URL; give the campaign\'s page)')
    .option('--log-key <vkey>', 'the campaign\'s log verifier key ("log.vkey" of GET /v1/campaigns/ID): the widget\'s log-key attribute')
    .option('--partner <origin>', 'an origin allowed to embed the frame (frame-ancestors, in _headers); repeat it. Without it: any https page', partnerOrigin)
    .option('--theme <theme>', 'light (default), dark or auto (follows the system)')
    .option('--dist <dir>', 'the widget\'s built dist/ folder (default: the installed @secure-sign/widget)')
    .addHelpText(
      'after',
      `
The folder holds index.html (a strict Content-Security-Policy in a meta tag; an import map pinning
every module the widget can import; frame.js, frame.css and the widget entry pinned by their tags;
no inline style; a trusted area above the form with the campaign's name and the key fingerprint),
frame.js (posts only { type: 'secure-sign:height', height } to the embedding page), frame.css, the
widget's files, a .gz and a .br beside each, _headers (the CSP as a header, with frame-ancestors,
and caching) and README.md (how to serve it with nginx or Caddy).

Host it on an origin the campaign controls (not the collector's), register that origin with the
collector (the form now runs there), then give partners \`secure-sign snippet --frame URL\`.

Example:
  secure-sign frame build --campaign open-letter --key campaign.key --collector https://collector.example.org \\
    --title "Open letter: keep encryption strong" --lang en --partner https://partner.example --out ./frame
  secure-sign snippet --campaign open-letter --key campaign.key --frame https://sign.campaign.example/open-letter/`,
    )
    .action(
      async (opts: {
        campaign: string;
        key?: string;
        publicKey?: string;
        collector: string;
        out: string;
        title?: string;
        lang?: string;
        privacyUrl?: string;
        shareUrl?: string;
        logKey?: string;
        partner?: string[];
        theme?: string;
        dist?: string;
      }) => {
        const campaign = campaignId(opts.campaign);
        const collector = collectorUrl(opts.collector).href.replace(/\/$/, '');
        if (opts.lang !== undefined && !/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(opts.lang)) {
          throw new CliError(`--lang ${JSON.stringify(opts.lang)} is not a language tag`, 'e.g. en, de, pt-BR', EXIT.USAGE);
        }
        for (const [name, value] of [['--privacy-url', opts.privacyUrl], ['--share-url', opts.shareUrl]] as const) {
          if (value !== undefined && !/^https?:$/.test(urlProtocol(value))) throw new CliError(`${name} must be an absolute http(s) URL`, 'the frame is on its own origin: a relative URL would point into it', EXIT.USAGE);
        }
        if (opts.title !== undefined && (opts.title.trim() === '' || opts.title.length > 200 || /[\u0000-\u001f\u007f]/.test(opts.title))) {
          throw new CliError('--title must be 1 to 200 characters on one line', undefined, EXIT.USAGE);
        }
        if (opts.theme !== undefined && !['auto', 'light', 'dark'].includes(opts.theme)) throw new CliError('--theme must be light, dark or auto', undefined, EXIT.USAGE);
        const logKey = opts.logKey === undefined ? undefined : logKeyFrom(opts.logKey, campaign);
        const publicKey = await publicKeyFrom(opts);
        const result = await buildFrame({
          campaign,
          publicKey,
          collector,
          out: opts.out,
          dist: opts.dist,
          title: opts.title?.trim(),
          lang: opts.lang,
          privacyUrl: opts.privacyUrl,
          shareUrl: opts.shareUrl,
          logKey,
          partners: opts.partner ?? [],
          theme: opts.theme as Theme | undefined,
        });
        say(`campaign key fingerprint: ${publicKey.fingerprint} (shown above the form)`);
        say(`wrote ${result.files.length} files to ${opts.out}: host the folder as it is on an origin the campaign controls (not the collector's), with the headers of ${join(opts.out, '_headers')} (${join(opts.out, 'README.md')} says how)`);
        say(`register that origin with the collector (the form runs there): secure-sign-collector campaign set ${campaign} --origin https://sign.campaign.example (keep the other origins)`);
        say(`partners' embed: secure-sign snippet --campaign ${campaign} --key FILE --frame https://sign.campaign.example/${campaign}/ (the URL where you host it)`);
      },
    );
}
