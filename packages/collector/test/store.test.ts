// One storage suite, run against SQLite and PostgreSQL: both engines must behave identically.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, SubmissionInsert } from '../src/store/types.js';
import { ENGINES, type EngineFixture } from './helpers.js';

const campaign = (id: string) => ({
  id,
  key: 'sspk1-test',
  keyId: 'aaaaaaaaaaaaaaaa',
  origins: ['https://partner.example'],
  goal: 100,
  opensAt: null,
  closesAt: '2030-01-01T00:00:00.000Z',
  tokenHash: 'ab'.repeat(32),
});

let n = 0;
const insert = (over: Partial<SubmissionInsert> = {}): SubmissionInsert => {
  n += 1;
  return {
    campaign: 'c1',
    sid: `sid${String(n).padStart(18, '0')}A`,
    envelope: `{"n":${n}}`,
    envelopeHash: `hash-${n}`,
    receivedAt: '2026-11-27T10:00:00.000Z',
    powId: `pow-${n}`,
    powExpiresAt: 2_000_000_000_000,
    ...over,
  };
};

describe.each(ENGINES)('store on $name', ({ make }) => {
  let fixture: EngineFixture;
  let store: Store;

  beforeEach(async () => {
    // Pages of 3 rows, so the exports below cross page boundaries.
    fixture = make(3);
    store = await fixture.open();
    await store.createCampaign(campaign('c1'));
  });
  afterEach(async () => {
    await store.close();
    await fixture.cleanup();
  });

  it('creates, reads and lists campaigns; refuses a taken id', async () => {
    expect(await store.createCampaign(campaign('c1'))).toBe(false);
    expect(await store.createCampaign(campaign('c0'))).toBe(true);
    const got = await store.getCampaign('c1');
    expect(got).toEqual({ ...campaign('c1'), count: 0 });
    expect((await store.listCampaigns()).map((c) => c.id)).toEqual(['c0', 'c1']);
    expect(await store.getCampaign('nope')).toBeUndefined();
  });

  it('changes the settings of existing campaigns only', async () => {
    const settings = { origins: [], goal: null, opensAt: '2026-01-01T00:00:00.000Z', closesAt: null };
    expect(await store.updateCampaign('c1', settings)).toBe(true);
    expect(await store.getCampaign('c1')).toEqual({ ...campaign('c1'), ...settings, count: 0 });
    expect(await store.updateCampaign('nope', settings)).toBe(false);
  });

  it('replaces the token hash of existing campaigns only', async () => {
    expect(await store.setTokenHash('c1', 'cd'.repeat(32))).toBe(true);
    expect((await store.getCampaign('c1'))!.tokenHash).toBe('cd'.repeat(32));
    expect(await store.setTokenHash('nope', 'cd'.repeat(32))).toBe(false);
  });

  it('keeps one shared secret per name, across reopen', async () => {
    const a = await store.sharedSecret('x');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.sharedSecret('y')).not.toBe(a);
    const other = await fixture.open();
    try {
      expect(await other.sharedSecret('x')).toBe(a);
    } finally {
      await other.close();
    }
  });

  it('stores submissions with increasing seq, detects duplicates, conflicts and spent challenges', async () => {
    const first = insert();
    const created = await store.insertSubmission(first);
    expect(created).toEqual({ status: 'created', seq: 1, receivedAt: first.receivedAt });
    expect(await store.insertSubmission({ ...first, powId: 'other', receivedAt: '2027-01-01T00:00:00.000Z' })).toEqual({
      status: 'duplicate',
      receivedAt: first.receivedAt,
    });
    expect(await store.insertSubmission({ ...first, envelope: '{"other":1}', envelopeHash: 'other', powId: 'other2' })).toEqual({ status: 'conflict' });
    expect(await store.insertSubmission(insert({ powId: first.powId }))).toEqual({ status: 'pow-replayed' });
    expect(await store.insertSubmission(insert({ campaign: 'nope' }))).toEqual({ status: 'unknown-campaign' });
    const second = await store.insertSubmission(insert());
    expect(second).toMatchObject({ status: 'created', seq: 2 });
    expect((await store.getCampaign('c1'))!.count).toBe(2);
    expect(await store.findSubmission('c1', first.sid)).toEqual({ envelopeHash: first.envelopeHash, receivedAt: first.receivedAt, deleted: false });
    expect(await store.findSubmission('c1', 'missing')).toBeUndefined();
  });

  it('assigns distinct consecutive seqs to concurrent inserts', async () => {
    const inserts = Array.from({ length: 40 }, () => insert());
    const results = await Promise.all(inserts.map((i) => store.insertSubmission(i)));
    const seqs = results.map((r) => (r.status === 'created' ? r.seq : -1)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await store.getCampaign('c1'))!.count).toBe(40);
  });

  it('exports after a cursor, bounded by a limit, oldest first', async () => {
    const inserts = Array.from({ length: 7 }, () => insert());
    for (const i of inserts) await store.insertSubmission(i);
    const all = [];
    for await (const row of store.exportSubmissions('c1', 0, 100)) all.push(row);
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(all[0]).toEqual({ seq: 1, sid: inserts[0]!.sid, envelope: inserts[0]!.envelope, receivedAt: inserts[0]!.receivedAt });
    const page = [];
    for await (const row of store.exportSubmissions('c1', 2, 3)) page.push(row.seq);
    expect(page).toEqual([3, 4, 5]);
    const acrossPages = [];
    for await (const row of store.exportSubmissions('c1', 1, 5)) acrossPages.push(row.seq);
    expect(acrossPages).toEqual([2, 3, 4, 5, 6]);
    const exactPages = [];
    for await (const row of store.exportSubmissions('c1', 1, 6)) exactPages.push(row.seq);
    expect(exactPages).toEqual([2, 3, 4, 5, 6, 7]);
    const none = [];
    for await (const row of store.exportSubmissions('c1', 7, 10)) none.push(row);
    expect(none).toEqual([]);
  });

  it('deletes a submission: count drops, export skips it, a second delete finds nothing, a retry does not restore it', async () => {
    const a = insert();
    const b = insert();
    await store.insertSubmission(a);
    await store.insertSubmission(b);
    expect(await store.deleteSubmission('c1', a.sid)).toBe(true);
    expect(await store.deleteSubmission('c1', a.sid)).toBe(false);
    expect((await store.getCampaign('c1'))!.count).toBe(1);
    const rows = [];
    for await (const row of store.exportSubmissions('c1', 0, 10)) rows.push(row.sid);
    expect(rows).toEqual([b.sid]);
    expect(await store.findSubmission('c1', a.sid)).toEqual({ envelopeHash: a.envelopeHash, receivedAt: a.receivedAt, deleted: true });
    expect(await store.insertSubmission({ ...a, powId: 'retry' })).toEqual({ status: 'duplicate', receivedAt: a.receivedAt });
    expect(await store.insertSubmission({ ...a, envelopeHash: 'x', powId: 'retry2' })).toEqual({ status: 'conflict' });
    expect((await store.getCampaign('c1'))!.count).toBe(1);
    // Deleted means gone: the ciphertext is no longer in the database.
    const again = [];
    for await (const row of store.exportSubmissions('c1', 0, 10)) again.push(row.envelope);
    expect(again).toEqual([b.envelope]);
  });

  it('stores, replaces and reads files', async () => {
    expect(await store.getFile('c1', 'wall.json')).toBeUndefined();
    await store.putFile('c1', 'wall.json', { body: '{"a":1}', issuedAt: 'i1', updatedAt: 'u1' });
    await store.putFile('c1', 'wall.json', { body: '{"a":2}', issuedAt: 'i2', updatedAt: 'u2' });
    expect(await store.getFile('c1', 'wall.json')).toEqual({ body: '{"a":2}', issuedAt: 'i2', updatedAt: 'u2' });
  });

  it('prunes only expired spent challenges', async () => {
    await store.insertSubmission(insert({ powId: 'old', powExpiresAt: 1000 }));
    await store.insertSubmission(insert({ powId: 'new', powExpiresAt: 5000 }));
    expect(await store.pruneSpentChallenges(2000)).toBe(1);
    // The pruned one is forgotten; the live one still refuses replay.
    expect(await store.insertSubmission(insert({ powId: 'new' }))).toEqual({ status: 'pow-replayed' });
    expect(await store.insertSubmission(insert({ powId: 'old' }))).toMatchObject({ status: 'created' });
  });

  it('keeps everything across a reopen', async () => {
    const a = insert();
    await store.insertSubmission(a);
    await store.close();
    store = await fixture.open();
    expect((await store.getCampaign('c1'))!.count).toBe(1);
    expect(await store.findSubmission('c1', a.sid)).toBeDefined();
    expect(await store.insertSubmission(insert())).toMatchObject({ status: 'created', seq: 2 });
  });
});
