// The decryption workers read the input in byte ranges (ranges.ts); whatever the range size, they
// must see exactly the lines the streaming splitter (io.ts) sees, numbered the same way.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { splitLines } from '../src/io.js';
import { readRange } from '../src/ranges.js';

const dir = mkdtempSync(join(tmpdir(), 'secure-sign-ranges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Seen = { number: number; bytes: string | null };

async function streamed(content: Buffer, maxBytes: number): Promise<Seen[]> {
  const out: Seen[] = [];
  // Fed in small pieces so that lines straddle chunks there too.
  const pieces = Array.from({ length: Math.ceil(content.length / 13) }, (_, i) => content.subarray(i * 13, i * 13 + 13));
  for await (const line of splitLines(Readable.from(pieces), maxBytes)) out.push({ number: line.number, bytes: line.bytes === undefined ? null : Buffer.from(line.bytes).toString('latin1') });
  return out;
}

function ranged(content: Buffer, maxBytes: number, rangeBytes: number): Seen[] {
  const path = join(dir, `input-${Math.random()}`);
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  const out: Seen[] = [];
  try {
    let before = 0;
    for (let start = 0; start < content.length; start += rangeBytes) {
      const count = readRange(fd, start, Math.min(start + rangeBytes, content.length), maxBytes, (line) => {
        // Where a line starts is where its bytes are in the file.
        if (line.bytes) expect(content.subarray(line.at, line.at + line.bytes.length).equals(Buffer.from(line.bytes))).toBe(true);
        out.push({ number: before + line.number, bytes: line.bytes === null ? null : Buffer.from(line.bytes).toString('latin1') });
      });
      before += count;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** A deterministic pseudo-random file of lines: short, empty, blank, CRLF, over the limit, far over it. */
function hostileFile(seed: number, maxBytes: number): Buffer {
  let state = seed;
  const random = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const parts: string[] = [];
  for (let i = 0; i < 80; i++) {
    const kind = random(10);
    const length = kind === 0 ? maxBytes + random(3) : kind === 1 ? maxBytes * 5 + random(50) : kind === 2 ? 0 : random(maxBytes);
    const body = Array.from({ length }, () => String.fromCharCode(0x61 + random(26))).join('');
    parts.push(body + (kind === 3 ? '\r\n' : kind === 4 ? '\r\r\n' : kind === 5 ? ' \t\n' : '\n'));
  }
  const text = parts.join('');
  // Half the files end without a line break, some in the middle of an overlong line.
  return Buffer.from(seed % 2 === 0 ? text : text.slice(0, -1 - random(maxBytes * 3)), 'latin1');
}

describe('reading the input in byte ranges', () => {
  it('yields exactly the lines the streaming splitter yields, for any range size', async () => {
    const maxBytes = 40;
    for (let seed = 1; seed <= 8; seed++) {
      const content = hostileFile(seed, maxBytes);
      const expected = await streamed(content, maxBytes);
      expect(expected.some((line) => line.bytes === null)).toBe(true);
      for (const rangeBytes of [1, 2, 39, 41, 100, 4096, content.length]) {
        expect(ranged(content, maxBytes, rangeBytes), `seed ${seed}, ranges of ${rangeBytes}`).toEqual(expected);
      }
    }
  });

  it('handles files with only line breaks, a single unterminated line, and a line ending exactly at a range boundary', async () => {
    for (const text of ['\n', '\n\n\n', 'abc', 'abc\n', 'abcd\nefgh\n', 'abcd\r\nefgh', '\r\n\r\n']) {
      const content = Buffer.from(text);
      const expected = await streamed(content, 10);
      for (const rangeBytes of [1, 2, 3, 4, 5, 6, 100]) expect(ranged(content, 10, rangeBytes), `${JSON.stringify(text)} in ranges of ${rangeBytes}`).toEqual(expected);
    }
  });
});
