// `secure-sign frame build` and `snippet --frame` / `--log-key`, run as the real binary against a
// small dist/ shaped like the widget's build. The browser side is frame-browser.test.ts.
import { formatVerifierKey } from '@secure-sign/crypto/log';
import type { CampaignKeyPair } from '@secure-sign/crypto';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, run, tempDir } from './helpers.js';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;

const sri = (bytes: string | Buffer): string => 'sha384-' + createHash('sha384').update(bytes).digest('base64');
const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const logKey = formatVerifierKey('collector.example/open-letter', new Uint8Array(randomBytes(32)));
const otherLogKey = formatVerifierKey('collector.example/other-letter', new Uint8Array(randomBytes(32)));

/** Shaped like the widget's build: the worker's code is a module; pow-worker.js is a file no chunk loads. */
const fixture: Record<string, string> = {
  'secure-sign.js': 'export const f=()=>import("./ss-lazy-AAAAAAAA.js");export const p=()=>import("./ss-solver-DDDDDDDD.js");\n',
  'ss-lazy-AAAAAAAA.js': 'import{f}from"./secure-sign.js";export const s=()=>import("./ss-solve-CCCCCCCC.js");\n',
  'ss-solve-CCCCCCCC.js': 'export const s=1;\n',
  'ss-solver-DDDDDDDD.js': 'export const w=()=>import("./ss-worker-code-EEEEEEEE.js");\n',
  'ss-worker-code-EEEEEEEE.js': "const e={code:'self.onmessage=()=>{};\\n'};export{e as program};\n",
  'pow-worker.js': 'self.onmessage=()=>{};\n',
  'ss-lazy-AAAAAAAA.js.map': '{}',
};

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  await mkdir(t.path('dist'));
  for (const [name, text] of Object.entries(fixture)) await writeFile(t.path(`dist/${name}`), text);
  await writeFile(t.path('dist/integrity.json'), JSON.stringify(Object.fromEntries(Object.entries(fixture).filter(([n]) => n.endsWith('.js')).map(([n, text]) => [n, sri(text)]))));
});
afterAll(() => t.cleanup());

const build = (out: string, ...more: string[]) =>
  run(t.dir, ['frame', 'build', '--campaign', 'open-letter', '--key', 'campaign.key', '--collector', 'https://collector.example.org/', '--dist', 'dist', '--out', out, ...more]);

