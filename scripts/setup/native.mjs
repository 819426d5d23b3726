// Native modules built for another Node. pnpm's side-effects cache can hand back a
// better-sqlite3 compiled for the Node of an earlier install (NODE_MODULE_VERSION 115 for Node 20,
// 127 for 22, 137 for 24), even after `pnpm rebuild`. This loads the module with the running Node
// and, if its ABI is another, rebuilds it in place from its own install script, past the cache.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

/** Loads `name` (resolved from `from`) in a child of this Node; returns its error text, or '' if it loads. */
export function loadError(name, from, probe = `new (require(${JSON.stringify(name)}))(':memory:').close()`) {
  const result = spawnSync(process.execPath, ['-e', probe], { cwd: from, encoding: 'utf8' });
  return result.status === 0 ? '' : `${result.stderr}`.trim();
}

/** The ABI a load error names ("compiled against ... NODE_MODULE_VERSION 115"), if it is an ABI mismatch. */
export function builtForAbi(errorText) {
  const match = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(errorText);
  return match ? { built: Number(match[1]), needed: Number(match[2]) } : undefined;
}

/** Environment for a rebuild: this Node first on the PATH, and its own headers when it ships them (no download). */
export function rebuildEnv(execPath = process.execPath, base = process.env) {
  const bin = dirname(execPath);
  const prefix = dirname(bin);
  const env = { ...base, PATH: `${bin}${delimiter}${base.PATH ?? ''}` };
  if (existsSync(join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
  return env;
}

function run(command, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: rebuildEnv() });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Makes sure better-sqlite3 loads in this Node, rebuilding it when it was built for another.
 * @returns {Promise<boolean>} false if it still cannot load
 */
export async function ensureNativeModules({ say, root }) {
  const collector = join(root, 'packages', 'collector');
  const name = 'better-sqlite3';
  const error = loadError(name, collector);
  if (!error) return true;
  const abi = builtForAbi(error);
  if (!abi) {
    say(`error: ${name} does not load: ${error.split('\n').find((l) => /Error/.test(l)) ?? error.split('\n')[0]}`);
    return false;
  }
  const dir = dirname(createRequire(join(collector, 'package.json')).resolve(`${name}/package.json`));
  say(`${name} was built for another Node (NODE_MODULE_VERSION ${abi.built}); this is Node ${process.versions.node} (${abi.needed}): rebuilding it from source (about a minute and a half)`);
  const started = Date.now();
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  // The package's own install script (prebuild-install || node-gyp rebuild), run by npm so that
  // npm's bundled node-gyp is on the PATH.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = await run(npm, ['run', 'install', '--ignore-scripts=false'], dir);
  const after = loadError(name, collector);
  if (!built || after) {
    say(`error: rebuilding ${name} failed${after ? `: ${after.split('\n')[0]}` : ''}`);
    return false;
  }
  say(`rebuilt ${name} for Node ${process.versions.node} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return true;
}
