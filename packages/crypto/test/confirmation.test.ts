// Confirmation secrets (docs/format.md §3.7): `ch` outside the envelope, `cs` and `lang` inside,
// the binding rule of §3.5 step 9 and its CONFIRMATION_MISMATCH outcome, both ways.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SecureSignError,
  canonicalJson,
  confirmationHash,
  createConfirmationSecret,
  createWithdrawalSecret,
  formatEnvelope,
  formatSecretCode,
  formatWithdrawalCode,
  generateCampaignKeys,
  openSubmission,
  openSubmissionWith,
  parseEnvelope,
  parseSecretCode,
  parseWithdrawalCode,
  sealSubmission,
  sealWithdrawable,
  withdrawalHash,
  type SignerInput,
} from '@secure-sign/crypto';
import { pad } from '../src/padding.js';
import { ready } from '../src/sodium.js';
import { toBase64Url } from '../src/encode.js';

const keys = await generateCampaignKeys();
const campaign = 'open-letter';
const signer: SignerInput = { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } };
const nodeHash = (secret: string) => createHash('sha256').update(Buffer.from(secret, 'base64url')).digest('base64url');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecureSignError) return error.code;
    throw error;
  }
  return 'OK';
}

/** Seals `plaintext` (any object) by hand, as a hostile or buggy sender could, in an envelope with `outer` members. */
async function sealRaw(plaintext: Record<string, unknown>, outer: Record<string, unknown>): Promise<string> {
  const sodium = await ready();
  const ct = toBase64Url(sodium.crypto_box_seal(pad(new TextEncoder().encode(canonicalJson(plaintext as never))), keys.publicKey.encryptionKey));
  return JSON.stringify({ v: 1, campaign, kid: keys.publicKey.keyId, ...outer, ct });
}

const SID = 'AAECAwQFBgcICQoLDA0ODw';
const base = (wh: string) => ({ v: 1, campaign, sid: SID, wh, createdAt: 1795740000000, signer: { ...signer } });

describe('confirmation secrets', () => {
  it('createConfirmationSecret gives 32 random bytes and their SHA-256, both canonical base64url', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { secret, hash } = createConfirmationSecret();
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      expect(Buffer.from(secret, 'base64url').toString('base64url')).toBe(secret);
      expect(hash).toBe(nodeHash(secret));
      expect(confirmationHash(secret)).toBe(hash);
      seen.add(secret);
    }
    expect(seen.size).toBe(20);
  });

  it('confirmationHash refuses what is not 32 canonical bytes, without quoting it', () => {
    for (const bad of ['', 'AAAA', '8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PB', `${'A'.repeat(43)}=`]) {
      expect(() => confirmationHash(bad)).toThrow(TypeError);
    }
    try {
      confirmationHash('8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PB');
    } catch (error) {
      expect((error as Error).message).not.toContain('8PDw');
    }
  });

  it('formatSecretCode and parseSecretCode are the withdrawal code functions', () => {
    expect(formatSecretCode).toBe(formatWithdrawalCode);
    expect(parseSecretCode).toBe(parseWithdrawalCode);
    const { secret } = createConfirmationSecret();
    expect(parseSecretCode(` ${formatSecretCode(SID, secret)}\n`)).toEqual({ sid: SID, secret });
  });
});

describe('sealing and opening with ch, cs and lang', () => {
  it('sealSubmission with confirmationSecret puts ch outside and cs inside, with lang', async () => {
    const { secret, hash } = createConfirmationSecret();
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer, confirmationSecret: secret, lang: 'pt-BR' });
    expect(envelope.ch).toBe(hash);
    expect(Object.keys(envelope)).toEqual(['v', 'campaign', 'kid', 'sid', 'wh', 'ch', 'ct']);
    const text = formatEnvelope(envelope);
    expect(text.indexOf('"ch"')).toBeGreaterThan(text.indexOf('"wh"'));
    expect(text.indexOf('"ch"')).toBeLessThan(text.indexOf('"ct"'));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('pt-BR');
    const opened = await openSubmission(keys, text, { campaign });
    expect(opened.confirmationSecret).toBe(secret);
    expect(opened.ch).toBe(hash);
    expect(opened.lang).toBe('pt-BR');
    expect(nodeHash(opened.confirmationSecret as string)).toBe(opened.ch);
  });

  it('sealSubmission without confirmationSecret has neither ch nor cs, and lang alone is allowed', async () => {
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer, lang: 'fr' });
    expect('ch' in envelope).toBe(false);
    expect(formatEnvelope(envelope)).not.toContain('"ch"');
    const opened = await openSubmission(keys, envelope);
    expect(opened.confirmationSecret).toBeUndefined();
    expect(opened.ch).toBeUndefined();
    expect(opened.lang).toBe('fr');
    const plain = await openSubmission(keys, await sealSubmission({ publicKey: keys.publicKey, campaign, signer }));
    expect(plain.lang).toBeUndefined();
  });

  it('sealWithdrawable with confirmable draws and returns a confirmation secret; without, none', async () => {
    const sealed = await sealWithdrawable({ publicKey: keys.publicKey, campaign, signer, confirmable: true, lang: 'de' });
    expect(sealed.confirmationSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sealed.confirmationSecret).not.toBe(sealed.withdrawalSecret);
    expect(sealed.envelope.ch).toBe(confirmationHash(sealed.confirmationSecret as string));
    expect(sealed.envelope.wh).toBe(withdrawalHash(sealed.withdrawalSecret));
    const opened = await openSubmission(keys, formatEnvelope(sealed.envelope));
    expect(opened.confirmationSecret).toBe(sealed.confirmationSecret);
    expect(opened.lang).toBe('de');
    const plain = await sealWithdrawable({ publicKey: keys.publicKey, campaign, signer });
    expect(plain.confirmationSecret).toBeUndefined();
    expect(plain.envelope.ch).toBeUndefined();
    const no = await sealWithdrawable({ publicKey: keys.publicKey, campaign, signer, confirmable: false });
    expect(no.envelope.ch).toBeUndefined();
  });

  it('refuses a malformed confirmationSecret or lang when sealing, without quoting them', async () => {
    await expect(sealSubmission({ publicKey: keys.publicKey, campaign, signer, confirmationSecret: 'short' })).rejects.toThrow(TypeError);
    for (const lang of ['EN', 'english', 'e', 'en_GB', 'en-', `en-${'a'.repeat(9)}`, 'en-a-b-c-d', '']) {
      await expect(sealSubmission({ publicKey: keys.publicKey, campaign, signer, lang })).rejects.toThrow(/^lang: /);
    }
  });

  it('parseEnvelope keeps ch in the normalised order and refuses a non-canonical ch', () => {
    const { hash } = createConfirmationSecret();
    const wh = createWithdrawalSecret().hash;
    const parsed = parseEnvelope(JSON.stringify({ ct: 'AA', ch: hash, wh, sid: SID, kid: 'aaaaaaaaaaaaaaaa', campaign, v: 1 }));
    expect(formatEnvelope(parsed)).toBe(JSON.stringify({ v: 1, campaign, kid: 'aaaaaaaaaaaaaaaa', sid: SID, wh, ch: hash, ct: 'AA' }));
    const bad = `${hash.slice(0, 42)}B`; // unused low bits set
    expect(() => parseEnvelope({ v: 1, campaign, kid: 'aaaaaaaaaaaaaaaa', sid: SID, wh, ch: bad, ct: 'AA' })).toThrow(
      expect.objectContaining({ code: 'MALFORMED_ENVELOPE' }),
    );
    expect(() => parseEnvelope({ v: 1, campaign, kid: 'aaaaaaaaaaaaaaaa', sid: SID, wh, ch: null, ct: 'AA' })).toThrow(
      expect.objectContaining({ code: 'MALFORMED_ENVELOPE' }),
    );
  });
});

