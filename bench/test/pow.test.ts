// Runs `bench/pow.mjs --smoke` (needs the built packages, as the other bench smoke test) and checks
// that it measured what docs/benchmarks.md reports: the collector's synchronous verification
// faster than altcha-lib's on the same challenges, and solve times in the widget's worker.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('bench/pow.mjs measures verification (collector vs altcha-lib) and solving in the widget worker', () => {
  const result = spawnSync(process.execPath, ['bench/pow.mjs', '--smoke'], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: 240_000 });
  expect(result.status, result.stderr.slice(-3000)).toBe(0);
  const figures = JSON.parse(result.stdout) as Record<string, number> & { solve_ms: Record<string, { p50: number; p95: number; n: number; hashesPerMs: number }> };
  for (const key of ['pow.node_sha256_per_ms', 'pow.verify_us_p50', 'pow.verify_altcha_us_p50']) expect(figures[key], key).toBeGreaterThan(0);
  // Two HMACs without WebCrypto's promise round trips: faster than altcha-lib whatever the load.
  expect(figures['pow.verify_speedup']).toBeGreaterThan(1);
  const solve = figures.solve_ms['1000']!;
  expect(solve.n).toBe(3);
  expect(solve.p95).toBeGreaterThanOrEqual(solve.p50);
  expect(solve.hashesPerMs).toBeGreaterThan(0);
  // Each solve broken down from inside the worker, and the same challenges solved by altcha-lib's
  // solver (the widget's before) for the ratio; every solution was checked by the collector.
  const parts = (solve as unknown as { parts_p50: Record<string, number> }).parts_p50;
  for (const name of ['startup', 'evaluation', 'waiting', 'solve', 'reply']) expect(parts[name], name).toBeGreaterThanOrEqual(0);
  const compare = (figures as unknown as { compare: { difficulty: number; widget: { n: number }; altcha: { n: number }; hash_rate_ratio: number } }).compare;
  expect(compare.difficulty).toBe(1000);
  expect([compare.widget.n, compare.altcha.n]).toEqual([3, 3]);
  expect(compare.hash_rate_ratio).toBeGreaterThan(0);
});
