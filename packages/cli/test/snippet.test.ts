import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, run, tempDir } from './helpers.js';
import type { CampaignKeyPair } from '@secure-sign/crypto';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;

const sri = (bytes: string | Buffer): string => 'sha384-' + createHash('sha384').update(bytes).digest('base64');
const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * A small dist/ shaped like the widget's CDN build: an entry, lazy chunks, the solver and its
 * worker's code (a module, started from a blob: URL), the worker as a file no chunk loads, a map,
 * an unrelated file.
 */
const fixture: Record<string, string> = {
  'secure-sign.js': 'export const f=()=>import("./ss-lazy-AAA.js");export const g=()=>import("./ss-fr-BBB.js");export const p=()=>import("./ss-solver-DDD.js");\n',
  'ss-lazy-AAA.js': 'import{f}from"./secure-sign.js";export const x=1;\n',
  'ss-fr-BBB.js': 'export default {submit:"Signer"};\n',
  'ss-solver-DDD.js': 'export const w=()=>import("./ss-worker-code-EEE.js");export const solve=()=>import("./ss-solve-CCC.js");\n',
  'ss-worker-code-EEE.js': "const e={code:'self.onmessage=()=>{};\\n'};export{e as program};\n",
  'ss-solve-CCC.js': 'export const s=1;\n',
  'pow-worker.js': 'self.onmessage=()=>{};\n',
  'ss-lazy-AAA.js.map': '{}',
  'index.js': 'export {};\n',
};
/** The files the fixture's entry loads, in the order the command finds them. */
const loaded = ['secure-sign.js', 'ss-lazy-AAA.js', 'ss-fr-BBB.js', 'ss-solver-DDD.js', 'ss-worker-code-EEE.js', 'ss-solve-CCC.js'];

async function writeDist(dir: string, files: Record<string, string>, listed = files): Promise<void> {
  await mkdir(t.path(dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(t.path(`${dir}/${name}`), text);
  const integrity = Object.fromEntries(Object.entries(listed).filter(([name]) => name.endsWith('.js')).map(([name, text]) => [name, sri(text)]));
  await writeFile(t.path(`${dir}/integrity.json`), JSON.stringify(integrity, null, 2));
}

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  await writeDist('dist', fixture);
});
afterAll(() => t.cleanup());

const base = ['snippet', '--campaign', 'open-letter', '--key', 'campaign.key', '--collector', 'https://collector.example.org/'];

