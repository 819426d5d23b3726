// The proof of work's synchronous SHA-256 (src/pow/sha256.ts) against node:crypto, at every prefix
// length where the counter or the padding falls differently (word boundaries, straddling two
// words, straddling two blocks, one or two final blocks, whole blocks before the counter).
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CounterHasher } from '../src/pow/sha256.js';

function expected(prefix: Uint8Array, counter: number): string {
  const bytes = new Uint8Array(prefix.length + 4);
  bytes.set(prefix);
  new DataView(bytes.buffer).setUint32(prefix.length, counter, false);
  return createHash('sha256').update(bytes).digest('hex');
}

function hex(words: Int32Array): string {
  return Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

const COUNTERS = [0, 1, 255, 256, 0x1234, 0xffff, 0x10000, 0x123456, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

describe('the proof-of-work SHA-256', () => {
  it('equals node:crypto for every prefix length from 0 to 200 bytes and counters over the whole 32-bit range', () => {
    for (let length = 0; length <= 200; length++) {
      const prefix = new Uint8Array(randomBytes(length));
      const hasher = new CounterHasher(prefix);
      const counters = [...COUNTERS, ...Array.from({ length: 8 }, () => randomBytes(4).readUInt32BE(0))];
      for (const counter of counters) expect(hex(hasher.hash(counter)), `prefix length ${length}, counter ${counter}`).toBe(expected(prefix, counter));
    }
  });

  it('gives the same digest for a counter whatever was hashed before it (no state leaks between calls)', () => {
    for (const length of [32, 61, 62, 63, 64, 125]) {
      const prefix = new Uint8Array(randomBytes(length));
      const hasher = new CounterHasher(prefix);
      const first = hex(hasher.hash(7));
      for (let c = 0; c < 1000; c++) hasher.hash(c * 7919);
      expect(hex(hasher.hash(0xffffffff))).toBe(expected(prefix, 0xffffffff));
      expect(hex(hasher.hash(7))).toBe(first);
    }
  });

  it('hashes a run of consecutive counters as the collector-format solver walks them (32-byte prefix)', () => {
    const prefix = new Uint8Array(randomBytes(32));
    const hasher = new CounterHasher(prefix);
    for (let counter = 0; counter < 5000; counter++) expect(hex(hasher.hash(counter))).toBe(expected(prefix, counter));
  });
});
