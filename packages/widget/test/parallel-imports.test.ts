// Issue 19: in the CDN bundle a dynamic import requests its chunk and every chunk that chunk
// imports statically at the same time (rollup.config.mjs, parallelImports), so the crypto chunk's
// own import (the SHA-256 code it shares with the log-count chunk) costs no second round trip on a
// slow phone connection. Needs the built dist/ (`npm test` builds it).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist');
const built = existsSync(join(dist, 'secure-sign.js'));
const read = (name: string): string => readFileSync(join(dist, name), 'utf8');
/** The chunks a file imports statically (`import … from "./x.js"`), names only. */
const staticImports = (code: string): string[] =>
  [...code.matchAll(/(?:^|[;}\s])import\s*(?:[\w${},\s*]+from\s*)?["']\.\/([^"']+)["']/g)].map((m) => m[1]!);

describe.runIf(built)('CDN bundle: dynamic imports fetch their dependencies at once', () => {
  const entry = built ? read('secure-sign.js') : '';
  const chunks = built ? readdirSync(dist).filter((name) => /^ss-.*\.js$/.test(name)) : [];

  it('the crypto chunk and each chunk it imports are requested in one expression', () => {
    const lazy = chunks.find((name) => name.startsWith('ss-lazy-'))!;
    const deps = staticImports(read(lazy)).filter((name) => name !== 'secure-sign.js');
    expect(deps.length, 'the crypto chunk imports no other chunk: nothing to check').toBeGreaterThan(0);
    // (import("./dep").catch(…),import("./ss-lazy-….js")): the deps first, the chunk's own import last.
    const call = new RegExp(`\\(((?:import\\("\\./[^"]+"\\)\\.catch\\([^"]*?\\),)+)import\\("\\./${lazy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\)\\)`);
    const found = call.exec(entry);
    expect(found, `no parallel import of ${lazy}`).not.toBeNull();
    const requested = [...found![1]!.matchAll(/import\("\.\/([^"]+)"\)/g)].map((m) => m[1]);
    expect(requested.sort()).toEqual(deps.sort());
  });

  it('every dynamic import of a chunk with dependencies requests them too', () => {
    for (const file of ['secure-sign.js', ...chunks]) {
      const code = read(file);
      const loaded = new Set([file, ...staticImports(code)]);
      for (const [, target] of code.matchAll(/import\("\.\/([^"]+)"\)/g)) {
        const missing = staticImports(read(target!)).filter((dep) => !loaded.has(dep) && dep !== 'secure-sign.js');
        for (const dep of missing) expect(code, `${file} imports ${target} without ${dep}`).toContain(`import("./${dep}")`);
      }
    }
  });
});
