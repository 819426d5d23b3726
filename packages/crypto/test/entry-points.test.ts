// The `key-string` entry point must stay free of libsodium and zod: the widget imports it into a
// page's first load. Checked on the built files (npm test builds before testing).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dist = new URL('../dist/', import.meta.url);

function importsOf(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(new URL(file, dist), 'utf8');
  for (const [, spec] of code.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (spec?.startsWith('./')) importsOf(spec.slice(2), seen);
    else if (spec) seen.add(spec);
  }
  return seen;
}

describe('entry points', () => {
  it('dist exists (run `npm run build` first)', () => {
    expect(existsSync(new URL('key-string-entry.js', dist))).toBe(true);
  });

  it('key-string pulls in neither libsodium nor zod, while the main entry does', () => {
    const light = [...importsOf('key-string-entry.js')];
    expect(light).toContain('key-string.js');
    expect(light.filter((s) => /libsodium|zod/.test(s))).toEqual([]);
    const full = [...importsOf('index.js')];
    expect(full).toContain('libsodium-wrappers');
    expect(full.some((s) => s.startsWith('zod'))).toBe(true);
  });

  it('key-string exports the quick check and the country list', async () => {
    const light = await import('@secure-sign/crypto/key-string');
    expect(light.checkCampaignKeyString('sspk1x')).toEqual({ ok: false, problem: 'wrong length' });
    expect(light.COUNTRY_CODES).toHaveLength(249);
  });
});
