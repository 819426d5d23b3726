import { packageProject } from '../../vitest.shared.js';

// Real servers, child processes and PostgreSQL: files run one at a time so the 2-core machine
// is not oversubscribed and timings stay predictable.
const config = packageProject('collector', { test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } });
// vitest passes ssr.resolve.conditions to the worker as Node --conditions; with "import" among
// them, pg's require('pg-pool') loads pg-pool's ESM build and breaks ("Class extends value
// [object Module]"). Without it Node picks import/require itself; "source" still maps workspace
// packages to src/.
config.ssr!.resolve!.conditions = ['source', 'module', 'node', 'default'];
config.ssr!.resolve!.externalConditions = ['source', 'module', 'node', 'default'];
export default config;
