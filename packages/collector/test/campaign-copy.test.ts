// The submission route keeps a copy of each campaign's settings instead of reading the campaign
// on every request. These tests change a campaign behind the route's back (through a second
// store handle, as another process or the admin command would) and check that every change takes
// effect on the very next submission: origins, dates, a retention close, and a change that lands
// between the route's decision and its write (the store's `stale` answer). On both engines.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { updateCampaign } from '../src/campaigns.js';
import { resolveConfig } from '../src/config.js';
import type { CampaignRecord, InsertResult, Store, SubmissionInsert } from '../src/store/types.js';
import { ENGINES, addCampaign, envelopeFor, solve, submissionInsert, type EngineFixture, type TestCampaign } from './helpers.js';

const START = Math.floor(Date.now() / 1000) * 1000;
const terms = (c: CampaignRecord) => ({ keyId: c.keyId, origins: c.origins, opensAt: c.opensAt, closesAt: c.closesAt });

describe.each(ENGINES)('campaign settings checked in the write on $name', ({ make }) => {
  let fixture: EngineFixture;
  let store: Store;

  beforeAll(async () => {
    fixture = make();
    store = await fixture.open();
    await addCampaign(store, 'c1', { origins: ['https://a.example', 'https://b.example'] });
  });

  afterAll(async () => {
    await store?.close();
    await fixture?.cleanup();
  });

  it('stores nothing and spends no challenge when the settings changed, and stores with the current ones', async () => {
    const before = (await store.getCampaign('c1'))!;
    expect(await store.insertSubmission(submissionInsert(1, { expect: terms(before) }))).toMatchObject({ status: 'created' });

    // Origins in another order are other settings.
    expect(await updateCampaign(store, 'c1', { origins: ['https://b.example', 'https://a.example'] })).toBe(true);
    const second = submissionInsert(2, { expect: terms(before) });
    expect(await store.insertSubmission(second)).toEqual({ status: 'stale' });
    expect(await store.findSubmission('c1', second.sid)).toBeUndefined();
    const now = (await store.getCampaign('c1'))!;
    // The same challenge is still unspent.
    expect(await store.insertSubmission({ ...second, expect: terms(now) })).toMatchObject({ status: 'created' });

    expect(await store.insertSubmission(submissionInsert(3, { expect: { ...terms(now), keyId: 'another-key' } }))).toEqual({ status: 'stale' });
    expect(await store.insertSubmission(submissionInsert(3, { expect: { ...terms(now), closesAt: '2030-01-01T00:00:00.000Z' } }))).toEqual({ status: 'stale' });
    expect(await store.insertSubmission(submissionInsert(3, { expect: { ...terms(now), opensAt: '2020-01-01T00:00:00.000Z' } }))).toEqual({ status: 'stale' });
    // Without `expect`, nothing is compared.
    expect(await store.insertSubmission(submissionInsert(3))).toMatchObject({ status: 'created' });
  });

  it('answers stale items of a batch alone, the others in order with consecutive seqs', async () => {
    const now = (await store.getCampaign('c1'))!;
    const old = { ...terms(now), origins: ['https://old.example'] };
    const items = [10, 11, 12, 13].map((n) => submissionInsert(n, { expect: n === 11 || n === 13 ? old : terms(now) }));
    const results = await Promise.all(items.map((item) => store.insertSubmission(item)));
    expect(results.map((r) => r.status)).toEqual(['created', 'stale', 'created', 'stale']);
    const [a, , b] = results as [Extract<InsertResult, { status: 'created' }>, InsertResult, Extract<InsertResult, { status: 'created' }>];
    expect(b.seq).toBe(a.seq + 1);
    expect(await store.findSubmission('c1', items[1]!.sid)).toBeUndefined();
    expect((await store.getCampaign('c1'))!.count).toBe(now.count + 2);
  });

  it('answers closed and unknown campaigns as before, whatever the expected settings', async () => {
    const now = (await store.getCampaign('c1'))!;
    expect(await store.insertSubmission(submissionInsert(20, { campaign: 'nope', expect: terms(now) }))).toEqual({ status: 'unknown-campaign' });
    await store.closeCampaign('c1', new Date(START).toISOString(), new Date(START + 86_400_000).toISOString());
    expect(await store.insertSubmission(submissionInsert(21, { expect: terms(now) }))).toEqual({ status: 'closed' });
    // A retry of a stored envelope still answers.
    expect(await store.insertSubmission(submissionInsert(1, { expect: terms(now), powId: 'retry' }))).toMatchObject({ status: 'duplicate' });
  });
});

