// `secure-sign snippet`: the embed code partners paste (docs/embedding.md). Registered by main.ts.
import type { Command } from 'commander';
import { campaignId, collectorUrl } from './collector.js';
import { CliError, EXIT } from './errors.js';
import { say } from './io.js';
import { publicKeyFrom, urlProtocol, widgetBaseUrl } from './options.js';
import { copyWidget, frameSnippet, frameUrlFrom, installedVersion, logKeyFrom, snippet } from './snippet.js';

/** Adds the `snippet` command to the program. */
export function registerSnippetCommand(cli: Command): void {
  cli
    .command('snippet')
    .description('print the snippet partners paste: an import map pinning every widget file, the script tag, the <secure-sign> element; or, with --frame, the isolated mode\'s iframe')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('-k, --key <file>', 'take the public key from this key file')
    .option('--public-key <sspk1>', 'the public campaign key string')
    .option('--collector <url>', 'the collector base URL (in-page mode)')
    .option('--frame <url>', 'isolated mode: the URL where the folder of `secure-sign frame build` is served (on an origin the campaign controls)')
    .option('--title <text>', 'with --frame: the iframe\'s accessible title (default: "Sign: CAMPAIGN")')
    .option('--base-url <url>', 'the folder URL where the partner (or the campaign) serves the widget files, e.g. https://partner.example/secure-sign/')
    .option('--copy-to <dir>', 'copy exactly the files that run (no source maps) into DIR, to upload to --base-url')
    .option('--cdn', 'load the widget from jsDelivr instead of --base-url (works only once this widget version is published on npm)', false)
    .option('--dist <dir>', 'the widget\'s built dist/ folder (default: the installed @secure-sign/widget)')
    .option('--lang <code>', 'widget language attribute')
    .option('--privacy-url <url>', 'link to the campaign privacy notice')
    .option('--log-key <vkey>', 'the campaign\'s log verifier key ("log.vkey" of GET /v1/campaigns/ID): the widget\'s log-key attribute')
    .addHelpText(
      'after',
      `
Every file that runs is integrity-checked: the entry by its script tag, every module it can import
(the lazily loaded crypto chunk, the translations, the proof-of-work solver and its worker's code)
by the import map, which must come before the script tag. The import map is inline: a page with a
Content-Security-Policy needs the 'sha256-...' printed on stderr in script-src. The proof-of-work
worker starts from a blob: URL of its pinned code (worker-src blob:), never from a file URL, which
no import map would cover.

Isolated mode (--frame URL): the form runs in a sandboxed iframe served from an origin the campaign
controls (built with \`secure-sign frame build\`), so the partner page's scripts cannot read it. The
snippet is the iframe plus a small inline resizer that accepts only a height, only from the frame's
origin; the page's CSP needs the resizer's 'sha256-...' (printed on stderr) in script-src and the
frame's origin in frame-src. The key is checked and its fingerprint printed: the frame shows the same
fingerprint in its own area. The widget's attributes (--lang, --privacy-url, --log-key) are fixed
by \`frame build\`, not here.

Examples:
  secure-sign snippet --campaign open-letter --key campaign.key --collector https://collector.example.org \\
    --base-url https://partner.example/secure-sign/ --copy-to ./upload/secure-sign
  secure-sign snippet --campaign open-letter --public-key sspk1... --collector https://collector.example.org --cdn
  secure-sign snippet --campaign open-letter --key campaign.key --frame https://sign.campaign.example/open-letter/`,
    )
    .action(async (opts: { campaign: string; key?: string; publicKey?: string; collector?: string; frame?: string; title?: string; baseUrl?: string; copyTo?: string; cdn: boolean; dist?: string; lang?: string; privacyUrl?: string; logKey?: string }) => {
      const campaign = campaignId(opts.campaign);
      if (opts.frame !== undefined) return frameMode(campaign, opts.frame, opts);
      if (opts.title !== undefined) throw new CliError('--title goes with --frame', undefined, EXIT.USAGE);
      if (opts.collector === undefined) throw new CliError('no --collector given', 'pass --collector https://collector.example.org (or --frame URL for the isolated mode)', EXIT.USAGE);
      const collector = collectorUrl(opts.collector).href.replace(/\/$/, '');
      const logKey = opts.logKey === undefined ? undefined : logKeyFrom(opts.logKey, campaign);
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
      const result = await snippet({ campaign, publicKey: publicKey.keyString, collector, baseUrl, dist: opts.dist, lang: opts.lang, privacyUrl: opts.privacyUrl, logKey });
      if (opts.copyTo !== undefined) await copyWidget(result.files, result.dist, opts.copyTo);
      process.stdout.write(result.html);
      say(`campaign key fingerprint: ${publicKey.fingerprint}`);
      const names = result.files.map((file) => file.name).join(' ');
      if (opts.copyTo !== undefined) say(`copied the ${result.files.length} files that run to ${opts.copyTo}: upload them to ${baseUrl.href} (${names})`);
      else if (version === undefined) say(`serve these ${result.files.length} files of ${result.dist} at ${baseUrl.href} (or pass --copy-to DIR): ${names}`);
      else say(`note: ${baseUrl.href} serves the widget only once @secure-sign/widget@${version} is published on npm, and only if its bytes are exactly these (browsers refuse any other); self-hosting with --base-url works today`);
      const origin = version === undefined ? baseUrl.origin : 'https://cdn.jsdelivr.net';
      say(`Content-Security-Policy of the page: script-src ${result.importMapHash} 'wasm-unsafe-eval' ${origin === 'null' ? "'self'" : `${origin} (or 'self' on that origin)`}; worker-src blob:; connect-src ${new URL(collector).origin} (docs/embedding.md)`);
    });
}

/** `snippet --frame URL`: the isolated mode's iframe and resizer. */
async function frameMode(campaign: string, frameText: string, opts: { key?: string; publicKey?: string; collector?: string; title?: string; baseUrl?: string; copyTo?: string; cdn: boolean; dist?: string; lang?: string; privacyUrl?: string; logKey?: string }): Promise<void> {
  const frame = frameUrlFrom(frameText);
  const misplaced = (
    [
      ['--collector', opts.collector],
      ['--base-url', opts.baseUrl],
      ['--copy-to', opts.copyTo],
      ['--cdn', opts.cdn ? true : undefined],
      ['--dist', opts.dist],
      ['--lang', opts.lang],
      ['--privacy-url', opts.privacyUrl],
      ['--log-key', opts.logKey],
    ] as const
  ).filter(([, value]) => value !== undefined).map(([name]) => name);
  if (misplaced.length > 0) {
    throw new CliError(`${misplaced.join(', ')} ${misplaced.length === 1 ? 'does' : 'do'} not go with --frame`, 'the frame\'s page fixes the widget, its files and its attributes: pass them to `secure-sign frame build`', EXIT.USAGE);
  }
  const title = opts.title ?? `Sign: ${campaign}`;
  if (title.trim() === '' || title.length > 200 || /[\u0000-\u001f\u007f]/.test(title)) throw new CliError('--title must be 1 to 200 characters on one line', undefined, EXIT.USAGE);
  const publicKey = await publicKeyFrom(opts);
  const result = frameSnippet({ frame, title });
  process.stdout.write(result.html);
  say(`campaign key fingerprint: ${publicKey.fingerprint} (the frame shows it above the form: compare)`);
  say(`Content-Security-Policy of the page: script-src ${result.resizerHash}; frame-src ${frame.origin} (docs/embedding.md)`);
}
