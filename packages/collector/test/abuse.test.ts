// Abuse resistance (issue 15): each finding of the black-box run, as a test on both engines.
// Bad input that used to be a 5xx, rate limits an attacker could walk around (IPv6 /64s, many
// clients on one campaign, token guessing), ciphertexts no client can have sealed, and the
// pruning of spent challenges across processes whose clocks disagree.
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeKeyString } from '../../crypto/src/keys.js';
import { PADDING_BUCKETS, SEALED_BOX_OVERHEAD } from '@secure-sign/crypto';
import { createApp } from '../src/app.js';
import { registerCampaign } from '../src/campaigns.js';
import { resolveConfig, type CollectorConfig } from '../src/config.js';
import { createMetrics } from '../src/metrics.js';
import { clientBucket } from '../src/rate-limit.js';
import { CIPHERTEXT_LENGTHS } from '../src/routes/submissions.js';
import { startServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, addCampaign, envelopeFor, expectDocumented, solve, type EngineFixture, type TestCampaign } from './helpers.js';

const ADMIN_TOKEN = 'admin-token-for-abuse-tests-0123456789ab';

/** A public key string with a right checksum whose Ed25519 half is not a curve point. */
async function keyOffTheCurve(campaign: TestCampaign): Promise<string> {
  const bytes = new Uint8Array(64);
  bytes.set(campaign.keys.publicKey.encryptionKey);
  bytes.fill(0xff, 32);
  return encodeKeyString('sspk1', bytes);
}

describe('client buckets', () => {
  it('cut IPv6 addresses to their prefix and read IPv4-mapped addresses as IPv4', () => {
    expect(clientBucket('2001:db8:1:2:3:4:5:6', 64)).toBe(clientBucket('2001:db8:1:2:ffff::1', 64));
    expect(clientBucket('2001:db8:1:2:3:4:5:6', 64)).not.toBe(clientBucket('2001:db8:1:3::1', 64));
    expect(clientBucket('2001:db8:1:2:3:4:5:6', 48)).toBe(clientBucket('2001:db8:1:ffff::1', 48));
    expect(clientBucket('2001:db8::1', 128)).not.toBe(clientBucket('2001:db8::2', 128));
    expect(clientBucket('::ffff:203.0.113.7', 64)).toBe('203.0.113.7');
    expect(clientBucket('203.0.113.7', 64)).toBe('203.0.113.7');
    expect(clientBucket('fe80::1%eth0', 64)).toBe(clientBucket('fe80::2', 64));
  });
});

describe('configuration limits', () => {
  it('accepts a rate limit up to 1000000 and names the setting above it', () => {
    expect(resolveConfig({ rateLimit: 500_000 }).challengeRateLimit).toBe(2_500_000);
    expect(resolveConfig({ rateLimit: 1_000_000 }).rateLimit).toBe(1_000_000);
    expect(() => resolveConfig({ rateLimit: 1_000_001 })).toThrow('config.rateLimit: at most 1000000');
    expect(() => resolveConfig({ ipv6Prefix: 16 })).toThrow(/config\.ipv6Prefix/);
  });

  it('has the documented defaults', () => {
    const config = resolveConfig();
    expect(config).toMatchObject({ ipv6Prefix: 64, campaignRateLimit: 6000, authFailureLimit: 10, clockSkewSeconds: 300 });
    expect(resolveConfig({ rateLimit: 100_000 }).campaignRateLimit).toBe(100_000);
  });
});

describe('ciphertext lengths', () => {
  it('are the padding buckets plus the sealed-box overhead, as real envelopes have them', async () => {
    expect([...CIPHERTEXT_LENGTHS]).toHaveLength(PADDING_BUCKETS.length);
    const store = { createCampaign: async () => true } as unknown as Store;
    const keys = await (await import('@secure-sign/crypto')).generateCampaignKeys();
    await registerCampaign(store, { campaign: 'lengths', key: keys.publicKey.keyString });
    const campaign = { id: 'lengths', keys, token: '' };
    for (const name of ['A', 'B'.repeat(200)]) {
      const { ct } = await envelopeFor(campaign, name);
      expect(CIPHERTEXT_LENGTHS.has(ct.length), `${ct.length}`).toBe(true);
      expect(PADDING_BUCKETS).toContain(Buffer.from(ct, 'base64url').length - SEALED_BOX_OVERHEAD);
    }
  });
});