describe.each(ENGINES)('the submission route after a campaign changed elsewhere on $name', ({ make }) => {
  let fixture: EngineFixture;
  let store: Store;
  // The other process: its own connection to the same database.
  let other: Store;
  let campaign: TestCampaign;
  let app: ReturnType<typeof createApp>;
  // Runs once, inside the next insertSubmission call, before the write: a change that lands
  // between the route's decision and its transaction.
  let beforeWrite: (() => Promise<void>) | undefined;

  const post = async (body: unknown, origin?: string) => {
    const response = await app.request(`/v1/campaigns/${campaign.id}/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(origin === undefined ? {} : { origin }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, allow: response.headers.get('access-control-allow-origin'), body: (await response.json()) as { code?: string; sid?: string } };
  };
  const fresh = async () => {
    const challenge = await app.request(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' });
    expect(challenge.status).toBe(201);
    return { envelope: await envelopeFor(campaign), pow: await solve(await challenge.json()) };
  };

  beforeAll(async () => {
    fixture = make();
    store = await fixture.open();
    other = await fixture.open();
    campaign = await addCampaign(store, 'moving', { origins: ['https://a.example'] });
    const wrapped: Store = Object.create(store) as Store;
    wrapped.insertSubmission = async (insert: SubmissionInsert) => {
      const change = beforeWrite;
      beforeWrite = undefined;
      await change?.();
      return store.insertSubmission(insert);
    };
    app = createApp({
      store: wrapped,
      config: resolveConfig({ powDifficulty: 50, rateLimit: 10_000 }),
      clock: { now: () => START },
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await other?.close();
    await store?.close();
    await fixture?.cleanup();
  });

  it('applies changed origins to the next submission', async () => {
    const first = await post(await fresh(), 'https://a.example');
    expect(first).toMatchObject({ status: 201, allow: 'https://a.example' });

    await updateCampaign(other, campaign.id, { origins: ['https://b.example'] });
    const refused = await post(await fresh(), 'https://a.example');
    expect(refused).toMatchObject({ status: 403, allow: null, body: { code: 'origin-not-allowed' } });
    expect(await post(await fresh(), 'https://b.example')).toMatchObject({ status: 201, allow: 'https://b.example' });

    // Changed between the decision and the write: the write answers stale, the route decides again.
    const body = await fresh();
    beforeWrite = async () => void (await updateCampaign(other, campaign.id, { origins: ['https://c.example'] }));
    expect(await post(body, 'https://b.example')).toMatchObject({ status: 403, allow: null, body: { code: 'origin-not-allowed' } });
    expect(await store.findSubmission(campaign.id, body.envelope.sid)).toBeUndefined();
    // Allowed again: the same body, its challenge unspent, is stored.
    await updateCampaign(other, campaign.id, { origins: [] });
    expect(await post(body, 'https://b.example')).toMatchObject({ status: 201, allow: '*' });
  });

  it('applies changed dates to the next submission, both ways', async () => {
    // Challenges are refused while it is closed: take one first.
    const early = await fresh();
    await updateCampaign(other, campaign.id, { closesAt: new Date(START - 1000).toISOString() });
    expect(await post(early)).toMatchObject({ status: 403, body: { code: 'campaign-closed' } });
    expect(await store.findSubmission(campaign.id, early.envelope.sid)).toBeUndefined();
    await updateCampaign(other, campaign.id, { closesAt: new Date(START + 60_000).toISOString() });
    expect(await post(await fresh())).toMatchObject({ status: 201 });

    const body = await fresh();
    beforeWrite = async () => void (await updateCampaign(other, campaign.id, { opensAt: new Date(START + 1000).toISOString() }));
    expect(await post(body)).toMatchObject({ status: 403, body: { code: 'campaign-closed' } });
    expect(await store.findSubmission(campaign.id, body.envelope.sid)).toBeUndefined();
    await updateCampaign(other, campaign.id, { opensAt: null });
    expect(await post(body)).toMatchObject({ status: 201 });
  });

  it('applies a retention close to the next submission; a stored envelope still gets its receipt', async () => {
    const stored = await fresh();
    expect(await post(stored)).toMatchObject({ status: 201 });
    // Challenges are refused once it is closed: take them first.
    const next = await fresh();
    const after = await fresh();
    await other.closeCampaign(campaign.id, new Date(START).toISOString(), new Date(START + 86_400_000).toISOString());
    // The route's copy still says open: the write's transaction refuses it.
    expect(await post(next)).toMatchObject({ status: 403, body: { code: 'campaign-closed' } });
    expect(await store.findSubmission(campaign.id, next.envelope.sid)).toBeUndefined();
    expect(await post(after)).toMatchObject({ status: 403, body: { code: 'campaign-closed' } });
    // A retry (its proof of work spent) is answered from the store.
    expect(await post(stored)).toMatchObject({ status: 200, body: { sid: stored.envelope.sid } });
  });
});