describe('frame build', () => {
  it('writes index.html with a strict CSP, every file pinned, the trusted area and the widget, plus frame.js, frame.css and the widget files', async () => {
    const r = await build('frame', '--title', 'Keep <encryption> "strong"', '--lang', 'fr', '--privacy-url', 'https://campaign.example/privacy', '--log-key', logKey, '--partner', 'https://partner.example', '--partner', 'http://localhost:8080');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const widget = ['secure-sign.js', 'ss-lazy-AAAAAAAA.js', 'ss-solve-CCCCCCCC.js', 'ss-solver-DDDDDDDD.js', 'ss-worker-code-EEEEEEEE.js'];
    const served = ['index.html', 'frame.js', 'frame.css', ...widget];
    expect((await readdir(t.path('frame'))).sort()).toEqual([...served, ...served.map((n) => `${n}.gz`), ...served.map((n) => `${n}.br`), '_headers', 'README.md'].sort());
    // The widget files are the dist's bytes; each served file has its compressed twins.
    for (const name of served) {
      const bytes = await readFile(t.path(`frame/${name}`));
      if (fixture[name] !== undefined) expect(bytes.toString('utf8')).toBe(fixture[name]);
      expect(gunzipSync(await readFile(t.path(`frame/${name}.gz`)))).toEqual(bytes);
      expect(brotliDecompressSync(await readFile(t.path(`frame/${name}.br`)))).toEqual(bytes);
    }
    const html = await readFile(t.path('frame/index.html'), 'utf8');
    const file = (name: string) => readFile(t.path(`frame/${name}`));
    // The import map pins every module by relative URL (the worker's code too), and the CSP allows it by hash.
    const map = /<script type="importmap">(.*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(map)).toEqual({ integrity: Object.fromEntries(widget.map((name) => [`./${name}`, sri(fixture[name]!)])) });
    // worker-src blob:: the widget starts its worker from a blob: URL of that pinned code.
    const csp = `default-src 'none'; script-src 'self' 'wasm-unsafe-eval' ${sha256(map)}; worker-src blob:; connect-src https://collector.example.org; style-src 'self'; base-uri 'none'; form-action 'none'`;
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
    // The meta tag comes before anything that loads.
    expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.indexOf('<link'));
    expect(html).toContain(`<link rel="stylesheet" href="./frame.css" integrity="${sri(await file('frame.css'))}">`);
    expect(html).toContain(`<script type="module" src="./frame.js" integrity="${sri(await file('frame.js'))}"></script>`);
    expect(html).toContain(`<script type="module" src="./secure-sign.js" integrity="${sri(fixture['secure-sign.js']!)}"></script>`);
    expect(html.indexOf('type="importmap"')).toBeLessThan(html.indexOf('<script type="module"'));
    // No inline style, no inline script but the map.
    expect(html).not.toMatch(/style=|<style/i);
    expect(html.match(/<script(?![^>]*\bsrc=)/g)).toEqual(['<script']);
    // The trusted area, HTML-escaped, in the widget's language.
    expect(html).toContain('<html lang="fr" dir="ltr">');
    expect(html).toContain('<p><span class="label">Campagne:</span> <strong>Keep &lt;encryption&gt; &quot;strong&quot;</strong></p>');
    expect(html).toContain(`<code dir="ltr">${keys.publicKey.fingerprint}</code>`);
    expect(html).toContain(
      `<secure-sign campaign="open-letter" campaign-key="${keys.publicKey.keyString}" collector="https://collector.example.org" lang="fr" privacy-url="https://campaign.example/privacy" log-key="${logKey}"></secure-sign>`,
    );
    // frame.js sends one kind of message: a height.
    const js = (await file('frame.js')).toString('utf8');
    expect(js.match(/postMessage\(/g)).toHaveLength(1);
    expect(js).toContain("window.parent.postMessage({ type: 'secure-sign:height', height }, '*');");
    // _headers: the same CSP as a header, with frame-ancestors; caching by name.
    const headers = await readFile(t.path('frame/_headers'), 'utf8');
    expect(headers).toContain(`/*\n  Content-Security-Policy: ${csp}; frame-ancestors https://partner.example http://localhost:8080\n  X-Content-Type-Options: nosniff\n`);
    expect(headers).toContain('/ss-*\n  Cache-Control: public, max-age=31536000, immutable\n');
    expect(headers).toContain('/index.html\n  Cache-Control: no-cache\n');
    expect(headers).toContain('/secure-sign.js\n  Cache-Control: no-cache\n');
    // Chunks whose names hold a hyphen carry their hash too: cached for a year (/ss-*), not marked no-cache.
    expect(headers).not.toContain('/ss-worker-code-EEEEEEEE.js\n');
    expect(await readFile(t.path('frame/README.md'), 'utf8')).toContain(`frame-ancestors https://partner.example http://localhost:8080`);
    expect(r.stderr).toContain(`secure-sign: campaign key fingerprint: ${keys.publicKey.fingerprint} (shown above the form)\n`);
    expect(r.stderr).not.toMatch(/not integrity-checked|pow-worker/);
    expect(r.stderr).toContain('secure-sign: wrote 26 files to frame: host the folder as it is on an origin the campaign controls');
  });

  it('without --partner any https page may embed it, Arabic is right to left, the theme reaches the CSS and the widget', async () => {
    const r = await build('frame-ar', '--lang', 'ar', '--theme', 'dark');
    expect(r.code, r.stderr).toBe(0);
    const html = await readFile(t.path('frame-ar/index.html'), 'utf8');
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<strong>open-letter</strong>');
    expect(html).toContain('theme="dark"');
    expect(await readFile(t.path('frame-ar/frame.css'), 'utf8')).toContain(':root { color-scheme: dark; }');
    expect(await readFile(t.path('frame-ar/_headers'), 'utf8')).toContain("form-action 'none'; frame-ancestors https:\n");
  });

  it('refuses a folder that is not empty, a log key of another campaign or malformed, a relative privacy URL, a non-origin partner', async () => {
    const again = await build('frame');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('secure-sign: error: frame is not empty\nsecure-sign: hint: build into a new (or empty) folder, and replace the hosted folder with it whole\n');
    const other = await build('x1', '--log-key', otherLogKey);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('secure-sign: error: --log-key is the key of the log "collector.example/other-letter", not of campaign open-letter\n');
    const bad = await build('x2', '--log-key', logKey.slice(0, -2) + (logKey.endsWith('AA') ? 'BA' : 'AA'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^secure-sign: error: --log-key is not a log verifier key \(.+\)\nsecure-sign: hint: copy "log.vkey" of GET \/v1\/campaigns\/open-letter whole/);
    const relative = await build('x3', '--privacy-url', '/privacy');
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('secure-sign: error: --privacy-url must be an absolute http(s) URL\n');
    const partner = await build('x4', '--partner', 'https://partner.example/page');
    expect(partner.code).toBe(2);
    expect(partner.stderr).toContain('secure-sign: error: --partner "https://partner.example/page" is not an origin\n');
    for (const dir of ['x1', 'x2', 'x3', 'x4']) await expect(readdir(t.path(dir))).rejects.toThrow();
  });
});

describe('snippet --frame and --log-key', () => {
  it('--frame prints the sandboxed iframe and the resizer, whose hash is the CSP source printed', async () => {
    const r = await run(t.dir, ['snippet', '--campaign', 'open-letter', '--key', 'campaign.key', '--frame', 'https://sign.campaign.example/open-letter/', '--title', 'Sign the "open" letter']);
    expect(r.code, r.stderr).toBe(0);
    const [iframe, script] = r.stdout.split('<script>');
    expect(iframe).toBe(
      '<iframe src="https://sign.campaign.example/open-letter/" title="Sign the &quot;open&quot; letter" ' +
        'sandbox="allow-scripts allow-same-origin allow-forms allow-downloads allow-popups allow-popups-to-escape-sandbox" allow="clipboard-write" ' +
        'referrerpolicy="no-referrer" width="100%" height="720" class="secure-sign-frame"></iframe>',
    );
    const resizer = script!.replace(/<\/script>\n$/, '');
    expect(r.stderr).toBe(
      `secure-sign: campaign key fingerprint: ${keys.publicKey.fingerprint} (the frame shows it above the form: compare)\n` +
        `secure-sign: Content-Security-Policy of the page: script-src ${sha256(resizer)}; frame-src https://sign.campaign.example (docs/embedding.md)\n`,
    );
  });

  it('--frame refuses what belongs to frame build, plain http to another host, and a URL with a query', async () => {
    const frame = ['snippet', '--campaign', 'open-letter', '--key', 'campaign.key', '--frame'];
    const mixed = await run(t.dir, [...frame, 'https://sign.campaign.example/', '--collector', 'https://c.example', '--log-key', logKey]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toBe('secure-sign: error: --collector, --log-key do not go with --frame\nsecure-sign: hint: the frame\'s page fixes the widget, its files and its attributes: pass them to `secure-sign frame build`\n');
    const http = await run(t.dir, [...frame, 'http://sign.campaign.example/']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('secure-sign: error: --frame must be an https URL (got http://)\n');
    const query = await run(t.dir, [...frame, 'https://sign.campaign.example/?a=1']);
    expect(query.code).toBe(2);
    expect(query.stdout).toBe('');
  });

  it('--log-key becomes the log-key attribute of the in-page widget, checked against the campaign', async () => {
    const base = ['snippet', '--campaign', 'open-letter', '--key', 'campaign.key', '--collector', 'https://collector.example.org', '--dist', 'dist', '--base-url', 'https://partner.example/ss/'];
    const r = await run(t.dir, [...base, '--log-key', logKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`<secure-sign campaign="open-letter" campaign-key="${keys.publicKey.keyString}" collector="https://collector.example.org" log-key="${logKey}"></secure-sign>\n`);
    const other = await run(t.dir, [...base, '--log-key', otherLogKey]);
    expect(other.code).toBe(2);
    expect(other.stdout).toBe('');
  });
});
