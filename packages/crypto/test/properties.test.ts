// Property-based tests (fast-check): what must hold for any signer data and any single-byte change.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COUNTRY_CODES,
  MAX_CREATED_AT,
  SecureSignError,
  isoTimestampSchema,
  plaintextSchema,
  generateCampaignKeys,
  openSubmission,
  sealSubmission,
  validateSigner,
} from '@secure-sign/crypto';

const keys = await generateCampaignKeys();
const campaign = 'open-letter';

// Text of any script, including combining marks, emoji and surrogate pairs.
const anyText = (max: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max });
const signerArbitrary = fc.record(
  {
    kind: fc.constantFrom('individual' as const, 'organisation' as const),
    name: anyText(60),
    email: fc.emailAddress(),
    organisation: anyText(60),
    role: anyText(30),
    country: fc.constantFrom(...COUNTRY_CODES),
    comment: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }),
    consent: fc.record({ listPublicly: fc.boolean(), contactLater: fc.boolean() }),
    extra: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/), fc.oneof(anyText(40), fc.boolean()), { maxKeys: 8 }),
  },
  { requiredKeys: ['kind', 'name', 'email', 'consent'] },
);

/** Validates, or says why not; any other exception is a bug. */
function tryValidate(input: unknown) {
  try {
    return validateSigner(input);
  } catch (error) {
    if (error instanceof SecureSignError && error.code === 'SCHEMA_VIOLATION') return undefined;
    throw error;
  }
}

describe('properties', () => {
  it('any valid signer data survives seal and open unchanged (after normalisation)', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(signerArbitrary, async (input) => {
        const signer = tryValidate(input);
        fc.pre(signer !== undefined);
        accepted++;
        // Normalisation is idempotent: what the browser sealed, the CLI re-validates to the same.
        expect(validateSigner(signer)).toEqual(signer);
        const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer: input });
        const opened = await openSubmission(keys, JSON.stringify(envelope), { campaign });
        expect(opened.signer).toEqual(signer);
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('every createdAt the plaintext schema accepts writes as a timestamp that signed documents accept', () => {
    const createdAt = fc.oneof(
      fc.integer({ min: 0, max: MAX_CREATED_AT }),
      fc.constantFrom(0, 1, 999, 1000, 86_399_999, MAX_CREATED_AT - 1, MAX_CREATED_AT),
      // Around the year boundaries that change the ISO form: 0000, 1970, 9999 and just past it.
      fc.integer({ min: MAX_CREATED_AT - 1000, max: MAX_CREATED_AT + 1000 }),
      fc.integer({ min: -1000, max: 1000 }),
      fc.integer({ min: 8.64e15 - 1000, max: 8.64e15 }),
    );
    const base = { v: 1, campaign, sid: 'AAAAAAAAAAAAAAAAAAAAAA', wh: 'A'.repeat(43), signer: { kind: 'individual', name: 'A', email: 'a@b.cd', consent: { listPublicly: true, contactLater: true } } };
    let accepted = 0;
    fc.assert(
      fc.property(createdAt, (x) => {
        const inSchema = plaintextSchema.safeParse({ ...base, createdAt: x }).success;
        expect(inSchema).toBe(x >= 0 && x <= MAX_CREATED_AT);
        if (!inSchema) return;
        accepted++;
        const iso = new Date(x).toISOString();
        expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(isoTimestampSchema.safeParse(iso).success, iso).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it('validation never throws anything but a schema violation, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, maxDepth: 3 }), (input) => {
        tryValidate(input);
      }),
      { numRuns: 300 },
    );
  });

  it('a change of any single byte of an envelope is rejected', async () => {
    const envelope = await sealSubmission({
      publicKey: keys.publicKey,
      campaign,
      signer: { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: true } },
    });
    const bytes = new TextEncoder().encode(JSON.stringify(envelope));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
        const changed = bytes.slice();
        changed[index] = (changed[index]! + delta) % 256;
        const text = new TextDecoder().decode(changed);
        const outcome = await openSubmission(keys, text, { campaign }).then(
          () => 'opened',
          (error: unknown) => (error instanceof SecureSignError ? error.code : `crash: ${String(error)}`),
        );
        expect(outcome).not.toBe('opened');
        expect(outcome).not.toMatch(/^crash/);
      }),
      { numRuns: 400 },
    );
  });

  it('every byte position of the envelope text is covered: each is rejected when changed', async () => {
    const envelope = await sealSubmission({
      publicKey: keys.publicKey,
      campaign,
      signer: { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: false, contactLater: false } },
    });
    const text = JSON.stringify(envelope);
    const codes = new Map<string, number>();
    for (let i = 0; i < text.length; i++) {
      // Change to a character that keeps the text ASCII: the most plausible silent edit.
      const replacement = text[i] === 'A' ? 'B' : 'A';
      const changed = text.slice(0, i) + replacement + text.slice(i + 1);
      const code = await openSubmission(keys, changed, { campaign }).then(
        () => 'opened',
        (error: unknown) => (error as SecureSignError).code,
      );
      expect(code, `position ${i}`).not.toBe('opened');
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // Most positions are ciphertext, caught by authentication; the rest by parsing and id checks.
    expect(codes.get('AUTHENTICATION_FAILED')).toBeGreaterThan(1000);
  });
});
