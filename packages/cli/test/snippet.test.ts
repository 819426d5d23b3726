import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, run, tempDir } from './helpers.js';
import type { CampaignKeyPair } from '@secure-sign/crypto';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
});
afterAll(() => t.cleanup());

const sri = (bytes: Buffer): string => 'sha384-' + createHash('sha384').update(bytes).digest('base64');

describe('snippet', () => {
  it('prints the script tag with the bundle hash and the element with its attributes', async () => {
    const bundle = Buffer.from('export const widget = "fixture bundle";\n');
    await writeFile(t.path('bundle.js'), bundle);
    const r = await run(t.dir, [
      'snippet', '--campaign', 'open-letter', '--key', 'campaign.key', '--collector', 'https://collector.example.org/',
      '--bundle', 'bundle.js', '--script-url', 'https://cdn.example.org/secure-sign.js?a=1&b="2"', '--lang', 'de',
    ], { env: { SECURE_SIGN_PASSPHRASE: undefined } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `<script type="module" src="https://cdn.example.org/secure-sign.js?a=1&amp;b=&quot;2&quot;" integrity="${sri(bundle)}" crossorigin="anonymous"></script>\n` +
        `<secure-sign campaign="open-letter" campaign-key="${keys.publicKey.keyString}" collector="https://collector.example.org" lang="de"></secure-sign>\n`,
    );
    expect(r.stderr).toBe(`secure-sign: campaign key fingerprint: ${keys.publicKey.fingerprint}\n`);
  });

  it('hashes the installed widget bundle by default', async () => {
    const path = fileURLToPath(import.meta.resolve('@secure-sign/widget/secure-sign.js'));
    const bytes = await readFile(path).catch(() => undefined);
    const r = await run(t.dir, ['snippet', '--campaign', 'open-letter', '--public-key', keys.publicKey.keyString, '--collector', 'http://127.0.0.1:8080']);
    if (bytes === undefined) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('secure-sign: hint:');
      return;
    }
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(` integrity="${sri(bytes)}" crossorigin="anonymous"></script>\n`);
    expect(r.stdout).toMatch(/^<script type="module" src="https:\/\/cdn\.jsdelivr\.net\/npm\/@secure-sign\/widget@[^/]+\/dist\/secure-sign\.js"/);
  });

  it('refuses a mistyped public key, a bad campaign id and a plain-http remote collector', async () => {
    const typo = keys.publicKey.keyString.slice(0, 20) + (keys.publicKey.keyString[20] === 'a' ? 'b' : 'a') + keys.publicKey.keyString.slice(21);
    const bad = await run(t.dir, ['snippet', '--campaign', 'open-letter', '--public-key', typo, '--collector', 'https://c.example.org', '--bundle', 'campaign.key']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^secure-sign: error: invalid public campaign key string: .*\nsecure-sign: hint: copy the whole sspk1\.\.\. string again\n$/);
    const id = await run(t.dir, ['snippet', '--campaign', 'Open Letter', '--key', 'campaign.key', '--collector', 'https://c.example.org', '--bundle', 'campaign.key']);
    expect(id.stderr).toContain('secure-sign: error: "Open Letter" is not a campaign id\n');
    const http = await run(t.dir, ['snippet', '--campaign', 'x', '--key', 'campaign.key', '--collector', 'http://c.example.org', '--bundle', 'campaign.key']);
    expect(http.stderr).toContain('secure-sign: error: --collector must be an https URL (got http://)\n');
  });
});
