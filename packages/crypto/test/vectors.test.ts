import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedOutput, fromHex, parseVector, runVector, toHex } from './support/vectors.js';

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
      'withdrawal mismatch', 'malformed entry', 'inconsistent entries', 'malformed checkpoint', 'confirmation mismatch',
    ]) expect(expects).toContain(outcome);
  });

  it('include a scenario for every rule format.md decides', () => {
    for (const name of [
      'envelope-success-normalised', 'envelope-success-max-text', 'envelope-oversize-text', 'envelope-oversize-ciphertext',
      'envelope-invalid-ephemeral-key', 'envelope-empty-ciphertext', 'envelope-non-canonical-sid',
      'envelope-duplicate-member', 'envelope-schema-duplicate-member', 'envelope-schema-email-bidi-override',
      'document-duplicate-member', 'document-rolled-back', 'document-expired', 'document-impossible-issued-at',
      'document-success-depth-32', 'document-too-deep', 'key-invalid-signing-key',
      'envelope-withdrawal-mismatch', 'envelope-withdrawal-mismatch-inner', 'envelope-missing-wh', 'envelope-non-canonical-wh',
      'envelope-schema-missing-wh', 'log-entry-stored', 'log-entry-withdrawal', 'log-entry-removed', 'log-entry-removed-non-zero',
      'log-entry-unknown-kind', 'log-entries-count', 'log-entries-withdraw-unknown', 'log-entries-stored-twice',
      'log-entries-withdrawn-twice', 'checkpoint-count', 'checkpoint-count-twice', 'checkpoint-count-over-size',
      'envelope-success-confirmable', 'envelope-confirmation-mismatch', 'envelope-confirmation-mismatch-no-ch',
      'envelope-confirmation-mismatch-no-cs', 'envelope-non-canonical-ch', 'envelope-schema-bad-lang', 'log-entry-confirmed',
      'log-entry-disowned', 'log-entries-confirmed', 'log-entries-confirm-after-disown', 'log-entries-disown-after-confirm',
      'log-entries-confirm-withdrawn', 'checkpoint-confirmed', 'checkpoint-confirmed-absent', 'checkpoint-confirmed-twice',
      'checkpoint-confirmed-over-count',
    ]) expect(index).toContain(`${name}.txt`);
  });

  it('carry hashes that an independent SHA-256 (node:crypto) confirms', () => {
    const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest();
    const whOf = (secret: string) => sha256(Buffer.from(secret, 'base64url')).toString('base64url');
    let envelopes = 0;
    for (const file of index) {
      const { header, body } = parseVector(readFileSync(new URL(file, dir), 'utf8'));
      if (header['kind'] === 'envelope' && header['expect'] === 'success') {
        // The opened plaintext's wh is the hash of the vector's withdrawal secret, and so is the envelope's.
        const wh = whOf(header['withdrawal-secret']!);
        expect(JSON.parse(header['plaintext']!).wh, file).toBe(wh);
        expect(JSON.parse(body).wh, file).toBe(wh);
        // With ch: the plaintext's cs is the vector's confirmation secret, whose hash is the envelope's ch.
        if (header['confirmation-secret']) {
          expect(JSON.parse(header['plaintext']!).cs, file).toBe(header['confirmation-secret']);
          expect(JSON.parse(body).ch, file).toBe(whOf(header['confirmation-secret']));
        } else {
          expect(JSON.parse(body).ch, file).toBeUndefined();
        }
        envelopes++;
      }
      if (header['kind'] === 'log-entry' && header['expect'] === 'success') {
        const bytes = fromHex(body);
        expect(toHex(sha256(Buffer.concat([Buffer.from([0]), bytes]))), file).toBe(header['leaf-hash']);
        if (header['envelope']) expect(toHex(sha256(header['envelope'])), file).toBe(header['value']);
        if (header['withdrawal-secret']) {
          expect(toHex(Buffer.from(header['withdrawal-secret'], 'base64url')), file).toBe(header['value']);
          expect(whOf(header['withdrawal-secret']), file).toBe(header['wh']);
        }
        if (header['confirmation-secret']) {
          expect(toHex(Buffer.from(header['confirmation-secret'], 'base64url')), file).toBe(header['value']);
          expect(whOf(header['confirmation-secret']), file).toBe(header['ch']);
        }
      }
    }
    expect(envelopes).toBeGreaterThan(4);
    // The withdrawal entry's secret is the one whose hash the stored entry's envelope carries.
    const stored = parseVector(readFileSync(new URL('log-entry-stored.txt', dir), 'utf8'));
    const withdrawal = parseVector(readFileSync(new URL('log-entry-withdrawal.txt', dir), 'utf8'));
    expect(JSON.parse(stored.header['envelope']!).wh).toBe(withdrawal.header['wh']);
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
