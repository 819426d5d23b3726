// Solves the collector's ALTCHA v2 proof of work off the main thread.
//
// The worker (pow-worker.ts) runs altcha-lib's own solveChallenge with its WebCrypto key
// derivations. Browsers only start a worker from a same-origin URL, and a CDN bundle is usually on
// another origin than the page, so the worker is started, in order of preference:
//   1. from its own URL next to this bundle (same origin: the partner self-hosts the files);
//   2. through a one-line module worker from a blob: URL that imports it (cross-origin CDN;
//      needs `worker-src blob:` in the page's CSP);
//   3. failing both (a CSP without either), on the main thread with the same solver: crypto.subtle
//      does the hashing asynchronously, so the page stays responsive, only slower. Never silently:
//      the console says so, naming the CSP directive that would allow the worker (a partner who
//      tests on a fast laptop would otherwise never learn that phones solve slower).
// A challenge asking for more work than the collector ever issues is refused before any of this
// (limits.ts), and the solver never tries a counter past MAX_POW_COUNTER.

import type { Challenge, Solution } from '../collector.js';
import { outOfBounds } from './limits.js';

// A relative URL resolved against this module, which bundlers and the CDN build keep next to it.
const WORKER_URL = new URL('./pow-worker.js', import.meta.url);

const TIMEOUT_MS = 90_000;

function startWorker(): { worker: Worker; blobUrl?: string } | undefined {
  try {
    return { worker: new Worker(WORKER_URL, { type: 'module', name: 'secure-sign-pow' }) };
  } catch {
    // SecurityError: a cross-origin script URL (the bundle is on a CDN).
  }
  let blobUrl: string | undefined;
  try {
    const shim = new Blob([`import ${JSON.stringify(WORKER_URL.href)};`], { type: 'text/javascript' });
    blobUrl = URL.createObjectURL(shim);
    return { worker: new Worker(blobUrl, { type: 'module', name: 'secure-sign-pow' }), blobUrl };
  } catch {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    return undefined;
  }
}

function solveInWorker(started: { worker: Worker; blobUrl?: string }, challenge: Challenge, signal: AbortSignal): Promise<Solution | null> {
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
  "<secure-sign>: this page's Content Security Policy does not allow the proof-of-work Web Worker, so it runs on the main thread, slower (noticeably on phones). " +
  "Allow it with worker-src 'self' when the widget's files are on this page's origin, or worker-src blob: plus the widget's origin when they come from a CDN (docs/embedding.md).";

async function solveHere(challenge: Challenge, signal: AbortSignal): Promise<Solution | null> {
  console.warn(MAIN_THREAD_WARNING);
  const { solve } = await import('./solve.js');
  return solve(challenge, signal, TIMEOUT_MS);
}

/**
 * Solves a challenge, in a Web Worker when the page allows one.
 *
 * @returns the solution, or `null` if aborted, timed out, out of bounds or unsolved up to MAX_POW_COUNTER.
 */
export async function solveChallenge(challenge: Challenge, signal: AbortSignal): Promise<Solution | null> {
  const refused = outOfBounds(challenge.parameters);
  if (refused !== undefined) {
    console.warn(`<secure-sign>: the collector's proof-of-work challenge asks for more work than a secure-sign collector ever issues (${refused}); it is not solved.`);
    return null;
  }
  const started = startWorker();
  if (started) {
    try {
      return await solveInWorker(started, challenge, signal);
    } catch {
      // The worker could not load (blocked by CSP after construction): fall back below.
    }
  }
  return solveHere(challenge, signal);
}
