// Interoperability with a separately built libsodium (the sodium-native binding, compiled C),
// following only docs/format.md: what the core seals, plain libsodium opens, and the reverse.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  generateCampaignKeys,
  openSubmission,
  sealSubmission,
  signDocument,
  verifyDocument,
  withdrawalHash,
} from '@secure-sign/crypto';

const sodium = createRequire(import.meta.url)('sodium-native') as {
  crypto_box_SEALBYTES: number;
  crypto_box_seal(c: Buffer, m: Buffer, pk: Buffer): void;
  crypto_box_seal_open(m: Buffer, c: Buffer, pk: Buffer, sk: Buffer): boolean;
  crypto_sign_detached(sig: Buffer, m: Buffer, sk: Buffer): void;
  crypto_sign_verify_detached(sig: Buffer, m: Buffer, pk: Buffer): boolean;
  randombytes_buf(b: Buffer): void;
};

const keys = await generateCampaignKeys();
const campaign = 'interop';
const signer = {
  kind: 'organisation',
  name: 'Søren Kierkegaard',
  email: 'soren@example.dk',
  organisation: 'Eksempel',
  consent: { listPublicly: true, contactLater: false },
} as const;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** Pads per format.md §3.3 using only the spec's rule. */
function specPad(message: Buffer): Buffer {
  const size = [1024, 2048, 4096, 8192, 16384, 32768].find((b) => b > message.length)!;
  const out = Buffer.alloc(size);
  message.copy(out);
  out[message.length] = 0x80;
  return out;
}

describe('interoperability with sodium-native', () => {
  it('sodium-native opens an envelope sealed by the core', async () => {
    const secret = Buffer.alloc(32);
    sodium.randombytes_buf(secret);
    const envelope = await sealSubmission({
      publicKey: keys.publicKey, campaign, signer, createdAt: 1_700_000_000_000, withdrawalSecret: b64url(secret),
    });
    // wh is SHA-256 of the secret's 32 bytes, computed here with Node's own SHA-256.
    const wh = b64url(createHash('sha256').update(secret).digest());
    expect(envelope.wh).toBe(wh);
    const sealed = Buffer.from(envelope.ct, 'base64url');
    const padded = Buffer.alloc(sealed.length - sodium.crypto_box_SEALBYTES);
    const ok = sodium.crypto_box_seal_open(
      padded,
      sealed,
      Buffer.from(keys.publicKey.encryptionKey),
      Buffer.from(keys.encryptionSecretKey),
    );
    expect(ok).toBe(true);
    const end = padded.lastIndexOf(0x80);
    expect(padded.subarray(end + 1).every((b) => b === 0)).toBe(true);
    const plaintext = JSON.parse(padded.subarray(0, end).toString('utf8'));
    expect(plaintext).toEqual({ v: 1, campaign, sid: envelope.sid, wh, createdAt: 1_700_000_000_000, signer });
  });

  it('the core opens an envelope sealed by sodium-native', async () => {
    const sidBytes = Buffer.alloc(16);
    sodium.randombytes_buf(sidBytes);
    const sid = b64url(sidBytes);
    const secret = Buffer.alloc(32);
    sodium.randombytes_buf(secret);
    const wh = b64url(createHash('sha256').update(secret).digest());
    const message = specPad(Buffer.from(canonicalJson({ v: 1, campaign, sid, wh, createdAt: 1, signer }), 'utf8'));
    const sealed = Buffer.alloc(message.length + sodium.crypto_box_SEALBYTES);
    sodium.crypto_box_seal(sealed, message, Buffer.from(keys.publicKey.encryptionKey));
    const envelope = { v: 1, campaign, kid: keys.publicKey.keyId, sid, wh, ct: b64url(sealed) };
    const opened = await openSubmission(keys, JSON.stringify(envelope), { campaign });
    expect(opened.signer).toEqual(signer);
    expect(opened.submissionId).toBe(sid);
    expect(opened.withdrawalHash).toBe(wh);
    expect(withdrawalHash(b64url(secret))).toBe(wh);
  });

  it('signatures verify both ways', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, serial: 1, data: { entries: [] } });
    const signed = Buffer.concat([Buffer.from('secure-sign signed document v1\n'), Buffer.from(canonicalJson(doc.payload))]);
    expect(
      sodium.crypto_sign_verify_detached(Buffer.from(doc.sig, 'base64url'), signed, Buffer.from(keys.publicKey.signingKey)),
    ).toBe(true);

    const payload = {
      type: 'wall', campaign, serial: 12, issuedAt: '2026-01-01T00:00:00.000Z', validUntil: '2026-02-01T00:00:00.000Z',
      data: { entries: [{ name: 'É' }] },
    };
    const sig = Buffer.alloc(64);
    sodium.crypto_sign_detached(
      sig,
      Buffer.concat([Buffer.from('secure-sign signed document v1\n'), Buffer.from(canonicalJson(payload))]),
      Buffer.from(keys.signingSecretKey),
    );
    const verified = await verifyDocument(keys.publicKey, { v: 1, kid: keys.publicKey.keyId, payload, sig: b64url(sig) }, {
      now: new Date('2026-01-15T00:00:00.000Z'),
    });
    expect(verified).toEqual(payload);
  });
});
