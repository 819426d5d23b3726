// Browser tests of every package, in Debian's Chromium driven by Playwright.
// Test files: packages/*/test/browser/**/*.test.ts (TypeScript, compiled by esbuild).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { writeFileSync } from 'node:fs';
// The widget's tests talk to a fake collector that follows docs/api.md, served by this dev server.
import { fakeCollector, tsForJs } from './packages/widget/test/fake-collector.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Counts results so that scripts/test.mjs can print one closing line for all runners. */
function countingReporter() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const walk = (suite) => {
    for (const test of suite.tests ?? []) {
      if (test.skipped) skipped++;
      else if (test.passed) passed++;
      else failed++;
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  return {
    onTestRunFinished({ sessions }) {
      for (const session of sessions) {
        if (session.testResults) walk(session.testResults);
        // A file that failed to load has no results but must still count as a failure.
        if (!session.passed && (!session.testResults || session.testResults.tests.length + (session.testResults.suites?.length ?? 0) === 0)) failed++;
      }
      if (process.env.SECURE_SIGN_BROWSER_COUNTS) {
        writeFileSync(process.env.SECURE_SIGN_BROWSER_COUNTS, JSON.stringify({ passed, failed, skipped }));
      }
    },
  };
}

export default {
  files: ['packages/*/test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['source', 'browser', 'import', 'default'] },
  middleware: [fakeCollector(), tsForJs()],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.base.json' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      // Playwright gives every launch a fresh, empty profile.
      launchOptions: { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS },
    }),
  ],
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 10 * 60 * 1000,
  browserStartTimeout: 60000,
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countingReporter()],
};
