// The embed snippet partners paste: the widget's script tag with a Subresource Integrity hash of
// the exact bundle, and the <secure-sign> element.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';
import { fileError } from './io.js';

/** Options of {@link snippet}. */
export interface SnippetOptions {
  readonly campaign: string;
  /** The public campaign key string (already parsed and checked). */
  readonly publicKey: string;
  readonly collector: string;
  /** Where partners load the bundle from; the bundle's CDN address by default. */
  readonly scriptUrl: string | undefined;
  /** The bundle to hash; the installed @secure-sign/widget's by default. */
  readonly bundle: string | undefined;
  readonly lang: string | undefined;
  readonly privacyUrl: string | undefined;
}

function attr(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function resolveWidget(specifier: string): string {
  try {
    return fileURLToPath(import.meta.resolve(specifier));
  } catch (error) {
    throw new CliError('cannot find the widget bundle (@secure-sign/widget)', 'pass --bundle PATH to the secure-sign.js you will serve', undefined, { cause: error });
  }
}

/** The `sha384-...` integrity value of a file. */
export async function integrity(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fileError(error, path, 'cannot read the widget bundle');
  }
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/**
 * Builds the two-line snippet.
 *
 * @throws {@link CliError} if the bundle cannot be found or read.
 * @example
 * ```ts
 * const html = await snippet({ campaign: 'open-letter', publicKey: 'sspk1...', collector: 'https://c.example', ... });
 * ```
 */
export async function snippet(options: SnippetOptions): Promise<string> {
  const bundle = options.bundle ?? resolveWidget('@secure-sign/widget/secure-sign.js');
  if (options.bundle === undefined && !existsSync(bundle)) {
    throw new CliError(`the widget bundle is not built (${bundle})`, 'build it (npm run build), or pass --bundle PATH to the secure-sign.js you will serve');
  }
  const hash = await integrity(bundle);
  let src = options.scriptUrl;
  if (src === undefined) {
    const pkg = JSON.parse(await readFile(resolveWidget('@secure-sign/widget/package.json'), 'utf8')) as { version: string };
    src = `https://cdn.jsdelivr.net/npm/@secure-sign/widget@${pkg.version}/dist/secure-sign.js`;
  }
  const extra = [
    options.lang === undefined ? '' : ` lang="${attr(options.lang)}"`,
    options.privacyUrl === undefined ? '' : ` privacy-url="${attr(options.privacyUrl)}"`,
  ].join('');
  return (
    `<script type="module" src="${attr(src)}" integrity="${hash}" crossorigin="anonymous"></script>\n` +
    `<secure-sign campaign="${attr(options.campaign)}" campaign-key="${attr(options.publicKey)}" collector="${attr(options.collector)}"${extra}></secure-sign>\n`
  );
}
