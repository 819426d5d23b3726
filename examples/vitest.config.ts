import { packageProject } from '../vitest.shared.js';

// The full-flow test drives a real browser through the real collector and CLI: minutes, not seconds.
export default packageProject('examples', { test: { testTimeout: 240_000, hookTimeout: 120_000 } });
