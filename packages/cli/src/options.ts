// Options shared by several commands: the campaign key (from a key file or a key string) and URLs.
import { isSecureSignError, parseCampaignPublicKey, type CampaignPublicKey } from '@secure-sign/crypto';
import { CliError, EXIT } from './errors.js';
import { keyFilePublicKey } from './keyfile.js';

/** The protocol of a URL, or '' if it is not one (URL.parse is Node 22+). */
export function urlProtocol(text: string): string {
  try {
    return new URL(text).protocol;
  } catch {
    return '';
  }
}

/** The campaign public key of `--public-key sspk1...` or `--key FILE`. */
export async function publicKeyFrom(options: { key?: string | undefined; publicKey?: string | undefined }): Promise<CampaignPublicKey> {
  if (options.publicKey !== undefined) {
    try {
      return await parseCampaignPublicKey(options.publicKey);
    } catch (error) {
      throw new CliError(isSecureSignError(error) ? error.message : 'invalid public campaign key', 'copy the whole sspk1... string again');
    }
  }
  if (options.key !== undefined) return keyFilePublicKey(options.key);
  throw new CliError('no campaign key given', 'pass --public-key sspk1... or --key campaign.key', EXIT.USAGE);
}

/** Checks and normalises --base-url: https (plain http only to this machine), a folder URL. */
export function widgetBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--base-url ${JSON.stringify(text)} is not a URL`, 'pass the folder URL where the widget files are served, e.g. https://partner.example/secure-sign/', EXIT.USAGE);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new CliError(`--base-url must be an https URL (got ${url.protocol}//)`, 'plain http is allowed only to this machine (localhost): a network attacker could change the files', EXIT.USAGE);
  }
  if (url.username || url.password || url.search || url.hash) throw new CliError('--base-url must be a plain folder URL (no user, query or fragment)', undefined, EXIT.USAGE);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
