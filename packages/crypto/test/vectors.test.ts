import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedOutput, parseVector, runVector } from './support/vectors.js';

const dir = new URL('../test-vectors/', import.meta.url);
const index: string[] = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'));

describe('test vectors', () => {
  it('index.json lists every vector file', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
    expect([...index].sort()).toEqual(files);
  });

  it('cover every failure the format defines', () => {
    const expects = new Set(index.map((f) => parseVector(readFileSync(new URL(f, dir), 'utf8')).header['expect']));
    for (const outcome of [
      'success', 'authentication failed', 'key mismatch', 'malformed envelope', 'unsupported version',
      'campaign mismatch', 'submission mismatch', 'bad padding', 'schema violation', 'oversize',
      'malformed document', 'document type mismatch', 'invalid key',
    ]) expect(expects).toContain(outcome);
  });

  for (const file of index) {
    it(file, async () => {
      const vector = parseVector(readFileSync(new URL(file, dir), 'utf8'));
      const result = await runVector(vector);
      expect(result.outcome).toBe(vector.header['expect']);
      if (result.outcome === 'success') expect(result.output).toBe(expectedOutput(vector.header));
    });
  }
});