describe('snippet', () => {
  it('prints an import map pinning every module the entry can load, the script tag and the element', async () => {
    const r = await run(t.dir, [...base, '--dist', 'dist', '--base-url', 'https://partner.example/s?s/', '--lang', 'de'], { env: { SECURE_SIGN_PASSPHRASE: undefined } });
    expect(r.stderr).toContain('--base-url must be a plain folder URL');
    const ok = await run(t.dir, [...base, '--dist', 'dist', '--base-url', 'https://partner.example/secure-sign', '--lang', 'de'], { env: { SECURE_SIGN_PASSPHRASE: undefined } });
    expect(ok.code).toBe(0);
    const u = (name: string): string => `https://partner.example/secure-sign/${name}`;
    const map = JSON.stringify({ integrity: Object.fromEntries(loaded.map((name) => [u(name), sri(fixture[name]!)])) });
    expect(ok.stdout).toBe(
      `<script type="importmap">${map}</script>\n` +
        `<script type="module" src="${u('secure-sign.js')}" integrity="${sri(fixture['secure-sign.js']!)}" crossorigin="anonymous"></script>\n` +
        `<secure-sign campaign="open-letter" campaign-key="${keys.publicKey.keyString}" collector="https://collector.example.org" lang="de"></secure-sign>\n`,
    );
    // Every file that runs is pinned, the worker's code too: nothing on stderr says otherwise.
    expect(ok.stderr).toBe(
      `secure-sign: campaign key fingerprint: ${keys.publicKey.fingerprint}\n` +
        `secure-sign: serve these 6 files of dist at https://partner.example/secure-sign/ (or pass --copy-to DIR): ${loaded.join(' ')}\n` +
        `secure-sign: Content-Security-Policy of the page: script-src ${sha256(map)} 'wasm-unsafe-eval' https://partner.example (or 'self' on that origin); worker-src blob:; connect-src https://collector.example.org (docs/embedding.md)\n`,
    );
  });

  it('refuses a widget build that starts its worker from pow-worker.js, which no import map pins', async () => {
    await writeDist('dist-old', { ...fixture, 'ss-solver-DDD.js': 'const w=new URL("./pow-worker.js",import.meta.url);export const solve=()=>import("./ss-solve-CCC.js");\n' });
    const r = await run(t.dir, [...base, '--dist', 'dist-old', '--base-url', 'https://partner.example/', '--copy-to', 'upload-old']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("secure-sign: error: the widget's ss-solver-DDD.js starts its proof-of-work worker from pow-worker.js, which no import map can pin (a widget older than this command)\n");
    expect(await readdir(t.path('upload-old')).catch(() => [])).toEqual([]);
  });

  it('--copy-to copies exactly the files that run, and never replaces other content', async () => {
    const r = await run(t.dir, [...base, '--dist', 'dist', '--base-url', 'http://localhost:8080/w/', '--copy-to', 'upload/w']);
    expect(r.code).toBe(0);
    expect((await readdir(t.path('upload/w'))).sort()).toEqual([...loaded].sort());
    for (const name of await readdir(t.path('upload/w'))) expect(await readFile(t.path(`upload/w/${name}`), 'utf8')).toBe(fixture[name]);
    expect(r.stderr).toContain('secure-sign: copied the 6 files that run to upload/w: upload them to http://localhost:8080/w/ (');
    // Again into the same folder: the same files are fine; another file of that name is not.
    expect((await run(t.dir, [...base, '--dist', 'dist', '--base-url', 'http://localhost:8080/w/', '--copy-to', 'upload/w'])).code).toBe(0);
    await writeFile(t.path('upload/w/ss-fr-BBB.js'), 'export default {submit:"evil"};\n');
    const clash = await run(t.dir, [...base, '--dist', 'dist', '--base-url', 'http://localhost:8080/w/', '--copy-to', 'upload/w']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('secure-sign: error: upload/w/ss-fr-BBB.js exists with other content\n');
    expect(clash.stdout).toBe('');
  });

  it('refuses a dist whose integrity.json misses a file the entry loads, or disagrees with it', async () => {
    const { 'ss-solve-CCC.js': _, ...missing } = fixture;
    await writeDist('dist-missing', fixture, missing);
    const r1 = await run(t.dir, [...base, '--dist', 'dist-missing', '--base-url', 'https://partner.example/']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('integrity.json does not list ss-solve-CCC.js, which the widget loads\n');
    await writeDist('dist-changed', { ...fixture, 'ss-fr-BBB.js': 'changed' }, fixture);
    const r2 = await run(t.dir, [...base, '--dist', 'dist-changed', '--base-url', 'https://partner.example/']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('ss-fr-BBB.js does not match its hash in integrity.json\n');
    const r3 = await run(t.dir, [...base, '--dist', 'nowhere', '--base-url', 'https://partner.example/']);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/secure-sign: error: cannot read nowhere\/integrity.json\nsecure-sign: hint: build the widget/);
  });

  it('pins every file of the installed widget build that its entry can load', async () => {
    const dist = dirname(fileURLToPath(import.meta.resolve('@secure-sign/widget/secure-sign.js')));
    const listed = JSON.parse(await readFile(`${dist}/integrity.json`, 'utf8').catch(() => 'null')) as Record<string, string> | null;
    const r = await run(t.dir, [...base, '--base-url', 'https://partner.example/ss/', '--copy-to', 'installed']);
    if (listed === null) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('secure-sign: hint: build the widget');
      return;
    }
    expect(r.code, r.stderr).toBe(0);
    // Every file of the CDN build (secure-sign.js, ss-*.js) is copied and pinned by the map, the
    // worker's code among them; pow-worker.js, which no chunk loads, is neither.
    const cdnBuild = Object.keys(listed).filter((name) => name === 'secure-sign.js' || name.startsWith('ss-')).sort();
    expect((await readdir(t.path('installed'))).sort()).toEqual(cdnBuild);
    const map = JSON.parse(/<script type="importmap">(.*)<\/script>/.exec(r.stdout)![1]!) as { integrity: Record<string, string> };
    expect(map.integrity).toEqual(Object.fromEntries(cdnBuild.map((name) => [`https://partner.example/ss/${name}`, listed[name]])));
    expect(Object.keys(map.integrity).some((url) => /\/ss-lazy-[^/]+\.js$/.test(url))).toBe(true);
    // The worker the widget starts is exactly the built pow-worker.js, as text in a pinned module.
    const workerCode = cdnBuild.filter((name) => name.startsWith('ss-worker-code-'));
    expect(workerCode).toHaveLength(1);
    const { program } = (await import(pathToFileURL(t.path(`installed/${workerCode[0]}`)).href)) as { program: { code: string } };
    expect(program.code).toBe(await readFile(`${dist}/pow-worker.js`, 'utf8'));
    expect(r.stderr).not.toMatch(/not integrity-checked|pow-worker/);
  });

  it('--cdn gives the jsDelivr form with a note; plain http, no base URL and both are refused', async () => {
    const cdn = await run(t.dir, [...base, '--dist', 'dist', '--cdn']);
    expect(cdn.code).toBe(0);
    expect(cdn.stdout).toMatch(/<script type="module" src="https:\/\/cdn\.jsdelivr\.net\/npm\/@secure-sign\/widget@[0-9.]+\/dist\/secure-sign\.js" integrity="sha384-/);
    expect(cdn.stderr).toMatch(/secure-sign: note: https:\/\/cdn\.jsdelivr\.net\/npm\/@secure-sign\/widget@[0-9.]+\/dist\/ serves the widget only once @secure-sign\/widget@[0-9.]+ is published on npm/);
    expect(cdn.stderr).toContain('; worker-src blob:; connect-src https://collector.example.org');
    const http = await run(t.dir, [...base, '--dist', 'dist', '--base-url', 'http://partner.example/']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('secure-sign: error: --base-url must be an https URL (got http://)\nsecure-sign: hint: plain http is allowed only to this machine (localhost)');
    const none = await run(t.dir, [...base, '--dist', 'dist']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('secure-sign: error: where will the widget files be served? no --base-url given\n');
    const both = await run(t.dir, [...base, '--dist', 'dist', '--cdn', '--base-url', 'https://partner.example/']);
    expect(both.code).toBe(2);
  });

  it('refuses a mistyped public key, a bad campaign id and a plain-http remote collector', async () => {
    const typo = keys.publicKey.keyString.slice(0, 20) + (keys.publicKey.keyString[20] === 'a' ? 'b' : 'a') + keys.publicKey.keyString.slice(21);
    const more = ['--dist', 'dist', '--base-url', 'https://partner.example/'];
    const bad = await run(t.dir, ['snippet', '--campaign', 'open-letter', '--public-key', typo, '--collector', 'https://c.example.org', ...more]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^secure-sign: error: invalid public campaign key string: .*\nsecure-sign: hint: copy the whole sspk1\.\.\. string again\n$/);
    const id = await run(t.dir, ['snippet', '--campaign', 'Open Letter', '--key', 'campaign.key', '--collector', 'https://c.example.org', ...more]);
    expect(id.stderr).toContain('secure-sign: error: "Open Letter" is not a campaign id\n');
    const http = await run(t.dir, ['snippet', '--campaign', 'x', '--key', 'campaign.key', '--collector', 'http://c.example.org', ...more]);
    expect(http.stderr).toContain('secure-sign: error: --collector must be an https URL (got http://)\n');
  });
});
