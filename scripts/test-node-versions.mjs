#!/usr/bin/env node
// `npm run test:node-versions`: runs the Node test suites on Node 22 and 24 as well (the browser
// tests need only one Node). Each Node comes from the registry's `node-<os>-<cpu>` package (npm
// pack, then unpack; nothing else is downloaded) into node_modules/.cache/secure-sign-node/, and
// each run happens in a copy of this working tree (without node_modules, dist or .git) in a
// temporary folder, as a user who switches Node versions would: install, notice better-sqlite3
// built for another Node and rebuild it, build, test. The copy is removed at the end, also on
// Ctrl-C and on failure. Ends with one line, "N passed, N failed, N skipped", over all versions.
//
// Environment:
//   SECURE_SIGN_NODE_VERSIONS=22.23.5,24.22.3   the exact versions to test (these by default)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => console.error(`secure-sign: ${message}`);
const versions = (process.env.SECURE_SIGN_NODE_VERSIONS || '22.23.5,24.22.3').split(',').map((v) => v.trim()).filter(Boolean);
const SKIP = new Set(['node_modules', 'dist', '.git', '.demo-data', 'screenshots', 'coverage']);

let current;
let copy;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    current?.kill(signal);
    if (copy) rmSync(copy, { recursive: true, force: true });
    process.exit(130);
  });
}

/** Unpacks node-<os>-<cpu>@version from the registry, once; returns the path of its `node`. */
function nodeBinary(version) {
  const dir = join(root, 'node_modules', '.cache', 'secure-sign-node', version);
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return node;
  const name = `node-${process.platform}-${process.arch}@${version}`;
  say(`fetching ${name} from the npm registry`);
  const work = mkdtempSync(join(tmpdir(), 'secure-sign-node-pack-'));
  try {
    const pack = spawnSync('npm', ['pack', name, '--pack-destination', work, '--silent'], { encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack ${name} failed: ${pack.stderr.trim().split('\n').pop()}`);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    const untar = spawnSync('tar', ['-xzf', join(work, tarball), '-C', work]);
    if (untar.status !== 0) throw new Error(`could not unpack ${tarball}`);
    mkdirSync(join(dir, '..'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(node)) throw new Error(`${name} has no bin/node`);
  return node;
}

/** Runs `npm test -- --node-only` with `node` in a fresh copy of the tree; resolves to its closing counts. */
function runSuites(node, version) {
  copy = mkdtempSync(join(tmpdir(), `secure-sign-node${version.split('.')[0]}-`));
  cpSync(root, copy, {
    recursive: true,
    filter: (source) => !relative(root, source).split(sep).some((part) => SKIP.has(part)),
  });
  const bin = join(node, '..');
  say(`Node ${version}: testing a copy of the tree in ${copy}`);
  return new Promise((resolve) => {
    let tail = '';
    current = spawn(node, ['scripts/test.mjs', '--node-only'], {
      cwd: copy,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` },
    });
    current.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-2000);
    });
    current.on('exit', (code) => {
      current = undefined;
      rmSync(copy, { recursive: true, force: true });
      copy = undefined;
      const match = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(tail);
      const counts = match ? match.slice(1).map(Number) : [0, 1, 0];
      if (code !== 0) counts[1] = Math.max(counts[1], 1);
      resolve(counts);
    });
  });
}

const totals = [0, 0, 0];
const lines = [];
for (const version of versions) {
  let counts;
  try {
    const node = nodeBinary(version);
    counts = await runSuites(node, version);
  } catch (error) {
    say(`error: Node ${version}: ${error.message}`);
    counts = [0, 1, 0];
  }
  lines.push(`Node ${version}: ${counts[0]} passed, ${counts[1]} failed, ${counts[2]} skipped`);
  counts.forEach((n, i) => (totals[i] += n));
}
for (const line of lines) say(line);
console.log(`${totals[0]} passed, ${totals[1]} failed, ${totals[2]} skipped`);
process.exit(totals[1] === 0 && totals[0] > 0 ? 0 : 1);
