import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DOCUMENT_VALIDITY_MS,
  SecureSignError,
  canonicalJson,
  generateCampaignKeys,
  signDocument,
  verifyDocument,
} from '@secure-sign/crypto';

const keys = await generateCampaignKeys();
const other = await generateCampaignKeys();
const campaign = 'open-letter';
const data = { entries: [{ kind: 'individual', name: 'Ada', comment: '<script>alert(1)</script>' }] };

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (error: unknown) => (error instanceof SecureSignError ? error.code : Promise.reject(error)),
  );

describe('canonicalJson', () => {
  it('sorts members by UTF-16 code units, drops white space, keeps JSON string escaping (RFC 8785 subset)', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], A: {} })).toBe('{"A":{},"a":[true,null,"x"],"b":1}');
    // RFC 8785 §3.2.3's ordering example: code-unit order, not code-point order.
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\u{1f600}': 5, '\u0080': 6, '\u00f6': 7 })).toBe(
      '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\u{1f600}":5,"\ufb33":3}',
    );
    expect(canonicalJson('\u0000\u001f"\\\u2028')).toBe('"\\u0000\\u001f\\"\\\\\u2028"');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });

  it('leaves out members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}');
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
  });

  it('refuses what has no single canonical form', () => {
    for (const bad of [0.5, 1e21, Number.NaN, Infinity, undefined, () => 1, new Date(0), 10n, '\ud800', { ['\udc00']: 1 }]) {
      expect(() => canonicalJson(bad), String(bad)).toThrow();
    }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(RangeError);
  });
});

describe('signDocument and verifyDocument', () => {
  it('verifies what it signed and returns the payload', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, serial: 3, data, issuedAt: new Date('2026-11-27T00:00:00Z') });
    const payload = await verifyDocument(keys.publicKey, JSON.stringify(doc), {
      type: 'wall', campaign, now: new Date('2026-11-28T00:00:00Z'),
    });
    // validUntil defaults to 30 days after issuedAt.
    expect(DEFAULT_DOCUMENT_VALIDITY_MS).toBe(30 * 86_400_000);
    expect(payload).toEqual({
      type: 'wall', campaign, serial: 3, issuedAt: '2026-11-27T00:00:00.000Z', validUntil: '2026-12-27T00:00:00.000Z', data,
    });
  });

  it('does not depend on member order or white space', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, serial: 1, data: { z: 1, a: { y: 2, b: 3 } } });
    const { issuedAt, validUntil } = doc.payload;
    const reordered = JSON.stringify(
      { sig: doc.sig, payload: { validUntil, data: { a: { b: 3, y: 2 }, z: 1 }, serial: 1, campaign, type: 'wall', issuedAt }, v: 1, kid: doc.kid },
      null,
      4,
    );
    expect(await codeOf(verifyDocument(keys.publicKey, reordered, { type: 'wall' }))).toBe('OK');
  });

  it('rejects any change, another signer, another type or campaign, each by its code', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, serial: 5, data });
    const tampered = structuredClone(doc);
    tampered.payload.data.entries[0]!.name = 'Mallory';
    expect(await codeOf(verifyDocument(keys.publicKey, tampered))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, payload: { ...doc.payload, issuedAt: '2020-01-01T00:00:00.000Z' } }))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(other.publicKey, doc))).toBe('KEY_MISMATCH');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, payload: { ...doc.payload, serial: 6 } }))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, payload: { ...doc.payload, validUntil: '9999-01-01T00:00:00.000Z' } }))).toBe('AUTHENTICATION_FAILED');
    const forged = await signDocument(other, { type: 'wall', campaign, serial: 5, data });
    expect(await codeOf(verifyDocument(keys.publicKey, { ...forged, kid: doc.kid }))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { type: 'notice' }))).toBe('DOCUMENT_TYPE_MISMATCH');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { campaign: 'elsewhere' }))).toBe('CAMPAIGN_MISMATCH');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, v: 2 }))).toBe('UNSUPPORTED_VERSION');
    expect(await codeOf(verifyDocument(keys.publicKey, '{'))).toBe('MALFORMED_DOCUMENT');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, extra: true }))).toBe('MALFORMED_DOCUMENT');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, payload: { ...doc.payload, data: 0.1 } }))).toBe('MALFORMED_DOCUMENT');
    expect(await codeOf(verifyDocument(keys.publicKey, JSON.stringify(doc), { maxBytes: 100 }))).toBe('OVERSIZE');
  });

  it('refuses to sign malformed types, campaigns or data', async () => {
    await expect(signDocument(keys, { type: 'Wall!', campaign, serial: 1, data })).rejects.toThrow(/^type:/);
    await expect(signDocument(keys, { type: 'wall', campaign: 'x/y', serial: 1, data })).rejects.toThrow(/^campaign:/);
    await expect(signDocument(keys, { type: 'wall', campaign, serial: 1, data: { x: 0.5 } })).rejects.toThrow(TypeError);
  });
});

