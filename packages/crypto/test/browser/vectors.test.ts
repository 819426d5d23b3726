import { expect } from '@esm-bundle/chai';
import { expectedOutput, parseVector, runVector } from '../support/vectors.js';

// The test runner serves the repository root, so the vector files are fetched as a reader would.
const base = new URL('/packages/crypto/test-vectors/', location.origin);
const index: string[] = await (await fetch(new URL('index.json', base))).json();

describe('test vectors in the browser', () => {
  it('found the vectors', () => {
    expect(index.length).to.be.greaterThan(30);
  });
  for (const file of index) {
    it(file, async () => {
      const vector = parseVector(await (await fetch(new URL(file, base))).text());
      const result = await runVector(vector);
      expect(result.outcome).to.equal(vector.header['expect']);
      if (result.outcome === 'success') expect(result.output).to.equal(expectedOutput(vector.header));
    });
  }
});
