#!/usr/bin/env node
// `npm run demo`: set up (install and build) and run the open-letter demo.
// Until the demo page lands, this builds everything and says what exists.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => console.error(`secure-sign: ${message}`);
for (const args of [['install', '--frozen-lockfile'], ['run', 'build:all']]) {
  const result = spawnSync(process.execPath, ['scripts/pnpm.mjs', ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
say('built packages/*/dist. The open-letter demo page is not written yet (see the open issues).');
