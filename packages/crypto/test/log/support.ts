// Helpers of the log tests: an RFC 6962 reference written straight from the RFC's recursive
// definitions (independent of src/log/tree.ts), the 8-leaf test tree, and Ed25519 from node:crypto.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createHash } from 'node:crypto';

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
export const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** RFC 6962 §2.1 MTH over entries (not leaf hashes), with node:crypto's SHA-256. */
export function referenceMth(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 0) return sha();
  if (entries.length === 1) return sha(new Uint8Array([0]), entries[0]!);
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return sha(new Uint8Array([1]), referenceMth(entries.slice(0, k)), referenceMth(entries.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]). */
export function referencePath(m: number, entries: readonly Uint8Array[]): Uint8Array[] {
  const n = entries.length;
  if (n === 1) return [];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k
    ? [...referencePath(m, entries.slice(0, k)), referenceMth(entries.slice(k))]
    : [...referencePath(m - k, entries.slice(k)), referenceMth(entries.slice(0, k))];
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) via SUBPROOF. */
export function referenceProof(m: number, entries: readonly Uint8Array[]): Uint8Array[] {
  const subproof = (m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] => {
    const n = d.length;
    if (m === n) return b ? [] : [referenceMth(d)];
    let k = 1;
    while (k * 2 < n) k *= 2;
    return m <= k
      ? [...subproof(m, d.slice(0, k), b), referenceMth(d.slice(k))]
      : [...subproof(m - k, d.slice(k), false), referenceMth(d.slice(0, k))];
  };
  return subproof(m, entries, true);
}

/** The RFC 6962 test tree's eight entries (as in the CT reference implementation's tests). */
export const RFC6962_ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);

/** Roots of the RFC 6962 test tree for sizes 1 to 8. */
export const RFC6962_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** n distinct entries. */
export function entries(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new TextEncoder().encode(`entry ${i}`));
}

/** libsodium-shaped Ed25519 verify, from node:crypto. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, signature);
}

/** A fresh Ed25519 key: its raw public key and a sign function. */
export function ed25519Key(): { publicKey: Uint8Array; sign: (message: Uint8Array) => Uint8Array } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  return {
    publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
    sign: (message) => new Uint8Array(sign(null, message, key)),
  };
}
