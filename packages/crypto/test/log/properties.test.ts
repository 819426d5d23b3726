// Property tests (fast-check): any change to a valid proof, leaf, root, index or size is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogError, MemoryTree, leafHash, verifyConsistency, verifyInclusion } from '../../src/log/index.js';
import { entries } from './support.js';

const MAX = 300;
const items = entries(MAX);
const tree = new MemoryTree();
for (const item of items) tree.appendEntry(item);

/** Runs `verify`: 'ok', or the LogError code; any other exception fails the property. */
function outcome(verify: () => void): string {
  try {
    verify();
    return 'ok';
  } catch (error) {
    if (error instanceof LogError) return error.code;
    throw error;
  }
}

const flip = (bytes: Uint8Array, bit: number): Uint8Array => {
  const copy = bytes.slice();
  copy[Math.floor(bit / 8) % copy.length]! ^= 1 << bit % 8;
  return copy;
};

const inclusionCase = fc
  .integer({ min: 1, max: MAX })
  .chain((size) => fc.record({ size: fc.constant(size), index: fc.integer({ min: 0, max: size - 1 }) }));
const consistencyCase = fc
  .integer({ min: 2, max: MAX })
  .chain((size2) => fc.record({ size2: fc.constant(size2), size1: fc.integer({ min: 1, max: size2 - 1 }) }));

describe('tampered proofs are refused', () => {
  it('inclusion: flipping any bit of the leaf, the root or any proof hash', () => {
    fc.assert(
      fc.property(inclusionCase, fc.nat(), fc.nat(255), ({ size, index }, which, bit) => {
        const proof = tree.inclusionProof(index, size);
        const root = tree.root(size);
        const leaf = leafHash(items[index]!);
        expect(outcome(() => verifyInclusion(leaf, index, size, proof, root))).toBe('ok');
        const target = which % (proof.length + 2);
        if (target === proof.length) return outcome(() => verifyInclusion(flip(leaf, bit), index, size, proof, root)) === 'PROOF_MISMATCH';
        if (target === proof.length + 1) return outcome(() => verifyInclusion(leaf, index, size, proof, flip(root, bit))) === 'PROOF_MISMATCH';
        const tampered = proof.map((p, i) => (i === target ? flip(p, bit) : p));
        return outcome(() => verifyInclusion(leaf, index, size, tampered, root)) === 'PROOF_MISMATCH';
      }),
      { numRuns: 500 },
    );
  });

  // A proof for one size can have the same shape as for another size, so a claim is always checked
  // against the root of the size it claims (a signed checkpoint binds the two).
  it('inclusion: another index or size, or a proof with a hash dropped or added, never verifies', () => {
    fc.assert(
      fc.property(inclusionCase, fc.integer({ min: 0, max: MAX + 5 }), fc.integer({ min: 0, max: MAX }), ({ size, index }, otherIndex, otherSize) => {
        const proof = tree.inclusionProof(index, size);
        const root = tree.root(size);
        const leaf = leafHash(items[index]!);
        if (otherIndex !== index) expect(outcome(() => verifyInclusion(leaf, otherIndex, size, proof, root))).not.toBe('ok');
        const rootOf = (n: number) => tree.root(n);
        if (otherSize !== size) expect(outcome(() => verifyInclusion(leaf, index, otherSize, proof, rootOf(otherSize)))).not.toBe('ok');
        expect(outcome(() => verifyInclusion(leaf, index, size, [...proof, root], root))).toBe('MALFORMED_PROOF');
        if (proof.length > 0) expect(outcome(() => verifyInclusion(leaf, index, size, proof.slice(0, -1), root))).toBe('MALFORMED_PROOF');
      }),
      { numRuns: 500 },
    );
  });

  it('consistency: flipping any bit of either root or any proof hash', () => {
    fc.assert(
      fc.property(consistencyCase, fc.nat(), fc.nat(255), ({ size1, size2 }, which, bit) => {
        const proof = tree.consistencyProof(size1, size2);
        const root1 = tree.root(size1);
        const root2 = tree.root(size2);
        expect(outcome(() => verifyConsistency(size1, size2, proof, root1, root2))).toBe('ok');
        const target = which % (proof.length + 2);
        if (target === proof.length) return outcome(() => verifyConsistency(size1, size2, proof, flip(root1, bit), root2)) === 'PROOF_MISMATCH';
        if (target === proof.length + 1) return outcome(() => verifyConsistency(size1, size2, proof, root1, flip(root2, bit))) === 'PROOF_MISMATCH';
        const tampered = proof.map((p, i) => (i === target ? flip(p, bit) : p));
        return outcome(() => verifyConsistency(size1, size2, tampered, root1, root2)) === 'PROOF_MISMATCH';
      }),
      { numRuns: 500 },
    );
  });

  it('consistency: a rewritten history (any other entry at any index below size1) is caught', () => {
    fc.assert(
      fc.property(consistencyCase, fc.nat(), ({ size1, size2 }, at) => {
        // A log that shows root1 for its first size1 entries, then rewrites entry `at` and grows.
        const rewritten = new MemoryTree();
        items.slice(0, size2).forEach((item, i) => rewritten.appendEntry(i === at % size1 ? new Uint8Array([9, ...item]) : item));
        const proof = rewritten.consistencyProof(size1, size2);
        return outcome(() => verifyConsistency(size1, size2, proof, tree.root(size1), rewritten.root(size2))) === 'PROOF_MISMATCH';
      }),
      { numRuns: 200 },
    );
  });

  it('consistency: proofs for other sizes, or a hash dropped or added, never verify', () => {
    fc.assert(
      fc.property(consistencyCase, fc.integer({ min: 0, max: MAX }), ({ size1, size2 }, other) => {
        const proof = tree.consistencyProof(size1, size2);
        const root1 = tree.root(size1);
        const root2 = tree.root(size2);
        const rootOf = (n: number) => tree.root(n);
        if (other !== size1) expect(outcome(() => verifyConsistency(other, size2, proof, rootOf(other), root2))).not.toBe('ok');
        if (other !== size2) expect(outcome(() => verifyConsistency(size1, other, proof, root1, rootOf(other)))).not.toBe('ok');
        expect(outcome(() => verifyConsistency(size1, size2, [...proof, root1], root1, root2))).not.toBe('ok');
        expect(outcome(() => verifyConsistency(size1, size2, proof.slice(0, -1), root1, root2))).not.toBe('ok');
      }),
      { numRuns: 500 },
    );
  });
});
