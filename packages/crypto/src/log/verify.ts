// Proof verification, following RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by
// step, with "right-shift" written as halving so that sizes up to 2^53 - 1 work (JavaScript's bit
// operators are 32-bit). Hostile input gets a LogError: MALFORMED_PROOF when the proof cannot be
// one for these sizes at all, PROOF_MISMATCH when it is well formed but leads elsewhere.
import { bytesEqual } from './bytes.js';
import { LogError } from './errors.js';
import { HASH_SIZE, nodeHash } from './hash.js';

function malformed(message: string): LogError {
  return new LogError('MALFORMED_PROOF', message);
}

function checkSizeValue(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`${name} must be a non-negative integer below 2^53`);
  }
}

function checkHashValue(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) throw malformed(`${name} must be a ${HASH_SIZE}-byte hash`);
}

function checkProofValue(proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) throw malformed('the proof must be a list of hashes');
  proof.forEach((hash, i) => checkHashValue(`proof hash ${i}`, hash));
}

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

/** Number of hashes in the inclusion proof of `index` in a tree of `size` (index < size). */
function inclusionProofLength(index: number, size: number): number {
  // The audit path has one hash per level at which the leaf's path has a sibling.
  let length = 0;
  let fn = index;
  let sn = size - 1;
  while (sn > 0) {
    if (odd(fn) || fn !== sn) length++;
    fn = half(fn);
    sn = half(sn);
  }
  return length;
}

/**
 * The root hash that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-4), for callers that
 * compare it themselves. Most callers want {@link verifyInclusion}.
 *
 * @throws LogError `MALFORMED_PROOF` if index >= size, a hash is not 32 bytes, or the proof has the wrong length.
 */
export function rootFromInclusionProof(leafHashValue: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Uint8Array {
  checkSizeValue('index', index);
  checkSizeValue('size', size);
  checkHashValue('leaf hash', leafHashValue);
  checkProofValue(proof);
  if (index >= size) throw malformed(`leaf index ${index} is not below tree size ${size}`);
  const expected = inclusionProofLength(index, size);
  if (proof.length !== expected) throw malformed(`an inclusion proof of index ${index} in size ${size} has ${expected} hashes, not ${proof.length}`);
  let fn = index;
  let sn = size - 1;
  let r = leafHashValue;
  for (const p of proof) {
    if (sn === 0) throw malformed('the inclusion proof is too long');
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw malformed('the inclusion proof is too short');
  return r.slice();
}

/**
 * Verifies that `leafHash` is leaf number `index` of the tree of `size` leaves whose root is
 * `root` (RFC 9162 §2.1.3.2).
 *
 * @throws LogError `MALFORMED_PROOF` if index >= size, any hash is not 32 bytes, or the proof has the wrong length.
 * @throws LogError `PROOF_MISMATCH` if the proof leads to another root.
 * @example
 * ```ts
 * verifyInclusion(leafHash(entry), receipt.index, checkpoint.size, proof, checkpoint.rootHash);
 * ```
 */
export function verifyInclusion(leafHashValue: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHashValue('root hash', root);
  const computed = rootFromInclusionProof(leafHashValue, index, size, proof);
  if (!bytesEqual(computed, root)) throw new LogError('PROOF_MISMATCH', `the inclusion proof of index ${index} does not lead to the root hash of size ${size}`);
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
 * with root `root1` (RFC 9162 §2.1.4.2): the log only appended. Equal sizes need an empty proof
 * and equal roots. `size1` must be at least 1: every tree extends the empty tree, so there is
 * nothing to prove (and no proof is accepted) from size 0.
 *
 * @throws LogError `MALFORMED_PROOF` if size1 > size2, size1 = 0, any hash is not 32 bytes, or the proof has the wrong length.
 * @throws LogError `PROOF_MISMATCH` if the proof does not connect the two roots (a rewritten history).
 * @example
 * ```ts
 * verifyConsistency(pinned.size, latest.size, proof, pinned.rootHash, latest.rootHash);
 * ```
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkSizeValue('size1', size1);
  checkSizeValue('size2', size2);
  checkHashValue('first root hash', root1);
  checkHashValue('second root hash', root2);
  checkProofValue(proof);
  if (size1 > size2) throw malformed(`the first size ${size1} exceeds the second ${size2}`);
  if (size1 === 0) throw malformed('there is no consistency proof from the empty tree');
  const mismatch = () => new LogError('PROOF_MISMATCH', `the consistency proof does not connect size ${size1} to size ${size2}`);
  if (size1 === size2) {
    if (proof.length !== 0) throw malformed('a consistency proof between equal sizes must be empty');
    if (!bytesEqual(root1, root2)) throw mismatch();
    return;
  }
  // Step 1: a proof between different sizes is never empty.
  if (proof.length === 0) throw malformed('the consistency proof is empty');
  // Step 2: when size1 is a power of two, the first tree is a complete subtree: its root starts the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4.
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) throw malformed('the consistency proof is too long');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw malformed('the consistency proof is too short');
  if (!bytesEqual(fr, root1) || !bytesEqual(sr, root2)) throw mismatch();
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