describe('serial and validity (rollback and expiry)', () => {
  const issuedAt = new Date('2026-11-27T10:00:00.000Z');
  const sign = (serial: number, extra: object = {}) => signDocument(keys, { type: 'wall', campaign, serial, data, issuedAt, ...extra });

  it('refuses a serial that is missing, not a safe positive integer, naming serial', async () => {
    await expect(signDocument(keys, { type: 'wall', campaign, data } as never)).rejects.toThrow(TypeError);
    await expect(signDocument(keys, { type: 'wall', campaign, data, serial: '2' } as never)).rejects.toThrow(/^serial:/);
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity]) {
      const error = await sign(bad).catch((e: unknown) => e);
      expect(error, String(bad)).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/^serial:/);
    }
    expect((await sign(Number.MAX_SAFE_INTEGER)).payload.serial).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses validUntil not after issuedAt, and dates a document cannot carry, naming the option', async () => {
    await expect(sign(1, { validUntil: issuedAt })).rejects.toThrow(/^validUntil:/);
    await expect(sign(1, { validUntil: new Date(issuedAt.getTime() - 1) })).rejects.toThrow(RangeError);
    await expect(sign(1, { validUntil: new Date(Number.NaN) })).rejects.toThrow(/^validUntil:/);
    await expect(sign(1, { issuedAt: new Date('+010000-01-01T00:00:00Z') })).rejects.toThrow(/^issuedAt:/);
    await expect(sign(1, { issuedAt: new Date(Number.NaN) })).rejects.toThrow(RangeError);
    const doc = await sign(1, { validUntil: new Date(issuedAt.getTime() + 1) });
    expect(doc.payload.validUntil).toBe('2026-11-27T10:00:00.001Z');
  });

  it('refuses an expired document from validUntil on, only after the signature checks out', async () => {
    const doc = await sign(2, { validUntil: new Date('2026-12-01T00:00:00.000Z') });
    const at = (iso: string) => codeOf(verifyDocument(keys.publicKey, doc, { now: new Date(iso) }));
    expect(await at('2026-11-30T23:59:59.999Z')).toBe('OK');
    expect(await at('2026-12-01T00:00:00.000Z')).toBe('DOCUMENT_EXPIRED');
    expect(await at('2030-01-01T00:00:00.000Z')).toBe('DOCUMENT_EXPIRED');
    // Without now, the current time is used; null skips the check.
    const old = await sign(1, { issuedAt: new Date('2020-01-01T00:00:00Z'), validUntil: new Date('2020-02-01T00:00:00Z') });
    expect(await codeOf(verifyDocument(keys.publicKey, old))).toBe('DOCUMENT_EXPIRED');
    expect(await codeOf(verifyDocument(keys.publicKey, old, { now: null }))).toBe('OK');
    const fresh = await signDocument(keys, { type: 'wall', campaign, serial: 2, data });
    expect(await codeOf(verifyDocument(keys.publicKey, fresh))).toBe('OK');
    // A forged, foreign or mistyped expired document reports that, not expiry.
    const late = new Date('2031-01-01T00:00:00.000Z');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, payload: { ...doc.payload, serial: 9 } }, { now: late }))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(other.publicKey, doc, { now: late }))).toBe('KEY_MISMATCH');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { now: late, type: 'notice' }))).toBe('DOCUMENT_TYPE_MISMATCH');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { now: late, campaign: 'elsewhere' }))).toBe('CAMPAIGN_MISMATCH');
    await expect(verifyDocument(keys.publicKey, doc, { now: new Date(Number.NaN) })).rejects.toThrow(/^now:/);
    await expect(verifyDocument(keys.publicKey, doc, { now: '2026-01-01' as never })).rejects.toThrow(TypeError);
  });

  it('refuses a document with a lower serial than the one already seen, before checking expiry', async () => {
    const doc = await sign(7);
    const now = new Date('2026-11-28T00:00:00.000Z');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { now, minSerial: 7 }))).toBe('OK');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { now, minSerial: 6 }))).toBe('OK');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { now, minSerial: 8 }))).toBe('DOCUMENT_ROLLED_BACK');
    expect(await codeOf(verifyDocument(keys.publicKey, doc, { now: new Date('2099-01-01T00:00:00Z'), minSerial: 8 }))).toBe('DOCUMENT_ROLLED_BACK');
    expect(await codeOf(verifyDocument(other.publicKey, doc, { now, minSerial: 8 }))).toBe('KEY_MISMATCH');
    await expect(verifyDocument(keys.publicKey, doc, { now, minSerial: 1.5 })).rejects.toThrow(/^minSerial:/);
  });

  it('refuses a document whose dates are not real, not in the exact form, or out of order', async () => {
    const doc = await sign(1);
    const now = new Date('2026-11-28T00:00:00.000Z');
    const withPayload = (change: object) => ({ ...doc, payload: { ...doc.payload, ...change } });
    for (const change of [
      { issuedAt: '2026-13-45T25:61:61.000Z' },
      { issuedAt: '2026-02-30T10:00:00.000Z' },
      { issuedAt: '2026-11-27T10:00:00Z' },
      { issuedAt: '2026-11-27T10:00:00.000+00:00' },
      { issuedAt: '+002026-11-27T10:00:00.000Z' },
      { validUntil: '2026-11-27T10:00:00.000Z' },
      { validUntil: '2026-11-26T10:00:00.000Z' },
      { validUntil: undefined },
      { serial: 0 },
      { serial: 1.5 },
      { serial: Number.MAX_SAFE_INTEGER + 1 },
      { serial: '1' },
      { serial: undefined },
    ]) {
      expect(await codeOf(verifyDocument(keys.publicKey, withPayload(change), { now })), JSON.stringify(change)).toBe('MALFORMED_DOCUMENT');
    }
  });
});
