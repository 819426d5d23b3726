import { packageProject } from '../vitest.shared.js';

// Tests of the set-up that `npm test` and `npm run demo` do (browser discovery, a throwaway
// PostgreSQL, native modules built for another Node).
export default packageProject('scripts', { test: { testTimeout: 60_000, hookTimeout: 60_000 } });
