#!/usr/bin/env node
// Runs the pinned pnpm through npx, so that a fresh clone needs only Node and npm.
// The version is read from package.json's "packageManager" so there is one place to bump it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(packageManager ?? '');
if (!match) {
  console.error('secure-sign: error: package.json "packageManager" must pin pnpm as pnpm@X.Y.Z');
  process.exit(1);
}
const result = spawnSync('npx', ['--yes', `pnpm@${match[1]}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (result.error) {
  console.error(`secure-sign: error: could not run pnpm: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
