// Runs `bench/run.mjs --smoke` (every benchmark, tiny counts) and checks that it produced every
// metric of the benchmark issue as a positive number, plus the readable table. The numbers of a
// smoke run mean nothing; that they exist means the benchmarks still work.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const KEYS = [
  'widget.initial_gzip_bytes', 'widget.total_gzip_bytes', 'widget.seal_warm_ms_p50', 'widget.seal_cold_ms_p50',
  'widget.phone_interactive_ms_p50', 'widget.phone_tap_to_ready_ms_p50', 'widget.phone_long_task_ms_max',
  'pow.solve_ms_p50', 'pow.solve_ms_p95', 'pow.verify_us_p50',
  'collector.baseline_rps', 'collector.sqlite_rps', 'collector.sqlite_p99_ms', 'collector.postgres_rps', 'collector.postgres_p99_ms',
  'collector.checkpoint_lag_ms_p99', 'cli.raw_open_per_s', 'cli.native_open_per_s', 'cli.decrypt_per_s', 'cli.decrypt_peak_rss_mb',
  'cli.decrypt_peak_rss_mb_100k', 'cli.decrypt_rss_growth', 'cli.unlock_peak_rss_mb',
];

it('every benchmark runs and reports its metrics', () => {
  const out = mkdtempSync(join(tmpdir(), 'secure-sign-bench-smoke-'));
  try {
    const result = spawnSync(process.execPath, ['bench/run.mjs', '--smoke', '--out', out], {
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(result.status, result.stderr.slice(-3000)).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    expect(Object.keys(metrics)).toEqual(KEYS);
    for (const key of KEYS) {
      expect(typeof metrics[key], key).toBe('number');
      expect(metrics[key], key).toBeGreaterThan(0);
    }
    // The widget's first load is measured in the browser, and cannot exceed everything it loads.
    expect(metrics['widget.initial_gzip_bytes']).toBeLessThan(metrics['widget.total_gzip_bytes']);
    const table = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(table).toContain('SMOKE RUN');
    for (const key of KEYS) expect(table).toContain(`\`${key}\``);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
