import { packageProject } from '../../vitest.shared.js';

// Real servers, child processes and PostgreSQL: files run one at a time so the 2-core machine
// is not oversubscribed and timings stay predictable.
export default packageProject('collector', { test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } });
