// The hand-written envelope and plaintext checks (src/fast-schema.ts) against the zod schemas they
// restate: whatever the fast check accepts, zod accepts with exactly the same output (values,
// members and their order); whatever zod refuses, the fast check refuses too (and zod words it).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES, openSubmissionWith, parseCampaignSecretKey, plaintextSchema, signerSchema } from '@secure-sign/crypto';
import { envelopeSchema } from '../src/envelope.js';
import { decodeBase64UrlCharacters, fastEnvelopeMembers, fastPlaintext, fastSigner } from '../src/fast-schema.js';
import { fromBase64Url } from '../src/encode.js';
import { ready } from '../src/sodium.js';
import { parseVector } from './support/vectors.js';

/** The fast check agrees with zod on `value`; returns whether the fast check accepted it. */
function agrees(fast: (value: unknown) => unknown, schema: { safeParse(value: unknown): { success: boolean; data?: unknown } }, value: unknown): boolean {
  const quick = fast(value);
  const slow = schema.safeParse(value);
  if (quick === undefined) {
    // Refusals are zod's; the fast check may also hand valid values over to zod (never the reverse).
    return false;
  }
  expect(slow.success).toBe(true);
  expect(JSON.stringify(quick)).toBe(JSON.stringify(slow.data));
  expect(quick).toStrictEqual(slow.data);
  return true;
}

/** Every value zod accepts, the fast check accepts too (so the fast path is the one taken). */
function alsoAccepted(fast: (value: unknown) => unknown, schema: { safeParse(value: unknown): { success: boolean } }, value: unknown): void {
  // One exception, left to zod: a member named __proto__ (zod's record skips it; so does no signer).
  if (JSON.stringify(value).includes('"__proto__"')) return;
  if (schema.safeParse(value).success) expect(fast(value)).not.toBeUndefined();
}

const dir = new URL('../test-vectors/', import.meta.url);
const index: string[] = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'));
const envelopeVectors = index
  .map((file) => ({ file, vector: parseVector(readFileSync(new URL(file, dir), 'utf8')) }))
  .filter(({ vector }) => vector.header['kind'] === 'envelope');

describe('fast envelope and plaintext checks', () => {
  it('agree with zod on every envelope vector, outside and inside', async () => {
    const sodium = await ready();
    let envelopes = 0;
    let plaintexts = 0;
    expect(envelopeVectors.length).toBeGreaterThan(20);
    for (const { vector } of envelopeVectors) {
      let value: unknown;
      try {
        value = JSON.parse(vector.body);
      } catch {
        continue;
      }
      if (agrees(fastEnvelopeMembers, envelopeSchema, value)) envelopes++;
      alsoAccepted(fastEnvelopeMembers, envelopeSchema, value);
      const secret = vector.header['secret-key'];
      if (secret === undefined) continue;
      // The sealed plaintext itself, whatever the envelope's fate later.
      let inner: Uint8Array | undefined;
      const keys = await parseCampaignSecretKey(secret);
      try {
        openSubmissionWith((box, pk, sk) => {
          try {
            inner = sodium.crypto_box_seal_open(box, pk, sk);
          } catch {
            inner = undefined;
          }
          return inner?.slice();
        })(keys, vector.body);
      } catch {
        // refused: the vector says why; only its plaintext matters here
      }
      if (!inner) continue;
      let end = inner.length - 1;
      while (end >= 0 && inner[end] === 0) end--;
      let plaintext: unknown;
      try {
        plaintext = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inner.subarray(0, end)));
      } catch {
        continue;
      }
      if (agrees(fastPlaintext, plaintextSchema, plaintext)) plaintexts++;
      alsoAccepted(fastPlaintext, plaintextSchema, plaintext);
    }
    expect(envelopes).toBeGreaterThan(5);
    expect(plaintexts).toBeGreaterThan(5);
  });

  // Strings a signer could type, and the edges of every rule: white space of each kind, controls,
  // bidi and invisible characters, combining marks (NFC), line breaks, lone surrogates, long text.
  const edge = fc.constantFrom(
    ' ', '\t', '\u00a0', '\u3000', '\u2003', '\ufeff', '\u200b', '\u202e', '\u2066', '\u00ad', '\u061c', '\r\n', '\r', '\n',
    '\u0000', '\u007f', '\u0085', 'e\u0301', '\u00e9', '\ud800', '\udc00', '@', '.', 'a@b.c', '"', ',', '=', '\u{1f600}', 'ı', 'ſ',
  );
  const piece = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), edge, fc.string({ unit: 'binary', maxLength: 6 }));
  const messy = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));
  const longText = (n: number) => fc.constantFrom('x', 'é', 'e\u0301', '\u{1f600}', ' ').map((c) => c.repeat(n));
  const text = fc.oneof(messy, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), longText(199), longText(200), longText(201), longText(2000));
  const email = fc.oneof(fc.emailAddress(), messy.map((s) => `${s}@example.org`), messy, fc.constant(`${'a'.repeat(64)}@${'b'.repeat(180)}.org`));
  const country = fc.oneof(fc.constantFrom(...COUNTRY_CODES), fc.constantFrom(...COUNTRY_CODES).map((c) => ` ${c.toLowerCase()}\t`), messy, fc.constantFrom('ſe', 'ıt', 'XX'));
  const wrong = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}));
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: wrong });
  const extraKey = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,31}$/), fc.constantFrom('__proto__', 'constructor', 'A', '1a', 'a'.repeat(33)));
  const extra = fc.dictionary(extraKey, maybe(fc.oneof(text, fc.boolean())), { maxKeys: 10 });
  const signer = fc.record(
    {
      kind: maybe(fc.constantFrom('individual', 'organisation', 'robot')),
      name: maybe(text),
      email: maybe(email),
      organisation: maybe(text),
      role: maybe(text),
      country: maybe(country),
      comment: maybe(text),
      consent: maybe(fc.record({ listPublicly: maybe(fc.boolean()), contactLater: maybe(fc.boolean()), more: fc.boolean() }, { requiredKeys: [] })),
      extra: maybe(extra),
      unknown: fc.string(),
    },
    { requiredKeys: [] },
  );
  // Mostly valid signer data, so that acceptance is tested as much as refusal.
  const goodSigner = fc.record(
    {
      kind: fc.constantFrom('individual', 'organisation'),
      name: text,
      email: fc.oneof(fc.emailAddress(), email),
      organisation: text,
      role: text,
      country,
      comment: text,
      consent: fc.record({ listPublicly: fc.boolean(), contactLater: fc.boolean() }),
      extra: fc.dictionary(extraKey, fc.oneof(text, fc.boolean()), { maxKeys: 9 }),
    },
    { requiredKeys: ['kind', 'name', 'email', 'consent'] },
  );
  const anySigner = fc.oneof(goodSigner, signer);
  // Members in any order, as a JSON text would give them.
  const shuffled = <T extends object>(arb: fc.Arbitrary<T>) =>
    fc.tuple(arb, fc.array(fc.nat(), { minLength: 12, maxLength: 12 })).map(([value, order]) => {
      const entries = Object.entries(value).map((entry, i) => [order[i] ?? 0, entry] as const);
      entries.sort((a, b) => a[0] - b[0]);
      return JSON.parse(JSON.stringify(Object.fromEntries(entries.map(([, entry]) => entry)))) as unknown;
    });
  const b64 = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((bytes) => Buffer.from(bytes).toString('base64url'));
  const b64messy = (n: number) => fc.oneof({ weight: 5, arbitrary: b64(n) }, { weight: 1, arbitrary: fc.string({ maxLength: 50 }) });

  it('agree with zod on fuzzed signer data', () => {
    let accepted = 0;
    fc.assert(
      fc.property(shuffled(anySigner), (value) => {
        if (agrees(fastSigner, signerSchema, value)) accepted++;
        alsoAccepted(fastSigner, signerSchema, value);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('agree with zod on fuzzed plaintexts', () => {
    const validSigner = fc.record({
      kind: fc.constant('individual'),
      name: text,
      email: fc.emailAddress(),
      consent: fc.record({ listPublicly: fc.boolean(), contactLater: fc.boolean() }),
    });
    const plaintext = fc.record(
      {
        v: maybe(fc.constantFrom(1, 2, '1')),
        campaign: maybe(fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,66}$/), messy)),
        sid: maybe(b64messy(16)),
        wh: maybe(b64messy(32)),
        createdAt: maybe(fc.oneof(fc.integer({ min: -5, max: Number.MAX_SAFE_INTEGER }), fc.double(), fc.constantFrom(253402300799999, 253402300800000, -0))),
        signer: fc.oneof(validSigner, anySigner),
        cs: maybe(b64messy(32)),
        lang: maybe(fc.oneof(fc.constantFrom('en', 'fr', 'pt-BR', 'de-DE-x-1', 'EN', 'e'), fc.stringMatching(/^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}$/))),
        other: fc.boolean(),
      },
      { requiredKeys: ['signer'] },
    );
    const goodPlaintext = fc.record(
      {
        v: fc.constant(1),
        campaign: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/),
        sid: b64(16),
        wh: b64(32),
        createdAt: fc.oneof(fc.integer({ min: 0, max: 253402300799999 }), fc.constant(-0)),
        signer: fc.oneof(validSigner, goodSigner),
        cs: b64(32),
        lang: fc.constantFrom('en', 'fr', 'pt-BR', 'de-DE-x-1', 'EN', 'zh-Hant-TW'),
      },
      { requiredKeys: ['v', 'campaign', 'sid', 'wh', 'createdAt', 'signer'] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(shuffled(fc.oneof(goodPlaintext, plaintext)), (value) => {
        if (agrees(fastPlaintext, plaintextSchema, value)) accepted++;
        alsoAccepted(fastPlaintext, plaintextSchema, value);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('agree with zod on fuzzed envelopes', () => {
    const envelope = fc.record(
      {
        v: maybe(fc.constantFrom(1, 2, '1', 1.5)),
        campaign: maybe(fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,66}$/), fc.string({ maxLength: 8 }))),
        kid: maybe(fc.oneof(fc.stringMatching(/^[a-z2-7]{15,17}$/), fc.string({ maxLength: 17 }))),
        sid: maybe(b64messy(16)),
        wh: maybe(b64messy(32)),
        ch: maybe(b64messy(32)),
        ct: maybe(fc.oneof(b64(1200), fc.constant(''), fc.string({ maxLength: 30 }))),
        other: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const goodEnvelope = fc.record(
      {
        v: fc.constant(1),
        campaign: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/),
        kid: fc.stringMatching(/^[a-z2-7]{16}$/),
        sid: b64(16),
        wh: b64(32),
        ch: b64(32),
        ct: fc.oneof(b64(1200), b64(1)),
      },
      { requiredKeys: ['v', 'campaign', 'kid', 'sid', 'wh', 'ct'] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(shuffled(fc.oneof(goodEnvelope, envelope)), (value) => {
        if (agrees(fastEnvelopeMembers, envelopeSchema, value)) accepted++;
        alsoAccepted(fastEnvelopeMembers, envelopeSchema, value);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('decode ciphertexts exactly as fromBase64Url does, canonical or not', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const chars = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 70 });
    const encoded = fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
    let decoded = 0;
    fc.assert(
      fc.property(fc.oneof(chars, encoded), (text) => {
        const fast = decodeBase64UrlCharacters(text, () => {
          throw new Error('Node has a Buffer');
        });
        const slow = fromBase64Url(text);
        expect(fast === undefined ? undefined : [...fast]).toEqual(slow === undefined ? undefined : [...slow]);
        if (fast) decoded++;
      }),
      { numRuns: 20000 },
    );
    expect(decoded).toBeGreaterThan(1000);
  });
});
