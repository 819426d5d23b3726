// Checks the built CDN bundle (run the package build first; `npm test` does): the first load holds
// neither libsodium nor zod, sizes stay within budget, and integrity.json matches every file.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist');
const built = existsSync(join(dist, 'secure-sign.js'));
const read = (name: string): Buffer => readFileSync(join(dist, name));
const gz = (name: string): number => gzipSync(read(name), { level: 9 }).length;

describe.runIf(built)('CDN bundle', () => {
  const files = built ? readdirSync(dist).filter((name) => name.endsWith('.js')) : [];
  const entry = built ? read('secure-sign.js').toString('utf8') : '';
  // Static imports of the entry (chunks loaded with it); dynamic ones are import("...").
  const staticImports = [...entry.matchAll(/(?:^|[;}\s])import\s*(?:[\w${},\s*]+from\s*)?["'](\.\/[^"']+)["']/g)].map((m) => m[1]!.slice(2));

  it('loads no other chunk statically, and holds neither libsodium nor zod', () => {
    expect(staticImports).toEqual([]);
    expect(entry).not.toMatch(/libsodium|crypto_box_seal|_sodium_init/);
    expect(entry).not.toMatch(/\$ZodType|zod/);
    const lazy = files.filter((name) => name.startsWith('ss-lazy-'));
    expect(lazy).toHaveLength(1);
    expect(read(lazy[0]!).toString('utf8')).toMatch(/crypto_box_seal/);
    expect(entry).toContain(`"./${lazy[0]}"`);
  });

  it('stays within the size budget', () => {
    expect(gz('secure-sign.js')).toBeLessThan(16 * 1024);
    // What an English-speaking signer downloads in total: entry, crypto, solver and worker.
    const total = files
      .filter((name) => name === 'secure-sign.js' || /^ss-(lazy|solver|solve)-/.test(name) || name === 'pow-worker.js')
      .reduce((sum, name) => sum + gz(name), 0);
    expect(total).toBeLessThan(185 * 1024);
  });

  it('publishes a correct sha384 SRI hash for every emitted file', () => {
    const integrity = JSON.parse(read('integrity.json').toString('utf8')) as Record<string, string>;
    expect(Object.keys(integrity).sort()).toEqual([...files].sort());
    for (const name of files) {
      expect(integrity[name]).toBe(`sha384-${createHash('sha384').update(read(name)).digest('base64')}`);
    }
  });
});

it('is built (run `npx tsc -b packages/widget && npx rollup -c packages/widget/rollup.config.mjs`)', () => {
  expect(built).toBe(true);
});
