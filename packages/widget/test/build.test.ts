// Checks the built CDN bundle (run the package build first; `npm test` does): the first load holds
// neither libsodium nor zod, sizes stay within budget, and integrity.json matches every file.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
    // What an English-speaking signer downloads in total, on a page with every feature on
    // (log-key too): every chunk but the other languages and the partner messages.
    const total = files
      .filter((name) => !/^ss-(fr|de|es|pt|ar|messages)-/.test(name) && (name.startsWith('ss-') || name === 'secure-sign.js'))
      .reduce((sum, name) => sum + gz(name), 0);
    expect(total).toBeLessThan(180 * 1024);
  });

  it("carries libsodium's WebAssembly in the compact form (rollup.config.mjs, compactWasm), not as base64", () => {
    const lazy = read(files.find((name) => name.startsWith('ss-lazy-'))!).toString('utf8');
    expect(lazy).not.toMatch(/[A-Za-z0-9+/]{10000}/);
    // The module's bytes, one character each: the longest string literal of the chunk.
    const longest = Math.max(...[...lazy.matchAll(/"[^"\\\n]*"/g)].map((m) => m[0].length - 2));
    expect(longest).toBeGreaterThan(200_000);
  });

  it('ships the proof-of-work worker as the text of a pinned chunk, byte for byte dist/pow-worker.js, which nothing starts by URL', async () => {
    const chunk = files.filter((name) => name.startsWith('ss-worker-code-'));
    expect(chunk).toHaveLength(1);
    const worker = read('pow-worker.js').toString('utf8');
    expect(worker.length).toBeGreaterThan(1000);
    // The chunk exports the worker's code as one string: exactly the bytes of the worker file.
    const { program } = (await import(pathToFileURL(join(dist, chunk[0]!)).href)) as { program: { code: string } };
    expect(program.code).toBe(worker);
    for (const name of files.filter((n) => n.startsWith('ss-') || n === 'secure-sign.js')) {
      expect(read(name).toString('utf8'), name).not.toMatch(/pow-worker\.js/);
    }
  });

  it('verifies the log checkpoint (log-key) in a chunk of its own, without libsodium, loaded after the first render', () => {
    const chunk = files.filter((name) => name.startsWith('ss-log-count-'));
    expect(chunk).toHaveLength(1);
    const text = read(chunk[0]!).toString('utf8');
    expect(text).toMatch(/Ed25519/);
    expect(text).not.toMatch(/crypto_box_seal|_sodium_init/);
    expect(entry).toContain(`import("./${chunk[0]}")`);
    expect(entry).not.toMatch(/Ed25519/);
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
