// The proof-of-work difficulty under a burst: per campaign, per process, over a sliding window,
// with a fake clock; through the real app (challenges issued over HTTP, solved by altcha-lib) and
// the class alone. And the bound the widget's solver shares with the collector.
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { DEFAULT_POW_BURST_MAX_FACTOR, DEFAULT_POW_BURST_THRESHOLD, DEFAULT_POW_DIFFICULTY, resolveConfig } from '../src/config.js';
import { MAX_POW_DIFFICULTY, PowDifficulty } from '../src/pow.js';
import type { Store } from '../src/store/types.js';
import { MAX_POW_COUNTER } from '../../widget/src/pow/limits.js';
import { addCampaign, sqliteFixture, type EngineFixture } from './helpers.js';

const settings = { powDifficulty: 1000, powBurstThreshold: 10, powBurstWindowSeconds: 60, powBurstMaxFactor: 8 };

function recorder(): { logger: ReturnType<typeof pino>; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('PowDifficulty (fake clock)', () => {
  it('keeps the configured difficulty up to the threshold, then doubles, quadruples, and stops at the factor cap', () => {
    const pow = new PowDifficulty(settings);
    const t = 1_000_000;
    const seen: number[] = [];
    for (let i = 1; i <= 100; i++) seen.push(pow.take('c', t + i));
    expect(seen.slice(0, 10)).toEqual(Array(10).fill(1000)); // 10 challenges: at the threshold
    expect(seen[10]).toBe(2000); // the 11th: above it
    expect(seen[19]).toBe(2000); // 20 = twice the threshold
    expect(seen[20]).toBe(4000); // 21
    expect(seen[40]).toBe(8000); // 41
    expect(seen[99]).toBe(8000); // capped at 8 x
  });

  it('counts per campaign: a burst on one leaves the others alone', () => {
    const pow = new PowDifficulty(settings);
    for (let i = 0; i < 50; i++) pow.take('busy', 5000 + i);
    expect(pow.take('busy', 5100)).toBe(8000);
    expect(pow.take('quiet', 5100)).toBe(1000);
  });

  it('comes back down as the sliding window drains, a slot at a time, not all at once', () => {
    const pow = new PowDifficulty(settings);
    const t0 = 60_000 * 1000;
    // 25 challenges in the first 5 s: factor 4.
    for (let i = 0; i < 25; i++) pow.take('c', t0 + i * 200);
    expect(pow.take('c', t0 + 5000)).toBe(4000); // 26th
    // 30 s later the burst is still inside the 60 s window.
    expect(pow.take('c', t0 + 35_000)).toBe(4000);
    // 61 s after the burst it has left the window: back to normal.
    expect(pow.take('c', t0 + 66_000)).toBe(1000);
  });

  it('a slow steady stream never raises it, whatever its total', () => {
    const pow = new PowDifficulty(settings);
    // 9 a minute for an hour: 540 challenges, never more than the threshold in any window.
    for (let i = 0; i < 540; i++) expect(pow.take('c', 7_000_000 + i * (60_000 / 9) + 1)).toBe(1000);
  });

  it('never issues more than MAX_POW_DIFFICULTY', () => {
    const pow = new PowDifficulty({ ...settings, powDifficulty: MAX_POW_DIFFICULTY / 2, powBurstMaxFactor: 64 });
    let last = 0;
    for (let i = 0; i < 1000; i++) last = pow.take('c', 1 + i);
    expect(last).toBe(MAX_POW_DIFFICULTY);
  });

  it('logs a warning and counts a metric when it rises, logs when it falls, and shows the factor', async () => {
    const { logger, lines } = recorder();
    const registry = new Registry();
    const pow = new PowDifficulty(settings, { logger, registry });
    for (let i = 0; i < 21; i++) pow.take('c', 10_000 + i);
    const raised = lines().filter((line) => line['msg'] === 'proof-of-work difficulty raised for a burst of challenges');
    expect(raised.map((line) => [line['level'], line['campaign'], line['factor'], line['difficulty']])).toEqual([
      [40, 'c', 2, 2000],
      [40, 'c', 4, 4000],
    ]);
    const text = await registry.metrics();
    expect(text).toContain('secure_sign_pow_burst_raises_total{campaign="c"} 2');
    expect(text).toContain('secure_sign_pow_difficulty_factor{campaign="c"} 4');
    // The burst ends; the next challenge (or the sweep) brings it back and says so.
    pow.take('c', 10_000 + 200_000);
    expect(lines().at(-1)).toMatchObject({ msg: 'proof-of-work difficulty lowered', factor: 1, difficulty: 1000 });
    expect(await registry.metrics()).toContain('secure_sign_pow_difficulty_factor{campaign="c"} 1');
  });

  it('has documented defaults, validated settings, and shares its bound with the widget solver', () => {
    const config = resolveConfig();
    expect([config.powDifficulty, config.powBurstThreshold, config.powBurstWindowSeconds, config.powBurstMaxFactor]).toEqual([
      DEFAULT_POW_DIFFICULTY,
      DEFAULT_POW_BURST_THRESHOLD,
      60,
      DEFAULT_POW_BURST_MAX_FACTOR,
    ]);
    expect(() => resolveConfig({ powBurstMaxFactor: 3 })).toThrow(/config\.powBurstMaxFactor: must be 1, 2, 4/);
    expect(() => resolveConfig({ powBurstThreshold: 0 })).toThrow(/config\.powBurstThreshold/);
    expect(() => resolveConfig({ powDifficulty: MAX_POW_DIFFICULTY + 1 })).toThrow(/config\.powDifficulty: at most/);
    // The widget's solver stops at the largest difficulty the collector can issue.
    expect(MAX_POW_COUNTER).toBe(MAX_POW_DIFFICULTY);
  });
});

// The burst state lives in the process, not the store: one engine is enough.
describe('burst over HTTP', () => {
  let fixture: EngineFixture;
  let store: Store;
  let now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const { logger, lines } = recorder();
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    fixture = sqliteFixture();
    store = await fixture.open();
    await addCampaign(store, 'burst');
    await addCampaign(store, 'calm');
    app = createApp({
      store,
      config: resolveConfig({ powDifficulty: 40, powBurstThreshold: 5, powBurstWindowSeconds: 60, powBurstMaxFactor: 4, rateLimit: 10_000 }),
      clock: { now: () => now },
      logger,
    });
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  /** Issues a challenge and finds its counter with altcha-lib, bounded by `max`. */
  async function counterOf(campaign: string, max: number): Promise<number> {
    const response = await app.request(`/v1/campaigns/${campaign}/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(201);
    const challenge = (await response.json()) as Challenge;
    // Solve with a bounded search: counter start 0, only up to max.
    const controller = new AbortController();
    const solution = await solveChallenge({
      challenge,
      controller,
      deriveKey: async (parameters, salt, password) => {
        const view = new DataView(password.buffer, password.byteOffset, password.byteLength);
        if (view.getUint32(password.byteLength - 4) > max) controller.abort();
        return deriveKey(parameters, salt, password);
      },
    });
    if (!solution) return Infinity;
    return solution.counter;
  }

  it('issues harder challenges to a campaign under a burst and to no other, logs it, and comes back down', async () => {
    const counters: number[] = [];
    // 5 challenges: normal. Their counters are at most the difficulty, 40.
    for (let i = 0; i < 5; i++) counters.push(await counterOf('burst', 40));
    expect(counters.every((c) => c <= 40)).toBe(true);
    // 15 more in the same minute: 2 x then 4 x. Counters of the last ones reach past 40 (at most 160).
    const raised: number[] = [];
    for (let i = 0; i < 15; i++) {
      now += 100;
      raised.push(await counterOf('burst', 160));
    }
    expect(raised.every((c) => c <= 160)).toBe(true);
    // With 10 challenges drawn uniformly from 0..160, all at most 40 has probability (41/161)^10 < 1e-5.
    expect(raised.slice(5).some((c) => c > 40)).toBe(true);
    expect(lines().filter((l) => l['msg'] === 'proof-of-work difficulty raised for a burst of challenges').map((l) => l['factor'])).toEqual([2, 4]);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('secure_sign_pow_burst_raises_total{campaign="burst"} 2');
    expect(metrics).toContain('secure_sign_pow_difficulty_factor{campaign="burst"} 4');
    // Another campaign at the same moment: normal.
    for (let i = 0; i < 5; i++) expect(await counterOf('calm', 40)).toBeLessThanOrEqual(40);
    // Two minutes later the burst has left the window.
    now += 120_000;
    const after: number[] = [];
    for (let i = 0; i < 5; i++) after.push(await counterOf('burst', 40));
    expect(after.every((c) => c <= 40)).toBe(true);
  });
});

describe('proof-of-work flags', () => {
  it('--help documents the burst flags with their defaults, and a bad value is a usage error naming the flag', async () => {
    const { main, USAGE } = await import('../src/main.js');
    for (const flag of ['--pow-difficulty N', '--pow-burst N', '--pow-burst-window SECONDS', '--pow-burst-max-factor F']) expect(USAGE).toContain(flag);
    expect(USAGE).toContain(`(default ${DEFAULT_POW_DIFFICULTY}, at most ${MAX_POW_DIFFICULTY})`);
    expect(USAGE).toContain(`(default ${DEFAULT_POW_BURST_THRESHOLD})`);
    expect(USAGE).toContain(`(default ${DEFAULT_POW_BURST_MAX_FACTOR})`);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => said.push(String(chunk)) > 0);
    try {
      expect(await main(['--pow-burst-max-factor', '3'], {})).toBe(2);
      expect(await main(['--pow-burst', '0'], {})).toBe(2);
      expect(await main(['--pow-difficulty', String(MAX_POW_DIFFICULTY + 1)], {})).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(said.join('')).toContain('--pow-burst-max-factor: must be 1, 2, 4, 8, 16, 32 or 64');
    expect(said.join('')).toContain('--pow-burst: ');
    expect(said.join('')).toContain(`--pow-difficulty: at most ${MAX_POW_DIFFICULTY}`);
  });
});
