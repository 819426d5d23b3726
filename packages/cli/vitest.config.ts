import { packageProject } from '../../vitest.shared.js';

// The tests run the built binary (dist/), so the global setup builds this package first.
export default packageProject('cli', { test: { globalSetup: ['test/global-setup.ts'], testTimeout: 60_000 } });
