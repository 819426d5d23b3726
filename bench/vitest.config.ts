import { packageProject } from '../vitest.shared.js';

// A smoke run of every benchmark with tiny counts, so they cannot rot unnoticed.
export default packageProject('bench', { test: { testTimeout: 300_000 } });
