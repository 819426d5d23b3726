// The error for a SQLite driver that cannot load, formatted from the errors Node and better-sqlite3
// really throw. The command's side (what it prints) is in process.test.ts.
import { describe, expect, it } from 'vitest';
import { CollectorError } from '../src/errors.js';
import { NATIVE_MODULE_HINT, nativeModuleError, nodeForAbi } from '../src/store/native.js';

const MODULE_PATH = '/work/main/node_modules/.pnpm/better-sqlite3@12.6.2/node_modules/better-sqlite3/build/Release/better_sqlite3.node';

/** What Node throws for a module of another ABI, as `new Database()` under Node 22.23.5 threw it for a build made by Node 20. */
function abiMismatch(built: number, needed: number): Error {
  const error = new Error(
    `The module '${MODULE_PATH}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION ${built}. This version of Node.js requires\n` +
      'NODE_MODULE_VERSION ' +
      `${needed}. Please try re-compiling or re-installing\nthe module (for instance, using \`npm rebuild\` or \`npm install\`).`,
  );
  return Object.assign(error, { code: 'ERR_DLOPEN_FAILED' });
}

/** Verbatim: `new Database(':memory:')` under Node 22.23.5, with the better-sqlite3 that Node 20 built. */
const FROM_NODE_22 = Object.assign(
  new Error(
    "The module '/work/main/node_modules/.pnpm/better-sqlite3@12.6.2/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 127. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).',
  ),
  { code: 'ERR_DLOPEN_FAILED' },
);

describe('nativeModuleError', () => {
  it('names the module, the Node it was built for, the running Node, and the fix', () => {
    expect(abiMismatch(115, 127).message).toBe(FROM_NODE_22.message);
    const error = nativeModuleError(FROM_NODE_22, { version: '22.23.5', abi: '127' });
    expect(error).toBeInstanceOf(CollectorError);
    expect(error!.code).toBe('native-module');
    expect(error!.message).toBe('the SQLite driver (better-sqlite3) cannot be loaded: it was built for Node 20 (ABI 115), and this is Node 22.23.5 (ABI 127)');
    expect(error!.hint).toBe(NATIVE_MODULE_HINT);
    expect(error!.hint).toContain('`npm test` and `npm run demo` rebuild it');
    expect(error!.hint).toContain('`node scripts/pnpm.mjs rebuild better-sqlite3`');
    expect(error!.hint).toContain('delete node_modules/.pnpm/better-sqlite3*/node_modules/better-sqlite3/build and reinstall');
    expect(error!.hint).not.toMatch(/database is reachable|data directory/);
    expect((error as Error & { cause: unknown }).cause).toBeInstanceOf(Error);
  });

  it('maps each known ABI to its Node line and shows others as "ABI N"', () => {
    expect([108, 115, 127, 137, 999].map(nodeForAbi)).toEqual(['Node 18', 'Node 20', 'Node 22', 'Node 24', 'ABI 999']);
    expect(nativeModuleError(abiMismatch(137, 115), { version: '20.20.2', abi: '115' })!.message).toBe(
      'the SQLite driver (better-sqlite3) cannot be loaded: it was built for Node 24 (ABI 137), and this is Node 20.20.2 (ABI 115)',
    );
    expect(nativeModuleError(abiMismatch(999, 127), { version: '22.23.5', abi: '127' })!.message).toBe(
      'the SQLite driver (better-sqlite3) cannot be loaded: it was built for ABI 999, and this is Node 22.23.5 (ABI 127)',
    );
  });

  it('also explains a driver that was never built, and other load failures', () => {
    // What the `bindings` package throws when no better_sqlite3.node exists.
    const missing = new Error('Could not locate the bindings file. Tried:\n → /x/build/better_sqlite3.node\n → /x/build/Release/better_sqlite3.node');
    expect(nativeModuleError(missing, { version: '22.23.5', abi: '127' })!.message).toBe(
      'the SQLite driver (better-sqlite3) cannot be loaded: its native part (better_sqlite3.node) was never built for this install; this is Node 22.23.5 (ABI 127)',
    );
    const other = Object.assign(new Error(`/lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.38' not found (required by ${MODULE_PATH})`), { code: 'ERR_DLOPEN_FAILED' });
    const error = nativeModuleError(other, { version: '22.23.5', abi: '127' })!;
    expect(error.message).toMatch(/^the SQLite driver \(better-sqlite3\) cannot be loaded: .*GLIBC_2\.38' not found .*; this is Node 22\.23\.5 \(ABI 127\)$/);
  });

  it('leaves every other error alone', () => {
    const cantOpen = Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
    expect(nativeModuleError(cantOpen)).toBeUndefined();
    expect(nativeModuleError(new TypeError('Cannot open database because the directory does not exist'))).toBeUndefined();
    expect(nativeModuleError('a string')).toBeUndefined();
  });

  it('describes the running Node by default', () => {
    expect(nativeModuleError(abiMismatch(1, Number(process.versions.modules)))!.message).toContain(
      `this is Node ${process.versions.node} (ABI ${process.versions.modules})`,
    );
  });
});
