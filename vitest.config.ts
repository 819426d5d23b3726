// Node-side tests of every package: each package keeps its own vitest.config.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/vitest.config.ts', 'bench/vitest.config.ts', 'scripts/vitest.config.ts'],
  },
});
