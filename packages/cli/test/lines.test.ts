// splitLines is what stands between a hostile file and memory: check it against a plain split for
// any lines, any chunking, and that an over-long line is reported without being kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../src/io.js';

async function collect(chunks: Uint8Array[], max: number) {
  const out: { number: number; text: string | undefined; unterminated: boolean }[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const line of splitLines(source(), max)) {
    out.push({ number: line.number, text: line.bytes && Buffer.from(line.bytes).toString('utf8'), unterminated: line.unterminated === true });
  }
  return out;
}

function chunked(bytes: Buffer, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  return chunks;
}

describe('splitLines', () => {
  it('matches a plain split on \\n (minus one trailing \\r) for any lines and any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 20 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 10 }), async (lines, crlf, cuts) => {
        const clean = lines.map((l) => l.replaceAll('\n', ' ').replaceAll('\r', ' '));
        const text = clean.map((l) => l + (crlf ? '\r\n' : '\n')).join('');
        const got = await collect(chunked(Buffer.from(text), cuts), 1000);
        expect(got.map((l) => l.text)).toEqual(clean);
        expect(got.map((l) => l.number)).toEqual(clean.map((_, i) => i + 1));
        expect(got.every((l) => !l.unterminated)).toBe(true);
      }),
    );
  });

  it('reports a too-long line as undefined and goes on; flags an unterminated last line', async () => {
    const text = Buffer.from(`short\n${'x'.repeat(50)}\nafter\ntail`);
    const got = await collect(chunked(text, [3, 20, 40, 58]), 10);
    expect(got).toEqual([
      { number: 1, text: 'short', unterminated: false },
      { number: 2, text: undefined, unterminated: false },
      { number: 3, text: 'after', unterminated: false },
      { number: 4, text: 'tail', unterminated: true },
    ]);
  });
});
