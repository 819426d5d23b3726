// Validate once (issue 13): a signer that validateSigner returned is sealed without a second
// validation; anything else, a copy of one included, is validated when sealed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecureSignError, generateCampaignKeys, openSubmission, sealSubmission, sealWithdrawable, signerSchema, validateSigner, type SignerInput } from '@secure-sign/crypto';

const keys = await generateCampaignKeys();
const campaign = 'open-letter';
const input: SignerInput = {
  kind: 'organisation',
  name: '  Ada Lovelace ',
  email: 'ada@example.org',
  organisation: 'Analytical Engines',
  country: 'gb',
  consent: { listPublicly: true, contactLater: false },
  extra: { member: true },
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('validateSigner then sealSubmission', () => {
  it('seals a signer validateSigner returned without validating it again, to the same plaintext', async () => {
    const signer = validateSigner(input);
    const parse = vi.spyOn(signerSchema, 'safeParse');
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    const { withdrawalSecret, envelope: second } = await sealWithdrawable({ publicKey: keys.publicKey, campaign, signer, confirmable: true, lang: 'en' });
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    for (const sealed of [envelope, second]) {
      const opened = await openSubmission(keys, sealed, { campaign });
      expect(opened.signer).toEqual({ ...signer, name: 'Ada Lovelace', country: 'GB' });
      expect(opened.signer).toEqual(validateSigner(input));
    }
    expect(withdrawalSecret).toHaveLength(43);
  });

  it('validates anything else when sealing: raw input, and a copy of a validated signer', async () => {
    const signer = validateSigner(input);
    const parse = vi.spyOn(signerSchema, 'safeParse');
    await sealSubmission({ publicKey: keys.publicKey, campaign, signer: input });
    expect(parse).toHaveBeenCalledTimes(1);
    await sealSubmission({ publicKey: keys.publicKey, campaign, signer: { ...signer } });
    expect(parse).toHaveBeenCalledTimes(2);
    // A copy changed after validation is refused, not sealed.
    const changed = { ...signer, email: 'not an address' };
    const error = await sealSubmission({ publicKey: keys.publicKey, campaign, signer: changed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecureSignError);
    expect((error as SecureSignError).code).toBe('SCHEMA_VIOLATION');
  });

  it('returns a frozen signer (nested objects too) and leaves the input as it was', () => {
    const copy = structuredClone(input);
    const signer = validateSigner(copy);
    expect(Object.isFrozen(signer)).toBe(true);
    expect(Object.isFrozen(signer.consent)).toBe(true);
    expect(Object.isFrozen(signer.extra)).toBe(true);
    expect(() => {
      (signer as { email: string }).email = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (signer.consent as { listPublicly: boolean }).listPublicly = false;
    }).toThrow(TypeError);
    expect(Object.isFrozen(copy)).toBe(false);
    expect(copy).toEqual(input);
  });
});
