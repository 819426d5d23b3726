// sodium-native and crypto's WebAssembly open the same envelopes the same way: every envelope
// vector of packages/crypto/test-vectors, and corrupted copies of the successful ones.
import { canonicalJson, generateCampaignKeys, isSecureSignError, openEnvelopeWith, openSubmission, parseCampaignSecretKey, type CampaignKeyPair } from '@secure-sign/crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadOpen, loadSealOpen, type OpenFunction } from '../src/native-open.js';

const dir = new URL('../../crypto/test-vectors/', import.meta.url);
const files = (JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as string[]).filter((name) => name.startsWith('envelope-'));

function parseVector(text: string): { header: Record<string, string>; body: string } {
  const split = text.indexOf('\n\n');
  const header: Record<string, string> = {};
  for (const line of text.slice(0, split).split('\n')) {
    const colon = line.indexOf(': ');
    header[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return { header, body: text.slice(split + 2).replace(/\n$/, '') };
}
const vectors = files.map((name) => ({ name, ...parseVector(readFileSync(new URL(name, dir), 'utf8')) }));

/** What an open did, in the vectors' words: `success` and the canonical plaintext, or the error code. */
async function outcome(open: OpenFunction, keys: CampaignKeyPair, body: string, campaign: string | undefined): Promise<{ outcome: string; output?: string }> {
  try {
    const opened = await open(keys, body, campaign === undefined ? {} : { campaign });
    const confirmation = { ...(opened.confirmationSecret === undefined ? {} : { cs: opened.confirmationSecret }), ...(opened.lang === undefined ? {} : { lang: opened.lang }) };
    return { outcome: 'success', output: canonicalJson({ v: 1, campaign: opened.campaign, sid: opened.submissionId, wh: opened.withdrawalHash, createdAt: opened.createdAt, signer: opened.signer, ...confirmation }) };
  } catch (error) {
    if (!isSecureSignError(error)) throw error;
    return { outcome: error.code.toLowerCase().replaceAll('_', ' ') };
  }
}

describe('opening envelopes with sodium-native', () => {
  const native = loadOpen();

  it('loads sodium-native here (its npm package ships a prebuilt binary for this platform)', () => {
    expect(native.backend).toBe('sodium-native');
    expect(native.open).not.toBe(openSubmission);
  });

  it('falls back to the WebAssembly build when sodium-native cannot be loaded', async () => {
    const fallback = loadOpen(() => {
      throw new Error('Cannot find module sodium-native');
    });
    expect(fallback.backend).toBe('wasm');
    expect(fallback.open).toBe(openSubmission);
  });

  it('gives every envelope vector its expected outcome and output, exactly as the WebAssembly build does', async () => {
    expect(vectors.length).toBeGreaterThan(20);
    const seen = new Set<string>();
    for (const { name, header, body } of vectors) {
      const keys = await parseCampaignSecretKey(header['secret-key'] as string);
      const fromNative = await outcome(native.open, keys, body, header['campaign']);
      const fromWasm = await outcome(openSubmission, keys, body, header['campaign']);
      expect(fromNative, name).toEqual(fromWasm);
      expect(fromNative.outcome, name).toBe(header['expect']);
      if (fromNative.outcome === 'success') expect(fromNative.output, name).toBe(header['plaintext']);
      seen.add(fromNative.outcome);
    }
    for (const expected of ['success', 'authentication failed', 'bad padding', 'schema violation', 'campaign mismatch', 'submission mismatch', 'withdrawal mismatch', 'key mismatch', 'malformed envelope', 'oversize']) {
      expect(seen).toContain(expected);
    }
  });

  it('agrees with the WebAssembly build on corrupted ciphertexts and envelopes', async () => {
    let count = 0;
    for (const { name, header, body } of vectors.filter((v) => v.header['expect'] === 'success')) {
      const keys = await parseCampaignSecretKey(header['secret-key'] as string);
      const envelope = JSON.parse(body) as Record<string, string>;
      const ct = envelope['ct'] as string;
      const variants = [
        // One character of the ciphertext changed, at the start (ephemeral key), middle, end (tag area).
        ...[0, 10, Math.floor(ct.length / 2), ct.length - 3].map((at) => ({ ...envelope, ct: ct.slice(0, at) + (ct[at] === 'A' ? 'B' : 'A') + ct.slice(at + 1) })),
        { ...envelope, ct: ct.slice(0, -4) },
        { ...envelope, ct: ct.slice(0, 60) },
        { ...envelope, sid: 'AAAAAAAAAAAAAAAAAAAAAA' },
        { ...envelope, campaign: 'another-campaign' },
        { ...envelope, wh: 'A'.repeat(42) + 'E' },
      ];
      for (const variant of variants) {
        const text = JSON.stringify(variant);
        const fromNative = await outcome(native.open, keys, text, undefined);
        expect(fromNative, name).toEqual(await outcome(openSubmission, keys, text, undefined));
        expect(fromNative.outcome).not.toBe('success');
        count++;
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  // What the decryption workers run: one parse, the key chosen by kid among several.
  it('opens with the key its kid names among several, with the outcomes of openSubmission, with sodium-native and with the WebAssembly fallback', async () => {
    const native = await loadSealOpen();
    const wasm = await loadSealOpen(() => {
      throw new Error('Cannot find module sodium-native');
    });
    expect([native.backend, wasm.backend]).toEqual(['sodium-native', 'wasm']);
    const other = await generateCampaignKeys();
    let compared = 0;
    for (const { name, header, body } of vectors) {
      const keys = await parseCampaignSecretKey(header['secret-key'] as string);
      for (const campaign of [header['campaign'], undefined, 'another-campaign']) {
        const expected = await outcome(openSubmission, keys, body, campaign);
        for (const { sealOpen } of [native, wasm]) {
          // The right key among others: the outcome of openSubmission with it.
          const byKid = new Map([[other.publicKey.keyId, other], [keys.publicKey.keyId, keys]]);
          const open = openEnvelopeWith(sealOpen, (kid) => byKid.get(kid));
          const got = await outcome(async (_keys, input, options) => open(input, options).opened, keys, body, campaign);
          expect(got, name).toEqual(expected);
          // Without its key: the outcome of openSubmission with another key (key mismatch after the envelope's own checks).
          const without = openEnvelopeWith(sealOpen, (kid) => (kid === other.publicKey.keyId ? other : undefined));
          const missing = await outcome(async (_keys, input, options) => without(input, options).opened, other, body, campaign);
          expect(missing, name).toEqual(await outcome(openSubmission, other, body, campaign));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
