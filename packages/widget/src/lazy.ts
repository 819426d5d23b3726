// Everything that needs libsodium or zod, loaded by dynamic import on the signer's first
// interaction with the form (or before, see the component's prefetch), so that the first load of
// a partner page stays small. Only what the component uses: a dynamic import keeps every export of
// the chunk.
import { COUNTRY_CODES, parseCampaignPublicKey, sealWithdrawable, validateSigner, type CampaignPublicKey } from '@secure-sign/crypto';
import { pickLanguage } from './i18n/translation.js';

// Sealing with a withdrawal secret the signer can keep (issue 11).
export { sealWithdrawable } from '@secure-sign/crypto';
// Reading and checking the form at submit, which happens after this chunk has loaded anyway.
export { fieldErrors, readSigner } from './parts/signer.js';
// The parts that only ever render after this chunk has loaded: the verified wall and the inside of
// the "Verify encryption" disclosure (which shows the key's fingerprint).
export { renderWall, verifyWall } from './parts/wall.js';
export { fingerprintUrl, renderVerify } from './parts/verify.js';
// The styles of the parts above, adopted by the component when this chunk arrives.
export { lateStyles } from './late.styles.js';
// The English strings shown only from now on (the component completes its translation with them).
export { enLate } from './i18n/en-late.js';
// The success screen: a signature was sealed, so this chunk is loaded (a signature sent from the
// retry queue at page load loads it too).
export { renderSuccess } from './parts/success.js';

/** Made-up seals run in the background once the key is parsed (see loadKey). */
const WARM_UPS = 5;

type Country = { code: string; name: string };
const countryNames = new Map<string, readonly Country[]>();
const countryLists = new Map<string, readonly Country[]>();

/** The country codes with their names in `lang`, in the codes' order (computed once per language). */
function namesOf(lang: string): readonly Country[] {
  let list = countryNames.get(lang);
  if (!list) {
    const names = new Intl.DisplayNames([lang], { type: 'region' });
    list = COUNTRY_CODES.map((code) => ({ code, name: names.of(code) ?? code }));
    countryNames.set(lang, list);
  }
  return list;
}

/** The country codes with their names in `lang`, sorted by name (computed once per language). */
export function countryOptions(lang: string): readonly Country[] {
  let list = countryLists.get(lang);
  if (!list) {
    // One collator for the whole sort: localeCompare(…, lang) looks one up on every comparison.
    const { compare } = new Intl.Collator(lang);
    list = [...namesOf(lang)].sort((a, b) => compare(a.name, b.name));
    countryLists.set(lang, list);
  }
  return list;
}

/**
 * Parses the campaign key, then, in the background (an idle callback), seals a constant made-up
 * signature to it once and throws the result away. The first seal in a page otherwise pays a few
 * milliseconds of WebAssembly compilation and JIT warm-up on the signer's click. Nothing is stored
 * or sent, and no real data is involved.
 *
 * @throws Error whose message tells the partner the real cause (for the console, never the key):
 *   a CSP that refuses WebAssembly, or a key that does not parse.
 */
export async function loadKey(keyString: string, campaign: string): Promise<CampaignPublicKey> {
  // libsodium-wrappers starts instantiating libsodium's WebAssembly as this chunk is evaluated;
  // parsing the key (its first use) waits for that, in a task after the one that evaluated this
  // chunk and rendered what it brings, not in the same long one.
  await new Promise((resolve) => setTimeout(resolve));
  let publicKey: CampaignPublicKey;
  try {
    publicKey = await parseCampaignPublicKey(keyString);
  } catch {
    throw new Error(
      (await wasmRefused())
        ? "this page's Content Security Policy refuses WebAssembly, which the encryption needs: add 'wasm-unsafe-eval' to its script-src (docs/embedding.md). Nothing will be sent."
        : 'the "campaign-key" attribute could not be parsed. Nothing will be sent. Copy the key again from `secure-sign snippet`.',
    );
  }
  // Each in a task of its own when the browser is idle: on a slow phone the first seal
  // (WebAssembly functions compiled on first call, zod's first parse) is a long task of its own
  // (issue 19). A few, not one: the browser optimises code (the validation's JavaScript,
  // libsodium's WebAssembly) only once it has run a few times, so the signer's seal runs fast code.
  // The same calls as the signer's click (fieldErrors, then sealWithdrawable with confirmable and
  // lang), so that it is that code that is warm.
  const warm = (left: number): void => {
    (window.requestIdleCallback ?? setTimeout)(() =>
      sealWithdrawable({
        publicKey,
        campaign,
        signer: validateSigner({
          kind: 'individual',
          name: 'warm-up',
          email: 'warm-up@example.invalid',
          comment: 'warm-up',
          consent: { listPublicly: false, contactLater: false },
        }),
        confirmable: true,
        lang: 'en',
      }).then(
        () => left > 1 && warm(left - 1),
        () => undefined,
      ),
    );
  };
  warm(WARM_UPS);
  return publicKey;
}

/** Whether the page's CSP refuses to compile WebAssembly (tried on the smallest valid module). */
async function wasmRefused(): Promise<boolean> {
  try {
    await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    return false;
  } catch {
    return true;
  }
}

// Evaluating this chunk (zod's schemas, libsodium's set-up, 350 KB of script) is one long task on a
// slow phone, and the component renders the country list as soon as the import resolves. So the
// import resolves three tasks later: in between, each in a task of its own, the names for the
// page's language (the first Intl.DisplayNames loads ICU's region names) and their sort (the first
// Intl.Collator loads its collation data): together 80-90 ms at 6x CPU throttling (issue 19).
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve));
const pageLanguage = pickLanguage(document.documentElement.lang);
await nextTask();
namesOf(pageLanguage);
await nextTask();
countryOptions(pageLanguage);
await nextTask();
