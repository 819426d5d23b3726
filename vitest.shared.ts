// Settings every package's vitest config shares. Workspace packages resolve to their TypeScript
// sources (the "source" export condition), so Node tests never run against a stale build.
// "import" is deliberately absent: vitest passes these conditions to Node for external
// dependencies, and under it CommonJS packages such as pg load their ESM twins through require().
import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

const conditions = ['source', 'module', 'node', 'default'];

export function packageProject(name: string, overrides: UserWorkspaceConfig = {}) {
  return mergeConfig(
    defineProject({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: conditions } },
      test: {
        name,
        include: ['test/**/*.test.ts'],
        exclude: ['test/browser/**'],
        environment: 'node',
        testTimeout: 20_000,
      },
    }),
    overrides,
  );
}
