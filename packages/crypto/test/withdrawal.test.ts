// Withdrawal secrets and the `wh` member (docs/format.md §3.6): the hash is bound inside the
// sealed payload, required outside, and computed as SHA-256 of the secret's 32 bytes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SecureSignError,
  createWithdrawalSecret,
  formatEnvelope,
  formatWithdrawalCode,
  generateCampaignKeys,
  openSubmission,
  parseEnvelope,
  parseWithdrawalCode,
  plaintextSchema,
  sealSubmission,
  sealWithdrawable,
  withdrawalHash,
  withdrawalSecretSchema,
  type SignerInput,
} from '@secure-sign/crypto';

const keys = await generateCampaignKeys();
const campaign = 'open-letter';
const signer: SignerInput = { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } };
const nodeWh = (secret: string) => createHash('sha256').update(Buffer.from(secret, 'base64url')).digest('base64url');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecureSignError) return error.code;
    throw error;
  }
  return 'OK';
}

/** Seals `plaintext` (any object) by hand, as a hostile or buggy sender could. */
async function sealRaw(plaintext: object): Promise<string> {
  const { canonicalJson } = await import('@secure-sign/crypto');
  const { pad } = await import('../src/padding.js');
  const { ready } = await import('../src/sodium.js');
  const { toBase64Url } = await import('../src/encode.js');
  const sodium = await ready();
  return toBase64Url(sodium.crypto_box_seal(pad(new TextEncoder().encode(canonicalJson(plaintext))), keys.publicKey.encryptionKey));
}

describe('withdrawal secrets', () => {
  it('createWithdrawalSecret gives 32 random bytes and their SHA-256, both canonical base64url', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { secret, hash } = createWithdrawalSecret();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      expect(Buffer.from(secret, 'base64url').toString('base64url')).toBe(secret);
      expect(hash).toBe(nodeWh(secret));
      expect(withdrawalHash(secret)).toBe(hash);
      seen.add(secret);
    }
    expect(seen.size).toBe(50);
  });

  it('withdrawalHash matches the fixed vector of format.md (32 bytes f0)', () => {
    const secret = Buffer.alloc(32, 0xf0).toString('base64url');
    expect(secret).toBe('8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PA');
    expect(withdrawalHash(secret)).toBe('guVifxGSzJKvW26TVjXyF1dWR9Of3bhJ7JMBMxP0D5w');
    expect(withdrawalHash(secret)).toBe(nodeWh(secret));
  });

  it('withdrawalHash refuses a secret of the wrong length or spelling with a TypeError that does not quote it', () => {
    const good = createWithdrawalSecret().secret;
    const lenient = good.slice(0, -1) + (good.at(-1) === 'A' ? 'B' : String.fromCharCode(good.charCodeAt(42) + 1));
    for (const bad of [
      good.slice(0, -1), // 42 characters
      `${good}A`, // 44
      Buffer.alloc(31, 7).toString('base64url'),
      Buffer.alloc(33, 7).toString('base64url'),
      `${Buffer.alloc(32, 7).toString('base64')}`, // standard base64 with padding
      lenient, // a non-zero unused bit
      good.replace(/.$/, '='),
      '',
      42 as unknown as string,
    ]) {
      expect(() => withdrawalHash(bad), String(bad)).toThrow(TypeError);
      try {
        withdrawalHash(bad);
      } catch (error) {
        if (typeof bad === 'string' && bad.length > 8) expect((error as Error).message).not.toContain(bad);
      }
    }
    expect(withdrawalSecretSchema.safeParse(good).success).toBe(true);
    expect(withdrawalSecretSchema.safeParse(lenient).success).toBe(false);
  });

  it('withdrawal codes are <sid>.<secret>, read back with white space around them forgiven and nothing else', () => {
    const { secret } = createWithdrawalSecret();
    const sid = 'AAECAwQFBgcICQoLDA0ODw';
    const code = formatWithdrawalCode(sid, secret);
    expect(code).toBe(`${sid}.${secret}`);
    expect(code).toHaveLength(66);
    expect(parseWithdrawalCode(code)).toEqual({ sid, secret });
    expect(parseWithdrawalCode(`  ${code}\n`)).toEqual({ sid, secret });
    for (const bad of [`${sid}${secret}`, `${sid}.${secret}.`, `${sid}..${secret}`, `${sid.slice(1)}.${secret}`, `${sid}.${secret.slice(1)}`,
      `${sid} . ${secret}`, `${secret}.${sid}`, '', 'x'.repeat(1000), null]) {
      expect(parseWithdrawalCode(bad), String(bad)).toBeUndefined();
    }
    expect(() => formatWithdrawalCode(sid, 'short')).toThrow(TypeError);
    expect(() => formatWithdrawalCode('short', secret)).toThrow(TypeError);
  });
});

