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
      'malformed document', 'document type mismatch', 'document rolled back', 'document expired', 'invalid key',
    ]) expect(expects).toContain(outcome);
  });

  it('include a scenario for every rule format.md decides', () => {
    for (const name of [
      'envelope-success-normalised', 'envelope-success-max-text', 'envelope-oversize-text', 'envelope-oversize-ciphertext',
      'envelope-invalid-ephemeral-key', 'envelope-empty-ciphertext', 'envelope-non-canonical-sid',
      'envelope-duplicate-member', 'envelope-schema-duplicate-member', 'envelope-schema-email-bidi-override',
      'document-duplicate-member', 'document-rolled-back', 'document-expired', 'document-impossible-issued-at',
      'document-success-depth-32', 'document-too-deep', 'key-invalid-signing-key',
    ]) expect(index).toContain(`${name}.txt`);
  });

  it('size vectors sit exactly at the limits they test', async () => {
    const { MAX_ENVELOPE_BYTES } = await import('@secure-sign/crypto');
    const body = (name: string) => parseVector(readFileSync(new URL(`${name}.txt`, dir), 'utf8')).body;
    const bytes = (text: string) => new TextEncoder().encode(text).length;
    expect(bytes(body('envelope-success-max-text'))).toBe(MAX_ENVELOPE_BYTES);
    expect(bytes(body('envelope-oversize-text'))).toBe(MAX_ENVELOPE_BYTES + 1);
    const oversizeCt = body('envelope-oversize-ciphertext');
    expect(bytes(oversizeCt)).toBeLessThan(MAX_ENVELOPE_BYTES);
    expect(Buffer.from(JSON.parse(oversizeCt).ct, 'base64url').length).toBe(32816 + 1);
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

describe('docs/format.md', () => {
  const spec = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8');

  it('states the bucket sizes and limits the code uses', async () => {
    const { PADDING_BUCKETS, MAX_ENVELOPE_BYTES, LIMITS } = await import('@secure-sign/crypto');
    expect(spec).toContain(`bucket sizes** ${PADDING_BUCKETS.slice(0, -1).join(', ')}, ${PADDING_BUCKETS.at(-1)} bytes`);
    expect(spec).toContain(`MUST NOT exceed ${MAX_ENVELOPE_BYTES} bytes`);
    expect(spec).toContain(`| \`comment\` | no | multi-line text, at most ${LIMITS.comment} |`);
  });

  it('has a worked example that matches the vectors', () => {
    const key = parseVector(readFileSync(new URL('key-success.txt', dir), 'utf8'));
    const envelope = parseVector(readFileSync(new URL('envelope-success-individual.txt', dir), 'utf8'));
    expect(spec).toContain(key.body);
    expect(spec).toContain(`key id is \`${key.header['key-id']}\``);
    expect(spec).toContain(`fingerprint \`${key.header['fingerprint']}\``);
    expect(spec).toContain(envelope.header['plaintext']);
    expect(spec).toContain(`envelope of ${envelope.body.length} characters`);
  });
});
