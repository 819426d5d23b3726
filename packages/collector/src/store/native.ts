// The SQLite driver (better-sqlite3) is a native module: built for one Node ABI, it cannot load in
// another (after switching Node with nvm, say, or when pnpm's side-effects cache hands back a
// build for an earlier Node). Node's own message suggests `npm rebuild`, and the command's generic
// hint talks about the database; neither helps. This turns that failure into one that names the
// module, the Node it was built for, the running Node, and the commands that fix it.
import { CollectorError } from '../errors.js';

/** Node's ABI (NODE_MODULE_VERSION) of each Node major line we name; others are shown as "ABI N". */
const NODE_OF_ABI: Readonly<Record<number, string>> = { 108: 'Node 18', 115: 'Node 20', 127: 'Node 22', 137: 'Node 24' };

/** "Node 22" for ABI 127; "ABI 999" for one not in the table. */
export function nodeForAbi(abi: number): string {
  return NODE_OF_ABI[abi] ?? `ABI ${abi}`;
}

const MODULE = 'better-sqlite3';

/** What to do, one line each (printed as "hint:" lines by the command). */
export const NATIVE_MODULE_HINT = [
  '`npm test` and `npm run demo` rebuild it for the running Node automatically',
  `by hand, in the repository: \`node scripts/pnpm.mjs rebuild ${MODULE}\`, or delete node_modules/.pnpm/${MODULE}*/node_modules/${MODULE}/build and reinstall`,
  `where the collector was installed with npm: \`npm rebuild ${MODULE}\``,
].join('\n');

/** The running Node, as {@link nativeModuleError} describes it. */
export interface RunningNode {
  /** `process.versions.node`, e.g. `22.12.0`. */
  readonly version: string;
  /** `process.versions.modules`, e.g. `127`. */
  readonly abi: string;
}

/**
 * If `error` is the SQLite driver failing to load its native part, the error to report instead;
 * otherwise undefined (the caller rethrows the original).
 *
 * @param error - what `new Database(...)` threw.
 * @param running - the running Node; this process's by default.
 * @example
 * ```ts
 * try { db = new Database(file); } catch (error) { throw nativeModuleError(error) ?? error; }
 * ```
 */
export function nativeModuleError(
  error: unknown,
  running: RunningNode = { version: process.versions.node, abi: process.versions.modules },
): CollectorError | undefined {
  if (!(error instanceof Error)) return undefined;
  const text = error.message;
  const code = (error as { code?: unknown }).code;
  const here = `this is Node ${running.version} (ABI ${running.abi})`;
  const mismatch = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(text);
  let why: string;
  if (mismatch) {
    const built = Number(mismatch[1]);
    why = `it was built for ${nodeForAbi(built)}${nodeForAbi(built).startsWith('ABI') ? '' : ` (ABI ${built})`}, and ${here}`;
  } else if (text.startsWith('Could not locate the bindings file')) {
    why = `its native part (better_sqlite3.node) was never built for this install; ${here}`;
  } else if (code === 'ERR_DLOPEN_FAILED') {
    why = `${text.split('\n')[0]}; ${here}`;
  } else {
    return undefined;
  }
  return new CollectorError('native-module', `the SQLite driver (${MODULE}) cannot be loaded: ${why}`, NATIVE_MODULE_HINT, { cause: error });
}
