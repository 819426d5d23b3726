// The snippet partners paste (docs/cli.md, `snippet`), and the files it loads.
//
// Rules for this file:
// - Every module the page can load is pinned: the entry by its script tag's `integrity`, and every
//   module it can import (the lazily loaded crypto chunk, which sees plaintext; the translations;
//   the proof-of-work solver, its main-thread fallback and its worker's code) by an import map's
//   `integrity` entry, placed before the entry. A module whose bytes differ is refused by the
//   browser before it runs.
// - That includes the proof-of-work worker: the widget starts it from a blob: URL of its code, which
//   comes in a module of its own (ss-worker-code-<hash>.js), never from a URL of its own, which no
//   import map would pin. A widget build that still loads pow-worker.js that way is refused.
// - The set of files is found by following the relative `./x.js` references from the entry, and
//   checked against dist/integrity.json (written by the widget's build): a file missing from either,
//   or with another hash, stops the command. The hashes printed are computed from the bytes read.
// - The import map is inline, so a page with a strict CSP needs its `'sha256-…'` in script-src:
//   it is printed on stderr.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseVerifierKey } from '@secure-sign/crypto/log';
import { CliError, EXIT } from './errors.js';
import { fileError } from './io.js';

/** The entry of the widget's CDN build (dist/secure-sign.js). */
export const ENTRY = 'secure-sign.js';
/**
 * The proof-of-work worker as a file of its own. The widget's build keeps it in dist/ (for reading
 * and benchmarks) but no chunk loads it: a chunk that names it comes from an older widget, which
 * started it with `new Worker(url)`, which import maps do not cover.
 */
export const WORKER = 'pow-worker.js';

/** Options of {@link snippet}. */
export interface SnippetOptions {
  readonly campaign: string;
  /** The public campaign key string (already parsed and checked). */
  readonly publicKey: string;
  readonly collector: string;
  /** Where the files are served from (a folder URL ending with `/`). */
  readonly baseUrl: URL;
  /** The widget's dist/ folder; the installed @secure-sign/widget's by default. */
  readonly dist: string | undefined;
  readonly lang: string | undefined;
  readonly privacyUrl: string | undefined;
  /** The campaign's log verifier key (already checked with {@link logKeyFrom}), the widget's `log-key`. */
  readonly logKey?: string | undefined;
}

/** A file the snippet loads. */
export interface WidgetFile {
  readonly name: string;
  readonly integrity: string;
  /** How it is loaded: `entry` (script tag), `module` (imported: pinned by the import map). */
  readonly kind: 'entry' | 'module';
}

/** What {@link snippet} produced. */
export interface Snippet {
  readonly html: string;
  /** The CSP hash source of the inline import map, `'sha256-…'`. */
  readonly importMapHash: string;
  readonly files: readonly WidgetFile[];
  readonly dist: string;
}

/** Escapes text for an HTML attribute value in double quotes, or for element content. */
export function attr(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The installed widget's dist/ folder. */
export function installedDist(): string {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('@secure-sign/widget/secure-sign.js'));
  } catch (error) {
    throw new CliError('cannot find the widget (@secure-sign/widget)', 'pass --dist DIR, the widget\'s built dist/ folder', undefined, { cause: error });
  }
  return dirname(entry);
}

/** The installed widget's version (for the public-CDN address). */
export async function installedVersion(): Promise<string> {
  const path = fileURLToPath(import.meta.resolve('@secure-sign/widget/package.json'));
  const { version } = JSON.parse(await readFile(path, 'utf8')) as { version: string };
  return version;
}

