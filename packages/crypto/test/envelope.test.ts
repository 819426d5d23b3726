import { describe, expect, it } from 'vitest';
import {
  AUTHENTICATION_FAILED_MESSAGE,
  LIMITS,
  MAX_CREATED_AT,
  MAX_ENVELOPE_BYTES,
  PADDING_BUCKETS,
  SecureSignError,
  createWithdrawalSecret,
  generateCampaignKeys,
  newSubmissionId,
  openSubmission,
  parseEnvelope,
  sealSubmission,
  validateSigner,
  type SignerInput,
} from '@secure-sign/crypto';

const keys = await generateCampaignKeys();
const other = await generateCampaignKeys();
const campaign = 'open-letter';
const signer: SignerInput = {
  kind: 'individual',
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  comment: 'For strong encryption.',
  consent: { listPublicly: true, contactLater: false },
};
const seal = (s: SignerInput = signer, extra: object = {}) =>
  sealSubmission({ publicKey: keys.publicKey, campaign, signer: s, ...extra });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecureSignError) return error.code;
    throw error;
  }
  return 'OK';
}
const sealedLength = (ct: string) => Math.floor((ct.length * 6) / 8);

describe('sealSubmission and openSubmission', () => {
  it('round-trips a signature and reports its ids', async () => {
    const envelope = await seal();
    expect(envelope).toMatchObject({ v: 1, campaign, kid: keys.publicKey.keyId });
    expect(envelope.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const opened = await openSubmission(keys, JSON.stringify(envelope), { campaign });
    expect(opened.signer).toEqual(signer);
    expect(opened.submissionId).toBe(envelope.sid);
    expect(opened.campaign).toBe(campaign);
    expect(Math.abs(opened.createdAt - Date.now())).toBeLessThan(60_000);
  });

  it('keeps a chosen submission id, so a retry is the same submission', async () => {
    const sid = await newSubmissionId();
    const first = await seal(signer, { submissionId: sid });
    const second = await seal(signer, { submissionId: sid });
    expect(first.sid).toBe(sid);
    expect(second.sid).toBe(sid);
    expect(first.ct).not.toBe(second.ct); // fresh ephemeral key each time
  });

  it('never puts plaintext outside the ciphertext', async () => {
    const text = JSON.stringify(await seal());
    for (const secret of ['Ada', 'ada@example.org', 'encryption', 'Lovelace']) expect(text).not.toContain(secret);
  });

  it('pads to fixed buckets so the length does not reveal field lengths', async () => {
    const short = await seal({ ...signer, name: 'A', comment: 'x' });
    const long = await seal({ ...signer, name: 'A'.repeat(200), comment: 'x'.repeat(500) });
    expect(sealedLength(short.ct)).toBe(1024 + 48);
    expect(sealedLength(long.ct)).toBe(1024 + 48);
    const longer = await seal({ ...signer, comment: '€'.repeat(2000) });
    expect(sealedLength(longer.ct)).toBe(8192 + 48);
    expect(PADDING_BUCKETS).toContain(8192);
  });

  it('normalises what it seals: NFC, trimmed, line breaks, country case', async () => {
    const envelope = await seal({ ...signer, name: '  Zoe\u0308  ', comment: 'a\r\nb', country: 'fr' });
    const { signer: opened } = await openSubmission(keys, envelope);
    expect(opened.name).toBe('Zoë');
    expect(opened.name).toHaveLength(3);
    expect(opened.comment).toBe('a\nb');
    expect(opened.country).toBe('FR');
  });

  it('treats optional fields set to undefined as absent', async () => {
    const envelope = await seal({ ...signer, comment: undefined, role: undefined } as SignerInput);
    const { signer: opened } = await openSubmission(keys, envelope);
    expect(opened).not.toHaveProperty('comment');
    expect(opened).not.toHaveProperty('role');
  });

  it('refuses to seal invalid signer data, naming fields but never values', async () => {
    const error = await seal({ ...signer, email: 'not-an-address', name: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecureSignError);
    const e = error as SecureSignError;
    expect(e.code).toBe('SCHEMA_VIOLATION');
    expect(e.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['email', 'name']));
    expect(e.message).not.toContain('not-an-address');
  });

  it('refuses organisation signatures without an organisation', () => {
    expect(() => validateSigner({ ...signer, kind: 'organisation' })).toThrow(/organisation: required/);
    expect(validateSigner({ ...signer, kind: 'organisation', organisation: 'ACME' }).organisation).toBe('ACME');
  });

  it('bounds and cleans every field', () => {
    const bad: [string, object][] = [
      ['name too long', { name: 'x'.repeat(201) }],
      ['comment too long', { comment: 'x'.repeat(2001) }],
      ['control character', { name: 'Ada\u0000' }],
      ['bidi override', { name: 'Ada\u202e' }],
      ['newline in a name', { name: 'Ada\nL' }],
      ['unknown country', { country: 'XK' }],
      ['unknown field', { phone: '123' }],
      ['too many extra fields', { extra: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, true])) }],
      ['bad extra key', { extra: { 'Bad Key': true } }],
      ['email without a domain dot', { email: 'ada@localhost' }],
      ['email with spaces', { email: 'ada lovelace@example.org' }],
      ['consent missing', { consent: undefined }],
      ['consent as strings', { consent: { listPublicly: 'yes', contactLater: false } }],
    ];
    for (const [why, change] of bad) {
      expect(() => validateSigner({ ...signer, ...change }), why).toThrow(SecureSignError);
    }
    expect(validateSigner({ ...signer, comment: 'x'.repeat(2000) }).comment).toHaveLength(2000);
    expect(validateSigner({ ...signer, comment: '😀'.repeat(2000) }).comment).toHaveLength(4000);
    expect(validateSigner({ ...signer, email: 'zoë@exämple.org' }).email).toBe('zoë@exämple.org');
  });

  it('bounds createdAt to the last millisecond of the year 9999, sealing and opening', async () => {
    expect(MAX_CREATED_AT).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    expect(LIMITS.createdAt).toBe(MAX_CREATED_AT);
    const last = await seal(signer, { createdAt: MAX_CREATED_AT });
    expect((await openSubmission(keys, last)).createdAt).toBe(MAX_CREATED_AT);
    expect((await openSubmission(keys, await seal(signer, { createdAt: 0 }))).createdAt).toBe(0);
    for (const bad of [MAX_CREATED_AT + 1, 8.64e15, -1, 1.5]) {
      await expect(seal(signer, { createdAt: bad }), String(bad)).rejects.toThrow(/^createdAt:/);
    }
    // A hostile sender can seal any createdAt: the reader refuses what the schema does not allow.
    const { canonicalJson } = await import('@secure-sign/crypto');
    const { pad } = await import('../src/padding.js');
    const { ready } = await import('../src/sodium.js');
    const { toBase64Url } = await import('../src/encode.js');
    const sodium = await ready();
    const sid = await newSubmissionId();
    const { hash: wh } = createWithdrawalSecret();
    for (const [createdAt, expected] of [[MAX_CREATED_AT, 'OK'], [MAX_CREATED_AT + 1, 'SCHEMA_VIOLATION'], [8.64e15, 'SCHEMA_VIOLATION']] as const) {
      const plaintext = new TextEncoder().encode(canonicalJson({ v: 1, campaign, sid, wh, createdAt, signer: validateSigner(signer) }));
      const ct = toBase64Url(sodium.crypto_box_seal(pad(plaintext), keys.publicKey.encryptionKey));
      const envelope = { v: 1 as const, campaign, kid: keys.publicKey.keyId, sid, wh, ct };
      expect(await codeOf(openSubmission(keys, envelope)), String(createdAt)).toBe(expected);
    }
  });

  it('applies MAX_ENVELOPE_BYTES (49152) to the UTF-8 bytes of the text, exactly', async () => {
    expect(MAX_ENVELOPE_BYTES).toBe(49152);
    const text = JSON.stringify(await seal());
    const padTo = (size: number) => `${text.slice(0, -1)}${' '.repeat(size - new TextEncoder().encode(text).length)}}`;
    expect(await codeOf(openSubmission(keys, padTo(MAX_ENVELOPE_BYTES)))).toBe('OK');
    expect(await codeOf(openSubmission(keys, padTo(MAX_ENVELOPE_BYTES + 1)))).toBe('OVERSIZE');
    // Bytes, not characters: 'é' is two bytes of UTF-8.
    const wide = `${text.slice(0, -1)},"x":"${'é'.repeat(24000)}"}`;
    expect(wide.length).toBeLessThan(MAX_ENVELOPE_BYTES);
    expect(await codeOf(openSubmission(keys, wide))).toBe('OVERSIZE');
  });

  it('refuses misused arguments with TypeError naming the argument', async () => {
    await expect(sealSubmission({ publicKey: keys.publicKey, campaign: 'Bad/../id', signer })).rejects.toThrow(/^campaign:/);
    await expect(sealSubmission({ publicKey: keys.publicKey, campaign, signer, submissionId: 'short' })).rejects.toThrow(/^submissionId:/);
    await expect(
      sealSubmission({ publicKey: keys.publicKey.keyString as never, campaign, signer }),
    ).rejects.toThrow(TypeError);
  });

  it('tells each failure by its code, with one message for every authentication failure', async () => {
    const envelope = await seal();
    expect(await codeOf(openSubmission(other, envelope))).toBe('KEY_MISMATCH');
    expect(await codeOf(openSubmission(keys, envelope, { campaign: 'elsewhere' }))).toBe('CAMPAIGN_MISMATCH');
    expect(await codeOf(openSubmission(keys, { ...envelope, v: 2 as 1 }))).toBe('UNSUPPORTED_VERSION');
    expect(await codeOf(openSubmission(keys, '{"v":1'))).toBe('MALFORMED_ENVELOPE');
    expect(await codeOf(openSubmission(keys, '[]'))).toBe('MALFORMED_ENVELOPE');
    expect(await codeOf(openSubmission(keys, 'x'.repeat(MAX_ENVELOPE_BYTES + 1)))).toBe('OVERSIZE');

    const wrongKey = await sealSubmission({ publicKey: other.publicKey, campaign, signer });
    const relabelled = { ...wrongKey, kid: keys.publicKey.keyId };
    const flipped = { ...envelope, ct: `${envelope.ct.slice(0, 10)}${envelope.ct[10] === 'A' ? 'B' : 'A'}${envelope.ct.slice(11)}` };
    const messages = new Set<string>();
    for (const bad of [relabelled, flipped]) {
      const error = await openSubmission(keys, bad).catch((e: unknown) => e as SecureSignError);
      expect(error.code).toBe('AUTHENTICATION_FAILED');
      expect(error.cause).toBeUndefined();
      messages.add(error.message);
    }
    expect([...messages]).toEqual([AUTHENTICATION_FAILED_MESSAGE]);
  });

  it('parseEnvelope checks shape without decrypting, for collectors', async () => {
    const envelope = await seal();
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(() => parseEnvelope({ ...envelope, extra: 1 })).toThrow(/unrecognized keys/);
    expect(() => parseEnvelope({ ...envelope, campaign: '../etc' })).toThrow(SecureSignError);
    expect(() => parseEnvelope({ ...envelope, sid: 'A'.repeat(21) + 'B' })).toThrow(SecureSignError);
    expect(() => parseEnvelope(null)).toThrow(/JSON object/);
  });
});
