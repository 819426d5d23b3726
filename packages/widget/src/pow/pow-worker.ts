// The proof-of-work Web Worker: one challenge in, one solution (or null) out.
import type { Challenge } from '../collector.js';
import { solve } from './solve.js';

const controller = new AbortController();
self.addEventListener('message', (event: MessageEvent<{ type?: unknown; challenge?: Challenge; timeout?: unknown }>) => {
  const { type, challenge, timeout } = event.data ?? {};
  if (type === 'abort') controller.abort();
  if (type !== 'work' || !challenge) return;
  solve(challenge, controller.signal, typeof timeout === 'number' ? timeout : 90_000).then(
    (solution) => self.postMessage(solution),
    () => self.postMessage(null),
  );
});
