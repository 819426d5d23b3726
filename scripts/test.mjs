#!/usr/bin/env node
// `npm test`: installs (pinned pnpm, frozen lockfile), builds every package, runs the Node tests
// (vitest) and the browser tests (@web/test-runner in Chromium), then prints one closing line
// "N passed, N failed" over both. Exits non-zero if anything failed or nothing ran.
//
// Environment:
//   SECURE_SIGN_SKIP_INSTALL=1   skip the install step (you just ran it)
//   CHROMIUM_PATH=/path          Chromium to use (default /usr/bin/chromium)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
const say = (message) => console.error(`secure-sign: ${message}`);

function step(title, command, args, extraEnv = {}) {
  say(`${title}...`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error) say(`error: ${title} could not start: ${result.error.message}`);
  else say(`${title}: ${result.status === 0 ? 'ok' : `exit ${result.status ?? result.signal}`} (${seconds} s)`);
  return result.status === 0;
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  say(`error: Chromium not found at ${chromium}`);
  say('hint: install Debian\'s package (apt-get install chromium) or set CHROMIUM_PATH');
  process.exit(1);
}

if (process.env.SECURE_SIGN_SKIP_INSTALL !== '1') {
  if (!step('install', process.execPath, ['scripts/pnpm.mjs', 'install', '--frozen-lockfile'])) process.exit(1);
}
if (!step('build', process.execPath, ['scripts/pnpm.mjs', 'run', 'build:all'])) process.exit(1);

const work = mkdtempSync(join(tmpdir(), 'secure-sign-test-'));
const nodeReport = join(work, 'vitest.json');
const browserReport = join(work, 'browser.json');
const nodeOk = step('node tests', 'vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${nodeReport}`]);
const browserOk = step('browser tests', 'web-test-runner', ['--config', 'web-test-runner.config.mjs'], {
  SECURE_SIGN_BROWSER_COUNTS: browserReport,
});

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(nodeReport)) {
  const report = JSON.parse(readFileSync(nodeReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  skipped += report.numPendingTests + report.numTodoTests;
} else failed++;
if (existsSync(browserReport)) {
  const report = JSON.parse(readFileSync(browserReport, 'utf8'));
  passed += report.passed;
  failed += report.failed;
  skipped += report.skipped;
} else failed++;
rmSync(work, { recursive: true, force: true });

if (!nodeOk || !browserOk) failed = Math.max(failed, 1);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