describe('the wh member of envelopes', () => {
  it('sealSubmission with a withdrawal secret puts its hash outside and inside', async () => {
    const { secret, hash } = createWithdrawalSecret();
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer, withdrawalSecret: secret });
    expect(envelope.wh).toBe(hash);
    expect(Object.keys(envelope)).toEqual(['v', 'campaign', 'kid', 'sid', 'wh', 'ct']);
    expect(JSON.stringify(envelope)).not.toContain(secret);
    const opened = await openSubmission(keys, envelope, { campaign });
    expect(opened.withdrawalHash).toBe(hash);
  });

  it('sealSubmission without a secret still carries a random wh, which no one can withdraw with', async () => {
    const a = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    const b = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    expect(a.wh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.wh).not.toBe(b.wh);
    expect((await openSubmission(keys, a)).withdrawalHash).toBe(a.wh);
  });

  it('sealWithdrawable returns the envelope and the secret whose hash it carries', async () => {
    const { envelope, withdrawalSecret } = await sealWithdrawable({ publicKey: keys.publicKey, campaign, signer });
    expect(envelope.wh).toBe(nodeWh(withdrawalSecret));
    expect(JSON.stringify(envelope)).not.toContain(withdrawalSecret);
    expect((await openSubmission(keys, envelope)).withdrawalHash).toBe(envelope.wh);
    const again = await sealWithdrawable({ publicKey: keys.publicKey, campaign, signer, submissionId: envelope.sid });
    expect(again.withdrawalSecret).not.toBe(withdrawalSecret);
  });

  it('sealSubmission refuses a malformed withdrawal secret with a TypeError naming the option', async () => {
    const { secret } = createWithdrawalSecret();
    for (const bad of [secret.slice(1), `${secret}A`, Buffer.alloc(32).toString('hex')]) {
      await expect(sealSubmission({ publicKey: keys.publicKey, campaign, signer, withdrawalSecret: bad })).rejects.toThrow(/^withdrawalSecret:/);
    }
  });

  it('an outer wh changed after sealing is refused as WITHDRAWAL_MISMATCH', async () => {
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    const changed = { ...envelope, wh: createWithdrawalSecret().hash };
    expect(parseEnvelope(changed)).toEqual(changed); // well formed: only opening can tell
    const error = (await openSubmission(keys, changed).catch((e: unknown) => e)) as SecureSignError;
    expect(error.code).toBe('WITHDRAWAL_MISMATCH');
    expect(error.message).not.toContain(changed.wh);
    expect(error.message).not.toContain(envelope.wh);
  });

  it('an inner wh that differs from the outer one is refused as WITHDRAWAL_MISMATCH', async () => {
    const sid = 'AAECAwQFBgcICQoLDA0ODw';
    const outer = createWithdrawalSecret().hash;
    const inner = createWithdrawalSecret().hash;
    const plaintext = { v: 1, campaign, sid, createdAt: 1, signer };
    const envelope = (wh: string, ct: string) => ({ v: 1 as const, campaign, kid: keys.publicKey.keyId, sid, wh, ct });
    expect(await codeOf(openSubmission(keys, envelope(outer, await sealRaw({ ...plaintext, wh: outer }))))).toBe('OK');
    expect(await codeOf(openSubmission(keys, envelope(outer, await sealRaw({ ...plaintext, wh: inner }))))).toBe('WITHDRAWAL_MISMATCH');
    // Checked after the campaign and submission id, as format.md §3.5 step 9 orders them.
    expect(await codeOf(openSubmission(keys, envelope(outer, await sealRaw({ ...plaintext, sid: 'AAAAAAAAAAAAAAAAAAAAAA', wh: inner }))))).toBe(
      'SUBMISSION_MISMATCH',
    );
    // A plaintext without wh, or with a malformed one, breaks the plaintext schema.
    expect(await codeOf(openSubmission(keys, envelope(outer, await sealRaw(plaintext))))).toBe('SCHEMA_VIOLATION');
    expect(await codeOf(openSubmission(keys, envelope(outer, await sealRaw({ ...plaintext, wh: outer.slice(1) }))))).toBe('SCHEMA_VIOLATION');
    expect(plaintextSchema.safeParse({ ...plaintext, wh: outer }).success).toBe(true);
  });

  it('parseEnvelope requires wh: missing, malformed or non-canonical is MALFORMED_ENVELOPE', async () => {
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    const { wh, ...without } = envelope;
    const last = wh.at(-1)!;
    const lenient = wh.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
    for (const bad of [without, { ...envelope, wh: wh.slice(1) }, { ...envelope, wh: `${wh}A` }, { ...envelope, wh: lenient },
      { ...envelope, wh: null }, { ...envelope, wh: Buffer.from(wh, 'base64url').toString('base64') }]) {
      const error = (() => {
        try {
          parseEnvelope(JSON.stringify(bad));
        } catch (e) {
          return e as SecureSignError;
        }
        return undefined;
      })();
      expect(error?.code, JSON.stringify((bad as { wh?: unknown }).wh)).toBe('MALFORMED_ENVELOPE');
      expect(await codeOf(openSubmission(keys, JSON.stringify(bad)))).toBe('MALFORMED_ENVELOPE');
    }
    expect(() => parseEnvelope(without)).toThrow(/wh/);
  });

  it('parseEnvelope and formatEnvelope give the normalised order v, campaign, kid, sid, wh, ct', async () => {
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    const reordered = `{ "ct": "${envelope.ct}", "wh": "${envelope.wh}", "sid": "${envelope.sid}", "kid": "${envelope.kid}", "campaign": "${campaign}", "v": 1 }`;
    const parsed = parseEnvelope(reordered);
    const expected = `{"v":1,"campaign":"${campaign}","kid":"${envelope.kid}","sid":"${envelope.sid}","wh":"${envelope.wh}","ct":"${envelope.ct}"}`;
    expect(JSON.stringify(parsed)).toBe(expected);
    expect(formatEnvelope(parsed)).toBe(expected);
    expect(formatEnvelope({ ...parsed, extra: 'dropped' } as never)).toBe(expected);
    expect(() => formatEnvelope({ ...envelope, wh: undefined } as never)).toThrow(TypeError);
  });
});
