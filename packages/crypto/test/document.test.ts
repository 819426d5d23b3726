import { describe, expect, it } from 'vitest';
import {
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
    const doc = await signDocument(keys, { type: 'wall', campaign, data, issuedAt: new Date('2026-11-27T00:00:00Z') });
    const payload = await verifyDocument(keys.publicKey, JSON.stringify(doc), { type: 'wall', campaign });
    expect(payload).toEqual({ type: 'wall', campaign, issuedAt: '2026-11-27T00:00:00.000Z', data });
  });

  it('does not depend on member order or white space', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, data: { z: 1, a: { y: 2, b: 3 } } });
    const reordered = JSON.stringify(
      { sig: doc.sig, payload: { data: { a: { b: 3, y: 2 }, z: 1 }, campaign, type: 'wall', issuedAt: doc.payload.issuedAt }, v: 1, kid: doc.kid },
      null,
      4,
    );
    expect(await codeOf(verifyDocument(keys.publicKey, reordered, { type: 'wall' }))).toBe('OK');
  });

  it('rejects any change, another signer, another type or campaign, each by its code', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, data });
    const tampered = structuredClone(doc);
    tampered.payload.data.entries[0]!.name = 'Mallory';
    expect(await codeOf(verifyDocument(keys.publicKey, tampered))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(keys.publicKey, { ...doc, payload: { ...doc.payload, issuedAt: '2020-01-01T00:00:00.000Z' } }))).toBe('AUTHENTICATION_FAILED');
    expect(await codeOf(verifyDocument(other.publicKey, doc))).toBe('KEY_MISMATCH');
    const forged = await signDocument(other, { type: 'wall', campaign, data });
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
    await expect(signDocument(keys, { type: 'Wall!', campaign, data })).rejects.toThrow(/^type:/);
    await expect(signDocument(keys, { type: 'wall', campaign: 'x/y', data })).rejects.toThrow(/^campaign:/);
    await expect(signDocument(keys, { type: 'wall', campaign, data: { x: 0.5 } })).rejects.toThrow(TypeError);
  });
});
