// `secure-sign snippet`: the embed code partners paste (docs/embedding.md). Registered by main.ts.
import type { Command } from 'commander';
import { campaignId, collectorUrl } from './collector.js';
import { CliError, EXIT } from './errors.js';
import { say } from './io.js';
import { publicKeyFrom, urlProtocol, widgetBaseUrl } from './options.js';
import { copyWidget, installedVersion, snippet, WORKER } from './snippet.js';

/** Adds the `snippet` command to the program. */
export function registerSnippetCommand(cli: Command): void {
  cli
    .command('snippet')
    .description('print the snippet partners paste: an import map pinning every widget file, the script tag, the <secure-sign> element')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('-k, --key <file>', 'take the public key from this key file')
    .option('--public-key <sspk1>', 'the public campaign key string')
    .requiredOption('--collector <url>', 'the collector base URL')
    .option('--base-url <url>', 'the folder URL where the partner (or the campaign) serves the widget files, e.g. https://partner.example/secure-sign/')
    .option('--copy-to <dir>', 'copy exactly the files that run (no source maps) into DIR, to upload to --base-url')
    .option('--cdn', 'load the widget from jsDelivr instead of --base-url (works only once this widget version is published on npm)', false)
    .option('--dist <dir>', 'the widget\'s built dist/ folder (default: the installed @secure-sign/widget)')
    .option('--lang <code>', 'widget language attribute')
    .option('--privacy-url <url>', 'link to the campaign privacy notice')
    .addHelpText(
      'after',
      `
Every file the page loads is integrity-checked: the entry by its script tag, every module it can
import (the lazily loaded crypto chunk, the translations, the fallback solver) by the import map,
which must come before the script tag. The import map is inline: a page with a Content-Security-
Policy needs the 'sha256-...' printed on stderr in script-src. The proof-of-work worker
(pow-worker.js) is not covered: browsers do not apply import maps to Web Workers.

Examples:
  secure-sign snippet --campaign open-letter --key campaign.key --collector https://collector.example.org \\
    --base-url https://partner.example/secure-sign/ --copy-to ./upload/secure-sign
  secure-sign snippet --campaign open-letter --public-key sspk1... --collector https://collector.example.org --cdn`,
    )
    .action(async (opts: { campaign: string; key?: string; publicKey?: string; collector: string; baseUrl?: string; copyTo?: string; cdn: boolean; dist?: string; lang?: string; privacyUrl?: string }) => {
      const campaign = campaignId(opts.campaign);
      const collector = collectorUrl(opts.collector).href.replace(/\/$/, '');
      if (opts.lang !== undefined && !/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(opts.lang)) {
        throw new CliError(`--lang ${JSON.stringify(opts.lang)} is not a language tag`, 'e.g. en, de, pt-BR', EXIT.USAGE);
      }
      if (opts.privacyUrl !== undefined && !/^https?:$/.test(urlProtocol(opts.privacyUrl))) {
        throw new CliError('--privacy-url must be an http(s) URL', undefined, EXIT.USAGE);
      }
      if (opts.cdn === (opts.baseUrl !== undefined)) {
        throw new CliError(
          opts.cdn ? '--cdn and --base-url exclude each other' : 'where will the widget files be served? no --base-url given',
          'pass --base-url https://partner.example/secure-sign/ (the folder where the files are served; --copy-to DIR copies them), or --cdn for the public CDN',
          EXIT.USAGE,
        );
      }
      if (opts.cdn && opts.copyTo !== undefined) throw new CliError('--copy-to goes with --base-url, not --cdn', undefined, EXIT.USAGE);
      const version = opts.cdn ? await installedVersion() : undefined;
      const baseUrl = version === undefined ? widgetBaseUrl(opts.baseUrl!) : new URL(`https://cdn.jsdelivr.net/npm/@secure-sign/widget@${version}/dist/`);
      const publicKey = await publicKeyFrom(opts);
      const result = await snippet({ campaign, publicKey: publicKey.keyString, collector, baseUrl, dist: opts.dist, lang: opts.lang, privacyUrl: opts.privacyUrl });
      if (opts.copyTo !== undefined) await copyWidget(result.files, result.dist, opts.copyTo);
      process.stdout.write(result.html);
      say(`campaign key fingerprint: ${publicKey.fingerprint}`);
      const names = result.files.map((file) => file.name).join(' ');
      if (opts.copyTo !== undefined) say(`copied the ${result.files.length} files that run to ${opts.copyTo}: upload them to ${baseUrl.href} (${names})`);
      else if (version === undefined) say(`serve these ${result.files.length} files of ${result.dist} at ${baseUrl.href} (or pass --copy-to DIR): ${names}`);
      else say(`note: ${baseUrl.href} serves the widget only once @secure-sign/widget@${version} is published on npm, and only if its bytes are exactly these (browsers refuse any other); self-hosting with --base-url works today`);
      const origin = version === undefined ? baseUrl.origin : 'https://cdn.jsdelivr.net';
      say(`Content-Security-Policy of the page: script-src ${result.importMapHash} 'wasm-unsafe-eval' ${origin === 'null' ? "'self'" : `${origin} (or 'self' on that origin)`}; worker-src ${version === undefined ? "'self'" : `blob: ${origin}`}; connect-src ${new URL(collector).origin} (docs/embedding.md)`);
      say(`note: ${WORKER} (the proof-of-work worker; it never sees what signers type) is started as a Web Worker, which import maps do not cover: its bytes are not integrity-checked`);
    });
}
