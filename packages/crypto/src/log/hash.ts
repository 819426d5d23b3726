// RFC 6962 §2.1 hashing with SHA-256: leaves and interior nodes are domain-separated by one
// prefix byte, so that no leaf can be passed off as an interior node (second-preimage defence).
import { sha256 } from './bytes.js';

/** Size in bytes of every hash of the log (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);
const EMPTY_ROOT = sha256(new Uint8Array(0));

/** @internal Throws a TypeError unless `hash` is a 32-byte Uint8Array. */
export function checkHashArgument(name: string, hash: unknown): asserts hash is Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new TypeError(`${name} must be a ${HASH_SIZE}-byte Uint8Array`);
  }
}

/**
 * The RFC 6962 leaf hash of one log entry: SHA-256(0x00 || entry).
 *
 * @example
 * ```ts
 * const hash = leafHash(encodeEntry({ kind: 'stored', submissionId, envelopeHash }));
 * ```
 */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (!(entry instanceof Uint8Array)) throw new TypeError('entry must be a Uint8Array');
  return sha256(LEAF_PREFIX, entry);
}

/**
 * The RFC 6962 hash of an interior node: SHA-256(0x01 || left || right).
 *
 * @throws TypeError if `left` or `right` is not a 32-byte hash.
 * @example
 * ```ts
 * const root = nodeHash(leafHash(a), leafHash(b)); // the root of the tree [a, b]
 * ```
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  checkHashArgument('left', left);
  checkHashArgument('right', right);
  return sha256(NODE_PREFIX, left, right);
}

/**
 * The root hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
 *
 * @example
 * ```ts
 * toHex(emptyRootHash()); // e3b0c442…b855
 * ```
 */
export function emptyRootHash(): Uint8Array {
  return EMPTY_ROOT.slice();
}

/** @internal The largest power of two strictly less than `n` (n >= 2), without 32-bit bit operations. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The Merkle Tree Hash (RFC 6962 §2.1) of a list of leaf hashes, computed directly. Meant for
 * small trees and as a reference; a log keeps its hashes in a {@link MemoryTree} or behind a
 * {@link HashReader} instead.
 *
 * @throws TypeError if a leaf hash is not 32 bytes.
 * @example
 * ```ts
 * rootHash([]);                         // emptyRootHash()
 * rootHash([leafHash(a), leafHash(b)]); // nodeHash(leafHash(a), leafHash(b))
 * ```
 */
export function rootHash(leafHashes: readonly Uint8Array[]): Uint8Array {
  leafHashes.forEach((hash, i) => checkHashArgument(`leafHashes[${i}]`, hash));
  const mth = (start: number, end: number): Uint8Array => {
    const n = end - start;
    if (n === 1) return leafHashes[start] as Uint8Array;
    const k = splitPoint(n);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return leafHashes.length === 0 ? emptyRootHash() : mth(0, leafHashes.length).slice();
}
