// Solves the collector's ALTCHA v2 proof of work off the main thread.
//
// The worker (pow-worker.ts) runs solve.ts: altcha's challenge format, hashed synchronously in
// JavaScript (sha256.ts), many times faster than altcha-lib's solver, which awaits one WebCrypto
// digest per counter. Every file that runs is integrity-checked (issue 12), the worker too. Import maps do
// not cover a worker's script URL, so a built widget never starts a worker from a URL: the worker's
// program comes as text in a module of its own (worker-code.ts, built as ss-worker-code-<hash>.js),
// which the snippet's import map pins like every other chunk, and the worker is started from a
// blob: URL of that text. The page's CSP needs `worker-src blob:`, wherever the widget's files are
// served from (a blob: URL is of the page's origin, and the worker imports nothing).
//   - The worker's module refused by the browser (its bytes differ from the pinned ones) or not
//     loaded: nothing is solved and nothing falls back; the console says so, and the signer is
//     asked to try again (a non-transient error: the envelope is not kept for a later retry).
//   - A CSP that forbids blob: workers: the same solver on the main thread (solve.ts, itself in a
//     pinned chunk, ss-solve-<hash>.js), hashing in slices of a few milliseconds between the
//     page's own tasks, so the page stays responsive but shares its thread with the hashing. Never
//     silently: the console names the directive that would allow the worker (a partner who tests
//     on a fast laptop would otherwise never learn that phones solve slower and less smoothly).
// A challenge asking for more work than the collector ever issues is refused before any of this
// (limits.ts), and the solver never tries a counter past MAX_POW_COUNTER.

import { CollectorError, type Challenge, type Solution } from '../collector.js';
import { outOfBounds } from './limits.js';
import type { WorkerProgram } from './worker-code.js';

// The challenge's request and the envelope's: in this chunk, not the first load (see send.ts).
export { challenge, submit } from '../send.js';

const TIMEOUT_MS = 90_000;
const NAME = 'secure-sign-pow';

/** What the console says when the browser refuses (or cannot load) the worker's module. */
export const WORKER_REFUSED =
  "<secure-sign>: the browser refused the proof-of-work worker's module (ss-worker-code-….js): its bytes are not the ones the page's import map pins, or it could not be loaded. " +
  'No signature can be sent until the widget\'s files are served exactly as `secure-sign snippet --copy-to` copied them, with the snippet\'s import map (docs/embedding.md).';

/**
 * The worker's module was refused or could not be loaded: trying again with the same files cannot
 * succeed, so it is not transient (the widget asks the signer to try again rather than keeping
 * the envelope as if offline).
 */
export class WorkerRefusedError extends CollectorError {
  constructor() {
    super('worker-refused', 0);
    this.name = 'WorkerRefusedError';
  }
  override get transient(): boolean {
    return false;
  }
}

let told = false;

/** The worker's program, from its pinned module; throws {@link WorkerRefusedError} (once said on the console) if refused. */
async function workerProgram(): Promise<WorkerProgram> {
  try {
    return (await import('./worker-code.js')).program;
  } catch {
    if (!told) console.error(WORKER_REFUSED);
    told = true;
    throw new WorkerRefusedError();
  }
}

interface Started {
  readonly worker: Worker;
  readonly blobUrl?: string;
}

function startWorker(program: WorkerProgram): Started | undefined {
  let blobUrl: string | undefined;
  try {
    // Only from the TypeScript sources (worker-code.ts): no build has a URL here.
    if ('url' in program) return { worker: new Worker(program.url, { type: 'module', name: NAME }) };
    blobUrl = URL.createObjectURL(new Blob([program.code], { type: 'text/javascript' }));
    return { worker: new Worker(blobUrl, { type: 'module', name: NAME }), blobUrl };
  } catch {
    // SecurityError: the page's CSP does not allow the worker.
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    return undefined;
  }
}

function solveInWorker(started: Started, challenge: Challenge, signal: AbortSignal): Promise<Solution | null> {
  const { worker, blobUrl } = started;
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      worker.terminate();
      // Only now: the worker fetches its blob: URL asynchronously after construction.
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    };
    signal.addEventListener('abort', () => {
      stop();
      resolve(null);
    });
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      stop();
      const data = event.data as { counter?: unknown; derivedKey?: unknown; time?: unknown } | null;
      if (data && typeof data.counter === 'number' && typeof data.derivedKey === 'string') {
        resolve({ counter: data.counter, derivedKey: data.derivedKey, ...(typeof data.time === 'number' ? { time: data.time } : {}) });
      } else resolve(null);
    });
    worker.addEventListener('error', (event) => {
      stop();
      event.preventDefault();
      reject(new Error('pow worker failed'));
    });
    worker.postMessage({ type: 'work', challenge, timeout: TIMEOUT_MS });
  });
}

/** What the console says when the proof of work falls back to the main thread. */
export const MAIN_THREAD_WARNING =
  "<secure-sign>: this page's Content Security Policy does not allow the proof-of-work Web Worker, so it runs on the main thread, where it competes with the page for time (noticeably on phones). " +
  'Allow it with worker-src blob: (the widget starts its integrity-checked worker from a blob: URL, wherever its files are served from; docs/embedding.md).';

async function solveHere(challenge: Challenge, signal: AbortSignal): Promise<Solution | null> {
  console.warn(MAIN_THREAD_WARNING);
  const { solve } = await import('./solve.js');
  return solve(challenge, signal, TIMEOUT_MS);
}

/**
 * Solves a challenge, in a Web Worker when the page allows one.
 *
 * @returns the solution, or `null` if aborted, timed out, out of bounds or unsolved up to MAX_POW_COUNTER.
 * @throws {@link WorkerRefusedError} if the browser refused (or could not load) the worker's module.
 */
export async function solveChallenge(challenge: Challenge, signal: AbortSignal): Promise<Solution | null> {
  const refused = outOfBounds(challenge.parameters);
  if (refused !== undefined) {
    console.warn(`<secure-sign>: the collector's proof-of-work challenge asks for more work than a secure-sign collector ever issues (${refused}); it is not solved.`);
    return null;
  }
  // First, and whatever the CSP: a worker whose bytes differ never leads to the fallback either.
  const program = await workerProgram();
  const started = startWorker(program);
  if (started) {
    try {
      return await solveInWorker(started, challenge, signal);
    } catch {
      // The worker could not start (blocked by CSP after construction): fall back below.
    }
  }
  return solveHere(challenge, signal);
}
