// docs/threat-model.md names, in brackets, the test behind each promise (`file › test name`).
// This keeps those references true: every named file exists and every named test (or describe
// block) is in it, so a renamed or deleted test cannot leave a promise without its test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'threat-model.md'), 'utf8');

function testFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) testFiles(path, found);
    else if (/\.test\.ts$/.test(name)) found.push(path.slice(root.length));
  }
  return found;
}
const files = testFiles(root);

interface Reference {
  readonly file: string;
  readonly names: string[];
}

/** The references of one bracket: `a.test.ts › name`, `› other name` (same file), `; b.test.ts › …`. */
function references(bracket: string): Reference[] {
  const result: Reference[] = [];
  for (const part of bracket.replace(/\s+/g, ' ').split(/;\s*/)) {
    for (const item of part.split(/,\s*(?=`)/)) {
      const text = item.replace(/`/g, '').trim();
      const [first, ...rest] = text.split(/\s*›\s*/);
      const names = rest.map((n) => n.replace(/, (all cases|both cases|both engines|all cases, including the control cases)(, both engines)?$/, '').trim()).filter(Boolean);
      if (first && /\.test\.ts$/.test(first)) result.push({ file: first, names });
      else if (!first && result.length > 0) result.push({ file: result[result.length - 1]!.file, names });
    }
  }
  return result;
}

const brackets = [...doc.matchAll(/\[(`[^\]]*?\.test\.ts[^\]]*)\]/g)].map((m) => m[1]!);
const refs = brackets.flatMap(references);

describe('docs/threat-model.md', () => {
  it('names tests behind its promises', () => {
    expect(refs.length).toBeGreaterThan(30);
  });

  it('has no unfilled placeholders', () => {
    expect(doc).not.toMatch(/\b[A-Z]+(_[A-Z]+){2,}\b/);
  });

  it.each(refs.map((r) => [`${r.file} › ${r.names.join(' › ')}`, r] as const))('%s exists', (_, ref) => {
    const matches = files.filter((f) => f === ref.file || f.endsWith(`/${ref.file}`) || basename(f) === ref.file);
    expect(matches, `no test file ${ref.file}`).toHaveLength(1);
    const source = readFileSync(join(root, matches[0]!), 'utf8').replace(/\s+/g, ' ');
    for (const name of ref.names) {
      for (const piece of name.split('…').map((p) => p.trim()).filter(Boolean)) {
        expect(source.includes(piece), `"${piece}" is not in ${matches[0]}`).toBe(true);
      }
    }
  });
});