/** The `sha384-...` integrity value of some bytes. */
export function sri(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

const NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.js$/;

/**
 * Finds every file the entry can load, by following the relative `"./name.js"` references from
 * the entry through each chunk, and hashes each. Checks them against dist/integrity.json.
 *
 * @throws {@link CliError} if the dist folder is not built, incomplete, or disagrees with its integrity.json.
 */
export async function widgetFiles(dist: string): Promise<WidgetFile[]> {
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(join(dist, name));
    } catch (error) {
      if (name === ENTRY) throw new CliError(`the widget is not built: no ${join(dist, ENTRY)}`, 'build it (npm run build), or pass --dist DIR, the widget\'s built dist/ folder', undefined, { cause: error });
      throw fileError(error, join(dist, name), `the widget's ${ENTRY} loads ${name}, but cannot read`);
    }
  };
  let listed: Record<string, unknown>;
  try {
    listed = JSON.parse(await readFile(join(dist, 'integrity.json'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot read ${join(dist, 'integrity.json')}`, 'build the widget (npm run build); its build writes the hashes of every file', undefined, { cause: error });
  }
  const files: WidgetFile[] = [];
  const seen = new Set<string>([ENTRY]);
  const queue = [ENTRY];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const bytes = await read(name);
    const integrity = sri(bytes);
    if (listed[name] !== integrity) {
      throw new CliError(
        listed[name] === undefined ? `${join(dist, 'integrity.json')} does not list ${name}, which the widget loads` : `${join(dist, name)} does not match its hash in integrity.json`,
        'rebuild the widget (npm run build) and copy the whole dist/ again',
      );
    }
    files.push({ name, integrity, kind: name === ENTRY ? 'entry' : 'module' });
    // Minified chunks name the files they load as string literals: import("./ss-fr-….js"),
    // from"./secure-sign.js".
    for (const match of bytes.toString('utf8').matchAll(/["'`]\.\/([^"'`/\\]+\.js)["'`]/g)) {
      const next = match[1]!;
      if (!NAME.test(next)) throw new CliError(`the widget's ${name} loads an unexpected file name`, 'rebuild the widget (npm run build)');
      if (next === WORKER) {
        throw new CliError(
          `the widget's ${name} starts its proof-of-work worker from ${WORKER}, which no import map can pin (a widget older than this command)`,
          'use the widget of the same version as this command (npm run build), or pass its built dist/ with --dist DIR',
        );
      }
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return files;
}

/**
 * Builds the snippet: an import map pinning every module the entry can load, the entry's script
 * tag with its own integrity, and the `<secure-sign>` element.
 *
 * @throws {@link CliError} if the widget's dist/ cannot be read or is inconsistent.
 * @example
 * ```ts
 * const { html, importMapHash } = await snippet({ campaign: 'open-letter', publicKey: 'sspk1...',
 *   collector: 'https://c.example', baseUrl: new URL('https://partner.example/secure-sign/'), ... });
 * ```
 */
export async function snippet(options: SnippetOptions): Promise<Snippet> {
  const dist = options.dist ?? installedDist();
  const files = await widgetFiles(dist);
  const url = (name: string): string => new URL(name, options.baseUrl).href;
  const integrity: Record<string, string> = {};
  for (const file of files) integrity[url(file.name)] = file.integrity;
  // `<` escaped so the JSON can never close the script element; the hash covers exactly this text.
  const map = JSON.stringify({ integrity }).replaceAll('<', '\\u003c');
  const importMapHash = `'sha256-${createHash('sha256').update(map, 'utf8').digest('base64')}'`;
  const entry = files.find((file) => file.kind === 'entry')!;
  const extra = [
    options.lang === undefined ? '' : ` lang="${attr(options.lang)}"`,
    options.privacyUrl === undefined ? '' : ` privacy-url="${attr(options.privacyUrl)}"`,
    options.logKey === undefined ? '' : ` log-key="${attr(options.logKey)}"`,
  ].join('');
  const html =
    `<script type="importmap">${map}</script>\n` +
    `<script type="module" src="${attr(url(ENTRY))}" integrity="${entry.integrity}" crossorigin="anonymous"></script>\n` +
    `<secure-sign campaign="${attr(options.campaign)}" campaign-key="${attr(options.publicKey)}" collector="${attr(options.collector)}"${extra}></secure-sign>\n`;
  return { html, importMapHash, files, dist };
}

/**
 * Copies exactly the files that run (no source maps, no ESM build) into `dir`, refusing to replace
 * a file that is already there with other bytes.
 *
 * @throws {@link CliError} if a file cannot be written, or one of another content is in the way.
 */
export async function copyWidget(files: readonly WidgetFile[], dist: string, dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw fileError(error, dir, 'cannot create');
  }
  const present = new Set(await readdir(dir).catch(() => []));
  for (const file of files) {
    const target = join(dir, file.name);
    if (present.has(file.name)) {
      let same = false;
      try {
        same = sri(await readFile(target)) === file.integrity;
      } catch {
        same = false;
      }
      if (same) continue;
      throw new CliError(`${target} exists with other content`, 'copy into an empty folder (or remove the old files first)');
    }
    try {
      // COPYFILE_EXCL: never through a link or over a file that appeared meanwhile.
      await copyFile(join(dist, file.name), target, constants.COPYFILE_EXCL);
    } catch (error) {
      throw fileError(error, target, 'cannot copy the widget to');
    }
  }
}

/**
 * Checks `--log-key`: the campaign's log verifier key as `GET /v1/campaigns/{campaign}` publishes
 * it (`log.vkey`), a C2SP verifier key whose name is `<log name>/<campaign>`.
 *
 * @throws {@link CliError} (usage) if it is malformed, its key id does not match, or it names another campaign's log.
 */
export function logKeyFrom(text: string, campaign: string): string {
  let name: string;
  try {
    name = parseVerifierKey(text.trim()).name;
  } catch (error) {
    throw new CliError(
      `--log-key is not a log verifier key (${error instanceof Error ? error.message.replace(/^invalid verifier key: /, '') : 'malformed'})`,
      `copy "log.vkey" of GET /v1/campaigns/${campaign} whole, e.g. collector.example/${campaign}+1a2b3c4d+AU8V...`,
      EXIT.USAGE,
    );
  }
  if (!name.endsWith(`/${campaign}`)) {
    throw new CliError(`--log-key is the key of the log ${JSON.stringify(name)}, not of campaign ${campaign}`, `copy "log.vkey" of GET /v1/campaigns/${campaign}`, EXIT.USAGE);
  }
  return text.trim();
}

/** The sandbox of the isolated mode's iframe (docs/embedding.md says why each flag is there). */
export const FRAME_SANDBOX = 'allow-scripts allow-same-origin allow-forms allow-downloads allow-popups allow-popups-to-escape-sandbox';

/** Bounds of the height the partner-side resizer accepts, in CSS pixels. */
export const FRAME_HEIGHT = Object.freeze({ min: 40, max: 20000, initial: 720 });

/**
 * The partner-side resizer, a classic inline script placed after its iframe (the nearest iframe
 * before it among its siblings, so a CMS's `<br>` between them does no harm). It accepts a
 * message only from that iframe's window and origin, only `{ type: 'secure-sign:height', height }`
 * with exactly those two members and a finite height in range, and sets only the iframe's height
 * (through CSSOM, which a strict CSP allows). Minified by hand: its CSP hash covers these bytes.
 */
export const RESIZER =
  '(()=>{let f=document.currentScript;while(f&&f.tagName!=="IFRAME")f=f.previousElementSibling;if(!f)return;const o=new URL(f.src).origin;' +
  'addEventListener("message",e=>{const d=e.data;' +
  'if(e.origin!==o||e.source!==f.contentWindow||typeof d!=="object"||d===null||Array.isArray(d)' +
  '||Object.keys(d).sort().join()!=="height,type"||d.type!=="secure-sign:height"' +
  `||typeof d.height!=="number"||!Number.isFinite(d.height)||d.height<${FRAME_HEIGHT.min}||d.height>${FRAME_HEIGHT.max})return;` +
  'f.style.height=Math.ceil(d.height)+"px"})})()';

/** The CSP hash source of an inline script's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Checks the isolated frame's URL (`--frame`): https (plain http only to this machine), no user, query or fragment. */
export function frameUrlFrom(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--frame ${JSON.stringify(text)} is not a URL`, 'pass the URL where the folder of `secure-sign frame build` is served, e.g. https://sign.campaign.example/open-letter/', EXIT.USAGE);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new CliError(`--frame must be an https URL (got ${url.protocol}//)`, 'plain http is allowed only to this machine (localhost): a network attacker could change the form', EXIT.USAGE);
  }
  if (url.username || url.password || url.search || url.hash) throw new CliError('--frame must be a plain URL (no user, query or fragment)', undefined, EXIT.USAGE);
  return url;
}

/** What {@link frameSnippet} produced. */
export interface FrameSnippet {
  readonly html: string;
  /** The CSP hash source of the inline resizer, `'sha256-…'`. */
  readonly resizerHash: string;
}

/**
 * The isolated mode's embed: a sandboxed iframe of the campaign's frame page and the resizer.
 *
 * @example
 * ```ts
 * frameSnippet({ frame: new URL('https://sign.campaign.example/open-letter/'), title: 'Sign the open letter' }).html;
 * ```
 */
export function frameSnippet(options: { readonly frame: URL; readonly title: string }): FrameSnippet {
  const html =
    `<iframe src="${attr(options.frame.href)}" title="${attr(options.title)}" sandbox="${FRAME_SANDBOX}" allow="clipboard-write" ` +
    `referrerpolicy="no-referrer" width="100%" height="${FRAME_HEIGHT.initial}" class="secure-sign-frame"></iframe>` +
    `<script>${RESIZER}</script>\n`;
  return { html, resizerHash: cspHash(RESIZER) };
}