describe.each(ENGINES)('abuse resistance on $name', ({ make }) => {
  let fixture: EngineFixture;
  let store: Store;
  let campaign: TestCampaign;
  let logLines: string[];

  const appWith = (config: Partial<CollectorConfig>) => {
    const metrics = createMetrics();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const app = createApp({
      store,
      config: resolveConfig({ powDifficulty: 10, adminToken: ADMIN_TOKEN, trustProxy: true, ...config }),
      logger: pino({ level: 'info' }, sink),
      metrics,
    });
    return { app, metrics };
  };
  const from = (address: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...headers });
  const submit = async (app: ReturnType<typeof appWith>['app'], target: TestCampaign, address: string, envelope?: unknown) => {
    const challenge = await app.request(`/v1/campaigns/${target.id}/challenge`, { method: 'POST', headers: from('198.51.100.200') });
    expect(challenge.status).toBe(201);
    const body = { envelope: envelope ?? (await envelopeFor(target)), pow: await solve(await challenge.json()) };
    return app.request(`/v1/campaigns/${target.id}/submissions`, {
      method: 'POST',
      headers: from(address, { 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
  };

  beforeEach(async () => {
    logLines = [];
    fixture = make();
    store = await fixture.open();
    campaign = await addCampaign(store, 'target');
  });
  afterEach(async () => {
    await store.close();
    await fixture.cleanup();
  });

  it('answers a key off the curve with 400 invalid-request naming key, not a 500', async () => {
    const { app } = appWith({});
    const key = await keyOffTheCurve(campaign);
    const response = await app.request('/v1/admin/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ campaign: 'off-curve', key }),
    });
    expect(response.status).toBe(400);
    const problem = (await expectDocumented(response, 'POST', '/v1/admin/campaigns')) as { code: string; detail: string };
    expect(problem.code).toBe('invalid-request');
    expect(problem.detail).toMatch(/^key: /);
    expect(problem.detail).not.toContain(key.slice(5, 30));
    expect(logLines.join('')).not.toContain('unexpected failure');
    await expect(registerCampaign(store, { campaign: 'off-curve', key })).rejects.toThrow(TypeError);
  });

  it('never echoes the names of unknown members in an admin error', async () => {
    const { app } = appWith({});
    const response = await app.request('/v1/admin/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ campaign: 'echo', key: campaign.keys.publicKey.keyString, '<script>alert(1)</script>': 1 }),
    });
    const problem = (await expectDocumented(response, 'POST', '/v1/admin/campaigns')) as { code: string; detail: string };
    expect(problem.code).toBe('invalid-request');
    expect(problem.detail).not.toContain('script');
    expect(problem.detail).toBe('body: unknown member (allowed: campaign, key, origins, goal, opensAt, closesAt, countShown)');
  });

  it('accepts the bearer scheme in any case', async () => {
    const { app } = appWith({});
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await app.request('/v1/campaigns/target/export', { headers: { authorization: `${scheme} ${campaign.token}` } });
      expect(response.status, scheme).toBe(200);
      await response.text();
    }
    const admin = await app.request('/v1/admin/campaigns/target/token', { method: 'POST', headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
  });

  it('buckets IPv6 clients by /64 (configurable) for submissions and challenges', async () => {
    const addresses = Array.from({ length: 15 }, (_, i) => `2001:db8:42:7:${(i + 1).toString(16)}::${i + 1}`);
    const statuses = async (config: Partial<CollectorConfig>) => {
      const { app } = appWith({ challengeRateLimit: 10, ...config });
      const result: number[] = [];
      for (const address of addresses) {
        const response = await app.request('/v1/campaigns/target/challenge', { method: 'POST', headers: from(address) });
        result.push(response.status);
      }
      // Another /64 has its own bucket.
      result.push((await app.request('/v1/campaigns/target/challenge', { method: 'POST', headers: from('2001:db8:42:8::1') })).status);
      return result;
    };
    expect(await statuses({})).toEqual([...Array(10).fill(201), ...Array(5).fill(429), 201]);
    expect(await statuses({ ipv6Prefix: 128 })).toEqual(Array(16).fill(201));

    const { app } = appWith({ rateLimit: 2 });
    const submitted = [];
    for (const address of addresses.slice(0, 3)) submitted.push((await submit(app, campaign, address)).status);
    expect(submitted).toEqual([201, 201, 429]);
  });

  it('holds a campaign to its ceiling across clients, with a metric and one log line', async () => {
    const { app, metrics } = appWith({ campaignRateLimit: 2, rateLimit: 100 });
    const other = await addCampaign(store, 'other');
    const statuses = [];
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) statuses.push(await submit(app, campaign, address));
    expect(statuses.map((r) => r.status)).toEqual([201, 201, 429, 429]);
    expect(Number(statuses[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await expectDocumented(statuses[2]!, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string }).code).toBe('rate-limited');
    expect((await submit(app, other, '203.0.113.5')).status).toBe(201);
    const text = await metrics.registry.metrics();
    expect(text).toContain('secure_sign_campaign_ceiling_hits_total{campaign="target"} 2');
    const warnings = logLines.filter((line) => line.includes('campaign ceiling reached'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, campaign: 'target', limit: 2 });
    expect((await store.getCampaign('target'))!.count).toBe(2);
  });

  it('refuses a ciphertext whose length is not a padding bucket plus the sealed-box overhead', async () => {
    const { app } = appWith({});
    const real = await envelopeFor(campaign);
    // Canonical base64url, a plausible size, but 3 bytes short of the smallest bucket.
    const short = { ...real, ct: 'A'.repeat(real.ct.length - 4) };
    const response = await submit(app, campaign, '203.0.113.9', short);
    expect(response.status).toBe(400);
    const problem = (await expectDocumented(response, 'POST', '/v1/campaigns/{campaign}/submissions')) as { code: string; detail: string };
    expect(problem.code).toBe('malformed-envelope');
    expect(problem.detail).toContain('padding buckets');
    expect((await submit(app, campaign, '203.0.113.9', real)).status).toBe(201);
  });

  it('limits failed staff and admin token attempts per client, with Retry-After', async () => {
    const { app } = appWith({ authFailureLimit: 3 });
    const wrong = `sst_${'A'.repeat(43)}`;
    const exportAs = (address: string, token: string) => app.request('/v1/campaigns/target/export', { headers: from(address, { authorization: `Bearer ${token}` }) });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await exportAs('203.0.113.66', wrong)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Locked out for the window, right token or not: guessing gets no answers.
    const locked = await exportAs('203.0.113.66', campaign.token);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await expectDocumented(locked, 'GET', '/v1/campaigns/{campaign}/export')) as { code: string }).code).toBe('rate-limited');
    // Others are not.
    expect((await exportAs('203.0.113.67', campaign.token)).status).toBe(200);
    // Successes do not count.
    for (let i = 0; i < 5; i++) expect((await exportAs('203.0.113.68', campaign.token)).status).toBe(200);

    const admin = (token: string) => app.request('/v1/admin/campaigns/target/token', { method: 'POST', headers: from('198.51.100.1', { authorization: `Bearer ${token}` }) });
    const adminStatuses = [];
    for (let i = 0; i < 4; i++) adminStatuses.push((await admin('wrong')).status);
    expect(adminStatuses).toEqual([401, 401, 401, 429]);
    expect((await admin(ADMIN_TOKEN)).status).toBe(429);
  });

  it('prunes spent challenges only a clock-skew margin after they expired', async () => {
    const now = Date.now();
    await fixture.query('INSERT INTO spent_challenges (id, expires_at) VALUES ($1, $2), ($3, $4), ($5, $6)'.replace(/\$\d/g, fixture.name === 'sqlite' ? '?' : (m) => m), [
      'expired-a-minute-ago',
      now - 60_000,
      'expired-ten-minutes-ago',
      now - 600_000,
      'valid',
      now + 60_000,
    ]);
    const { app } = appWith({});
    const server = await startServer({
      app,
      store: { ...store, close: async () => {} },
      logger: pino({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      clock: { now: () => now },
      clockSkewMs: 300_000,
      pruneIntervalMs: 20,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await server.close();
    }
    const rows = await fixture.query('SELECT id FROM spent_challenges ORDER BY id');
    expect(rows.map((row) => row['id'])).toEqual(['expired-a-minute-ago', 'valid']);
  });
});