describe('the confirmation binding (format.md §3.5 step 9)', () => {
  const withdrawal = createWithdrawalSecret();
  const confirmation = createConfirmationSecret();
  const outer = { sid: SID, wh: withdrawal.hash };

  it('an envelope with ch whose plaintext has no cs is a confirmation mismatch', async () => {
    const text = await sealRaw(base(withdrawal.hash), { ...outer, ch: confirmation.hash });
    expect(await codeOf(openSubmission(keys, text))).toBe('CONFIRMATION_MISMATCH');
  });

  it('a plaintext with cs in an envelope without ch is a confirmation mismatch', async () => {
    const text = await sealRaw({ ...base(withdrawal.hash), cs: confirmation.secret }, outer);
    expect(await codeOf(openSubmission(keys, text))).toBe('CONFIRMATION_MISMATCH');
  });

  it('a cs that does not hash to ch is a confirmation mismatch (a collector swapping ch is caught)', async () => {
    const other = createConfirmationSecret();
    const text = await sealRaw({ ...base(withdrawal.hash), cs: confirmation.secret }, { ...outer, ch: other.hash });
    expect(await codeOf(openSubmission(keys, text))).toBe('CONFIRMATION_MISMATCH');
    // The same check through openSubmissionWith.
    const sodium = await ready();
    const open = openSubmissionWith((box, pk, sk) => {
      try {
        return sodium.crypto_box_seal_open(box, pk, sk);
      } catch {
        return undefined;
      }
    });
    expect(() => open(keys, text)).toThrow(expect.objectContaining({ code: 'CONFIRMATION_MISMATCH' }));
    const good = await sealRaw({ ...base(withdrawal.hash), cs: confirmation.secret }, { ...outer, ch: confirmation.hash });
    expect(open(keys, good).confirmationSecret).toBe(confirmation.secret);
  });

  it('the mismatch message quotes neither the secret nor the hash', async () => {
    const other = createConfirmationSecret();
    const text = await sealRaw({ ...base(withdrawal.hash), cs: confirmation.secret }, { ...outer, ch: other.hash });
    const error = await openSubmission(keys, text).catch((e: Error) => e);
    expect((error as Error).message).not.toContain(confirmation.secret);
    expect((error as Error).message).not.toContain(other.hash);
  });

  it('a malformed cs or lang inside is a schema violation', async () => {
    const badCs = await sealRaw({ ...base(withdrawal.hash), cs: 'AAAA' }, { ...outer, ch: confirmation.hash });
    expect(await codeOf(openSubmission(keys, badCs))).toBe('SCHEMA_VIOLATION');
    for (const lang of ['EN', 'en_GB', `${'a'.repeat(3)}-${'b'.repeat(8)}-${'c'.repeat(8)}-${'d'.repeat(8)}-e`, 7, '']) {
      const text = await sealRaw({ ...base(withdrawal.hash), lang }, outer);
      expect(await codeOf(openSubmission(keys, text))).toBe('SCHEMA_VIOLATION');
    }
    const longest = `abc-${'B'.repeat(8)}-${'c'.repeat(8)}-${'9'.repeat(8)}`; // 3 + 3 × 9 = 30 characters
    const ok = await sealRaw({ ...base(withdrawal.hash), lang: longest }, outer);
    expect((await openSubmission(keys, ok)).lang).toBe(longest);
  });

  it('the withdrawal check comes before the confirmation check', async () => {
    const text = await sealRaw(base(createWithdrawalSecret().hash), { ...outer, ch: confirmation.hash });
    expect(await codeOf(openSubmission(keys, text))).toBe('WITHDRAWAL_MISMATCH');
  });
});
