// One storage suite, run against SQLite and PostgreSQL: both engines must behave identically.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWithdrawalSecret } from '@secure-sign/crypto';
import { decodeEntry } from '@secure-sign/crypto/log';
import { withdrawalEntry } from '../src/store/log-entries.js';
import type { Store, SubmissionInsert, WithdrawalRequest } from '../src/store/types.js';
import { ENGINES, legacySchema, postgresFixture, submissionInsert, type EngineFixture } from './helpers.js';

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
const insert = (over: Partial<SubmissionInsert> = {}): SubmissionInsert => submissionInsert(++n, over);

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
    expect(got).toEqual({ ...campaign('c1'), count: 0, logSize: 0, retention: null, confirmed: 0, countShown: 'all' });
    expect((await store.listCampaigns()).map((c) => c.id)).toEqual(['c0', 'c1']);
    expect(await store.getCampaign('nope')).toBeUndefined();
  });

  it('changes the settings of existing campaigns only', async () => {
    const settings = { origins: [], goal: null, opensAt: '2026-01-01T00:00:00.000Z', closesAt: null };
    expect(await store.updateCampaign('c1', settings)).toBe(true);
    expect(await store.getCampaign('c1')).toEqual({ ...campaign('c1'), ...settings, count: 0, logSize: 0, retention: null, confirmed: 0, countShown: 'all' });
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
    expect(await store.findSubmission('c1', first.sid)).toEqual({ seq: 1, envelopeHash: first.envelopeHash, receivedAt: first.receivedAt, deleted: false });
    expect(await store.findSubmission('c1', 'missing')).toBeUndefined();
  });

  it('assigns distinct consecutive seqs to concurrent inserts', async () => {
    const inserts = Array.from({ length: 40 }, () => insert());
    const results = await Promise.all(inserts.map((i) => store.insertSubmission(i)));
    const seqs = results.map((r) => (r.status === 'created' ? r.seq : -1)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await store.getCampaign('c1'))!.count).toBe(40);
  });

  it('gives each of many concurrent inserts the result of one-by-one inserts in arrival order', async () => {
    // Concurrent calls are written in batches (PostgreSQL group commit): duplicates, conflicts and
    // replays inside one batch, against rows already stored, and challenges already spent must
    // all come out as if each call had been alone.
    const pre = insert();
    const spentBefore = insert();
    expect(await store.insertSubmission(pre)).toMatchObject({ status: 'created', seq: 1 });
    expect(await store.insertSubmission(spentBefore)).toMatchObject({ status: 'created', seq: 2 });
    const later = '2027-01-01T00:00:00.000Z';
    const calls: { insert: SubmissionInsert; expected: string }[] = [];
    const unusedPows: string[] = [];
    for (let k = 0; k < 20; k += 1) {
      const a = insert();
      const replayedSid = insert({ powId: spentBefore.powId });
      const dupOfA = { ...a, powId: `dup-pow-${k}`, receivedAt: later };
      const conflictOfA = { ...a, envelope: '{"other":1}', envelopeHash: `other-${k}`, powId: `conflict-pow-${k}` };
      unusedPows.push(conflictOfA.powId);
      calls.push(
        { insert: a, expected: 'created' },
        { insert: dupOfA, expected: `duplicate ${a.receivedAt}` },
        { insert: conflictOfA, expected: 'conflict' },
        { insert: insert({ powId: a.powId }), expected: 'pow-replayed' },
        // Replayed challenge: its sid stays free, so the next item with that sid is created.
        { insert: replayedSid, expected: 'pow-replayed' },
        { insert: insert({ sid: replayedSid.sid }), expected: 'created' },
        { insert: { ...pre, powId: `pre-dup-${k}`, receivedAt: later }, expected: `duplicate ${pre.receivedAt}` },
        { insert: { ...pre, envelopeHash: `x-${k}`, powId: `pre-conflict-${k}` }, expected: 'conflict' },
        // The duplicate above did not spend its challenge: a new submission may.
        { insert: insert({ powId: dupOfA.powId }), expected: 'created' },
        { insert: insert({ campaign: 'nope' }), expected: 'unknown-campaign' },
      );
    }
    expect(calls).toHaveLength(200);
    const results = await Promise.all(calls.map((c) => store.insertSubmission(c.insert)));
    const describe = (r: (typeof results)[number]) =>
      r.status === 'duplicate' ? `duplicate ${r.receivedAt}` : r.status;
    expect(results.map(describe)).toEqual(calls.map((c) => c.expected));
    // Created rows got seq 3..62 in arrival order, no gaps, each with its own receipt time.
    const created = calls.filter((c) => c.expected === 'created');
    expect(results.filter((r) => r.status === 'created')).toEqual(
      created.map((c, i) => ({ status: 'created', seq: i + 3, receivedAt: c.insert.receivedAt })),
    );
    expect((await store.getCampaign('c1'))!.count).toBe(62);
    const rows = [];
    for await (const row of store.exportEvents('c1', 0, 1000)) rows.push(row);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
    expect(rows.slice(2).map((r) => [r.sid, r.kind === 'stored' && r.envelope])).toEqual(created.map((c) => [c.insert.sid, c.insert.envelope]));
    // Every created item spent its challenge...
    const replays = await Promise.all(created.map((c) => store.insertSubmission(insert({ powId: c.insert.powId }))));
    expect(replays.map((r) => r.status)).toEqual(created.map(() => 'pow-replayed'));
    // ...and refused items spent nothing: their challenges are still good.
    expect(await store.insertSubmission(insert({ powId: unusedPows[0]! }))).toMatchObject({ status: 'created', seq: 63 });
  });

  it('exports after a cursor, bounded by a limit, oldest first', async () => {
    const inserts = Array.from({ length: 7 }, () => insert());
    for (const i of inserts) await store.insertSubmission(i);
    const all = [];
    for await (const row of store.exportEvents('c1', 0, 100)) all.push(row);
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(all[0]).toEqual({
      kind: 'stored',
      seq: 1,
      sid: inserts[0]!.sid,
      envelope: inserts[0]!.envelope,
      envelopeHash: inserts[0]!.envelopeHash,
      wh: inserts[0]!.wh,
      ch: null,
      receivedAt: inserts[0]!.receivedAt,
    });
    const page = [];
    for await (const row of store.exportEvents('c1', 2, 3)) page.push(row.seq);
    expect(page).toEqual([3, 4, 5]);
    const acrossPages = [];
    for await (const row of store.exportEvents('c1', 1, 5)) acrossPages.push(row.seq);
    expect(acrossPages).toEqual([2, 3, 4, 5, 6]);
    const exactPages = [];
    for await (const row of store.exportEvents('c1', 1, 6)) exactPages.push(row.seq);
    expect(exactPages).toEqual([2, 3, 4, 5, 6, 7]);
    const none = [];
    for await (const row of store.exportEvents('c1', 7, 10)) none.push(row);
    expect(none).toEqual([]);
  });

  it('deletes a submission: count drops, export shows it removed and logs the removal, a second delete finds nothing, a retry does not restore it', async () => {
    const a = insert();
    const b = insert();
    await store.insertSubmission(a);
    await store.insertSubmission(b);
    expect(await store.deleteSubmission('c1', a.sid, '2026-11-28T12:00:00.000Z')).toBe(true);
    expect(await store.deleteSubmission('c1', a.sid)).toBe(false);
    expect((await store.getCampaign('c1'))!.count).toBe(1);
    expect((await store.getCampaign('c1'))!.logSize).toBe(3);
    const rows = [];
    for await (const row of store.exportEvents('c1', 0, 10)) rows.push(row);
    expect(rows).toEqual([
      { kind: 'stored', seq: 1, sid: a.sid, receivedAt: a.receivedAt, envelope: null, envelopeHash: a.envelopeHash, wh: a.wh, ch: null },
      { kind: 'stored', seq: 2, sid: b.sid, receivedAt: b.receivedAt, envelope: b.envelope, envelopeHash: b.envelopeHash, wh: b.wh, ch: null },
      { kind: 'removal', seq: 3, sid: a.sid, receivedAt: '2026-11-28T12:00:00.000Z' },
    ]);
    expect(await store.findSubmission('c1', a.sid)).toEqual({ seq: 1, envelopeHash: a.envelopeHash, receivedAt: a.receivedAt, deleted: true });
    expect(await store.insertSubmission({ ...a, powId: 'retry' })).toEqual({ status: 'duplicate', receivedAt: a.receivedAt });
    expect(await store.insertSubmission({ ...a, envelopeHash: 'x', powId: 'retry2' })).toEqual({ status: 'conflict' });
    expect((await store.getCampaign('c1'))!.count).toBe(1);
    // Deleted means gone: the ciphertext is no longer in the database.
    const again = [];
    for await (const row of store.exportEvents('c1', 0, 10)) if (row.kind === 'stored') again.push(row.envelope);
    expect(again).toEqual([null, b.envelope]);
  });

  it('withdraws in one step: checks the hash, deletes the envelope, logs 0x02 with the next seq, lowers the count; a repeat changes nothing', async () => {
    const secret = createWithdrawalSecret();
    const a = insert({ wh: secret.hash });
    const b = insert();
    await store.insertSubmission(a);
    await store.insertSubmission(b);
    const request = (over: Partial<WithdrawalRequest> = {}): WithdrawalRequest => ({
      campaign: 'c1',
      sid: a.sid,
      secret: secret.secret,
      secretHash: secret.hash,
      entry: withdrawalEntry(a.sid, secret.secret),
      receivedAt: '2026-11-28T13:00:00.000Z',
      ...over,
    });
    const other = createWithdrawalSecret();
    expect(await store.withdrawSubmission(request({ secret: other.secret, secretHash: other.hash }))).toEqual({ status: 'refused' });
    expect(await store.withdrawSubmission(request({ sid: insert().sid }))).toEqual({ status: 'not-found' });
    expect(await store.withdrawSubmission(request({ campaign: 'nope' }))).toEqual({ status: 'not-found' });
    expect((await store.getCampaign('c1'))!).toMatchObject({ count: 2, logSize: 2 });

    expect(await store.withdrawSubmission(request())).toEqual({ status: 'withdrawn', seq: 3, receivedAt: '2026-11-28T13:00:00.000Z' });
    expect((await store.getCampaign('c1'))!).toMatchObject({ count: 1, logSize: 3 });
    expect(await store.withdrawSubmission(request({ receivedAt: '2026-11-29T00:00:00.000Z' }))).toEqual({
      status: 'already-withdrawn',
      seq: 3,
      receivedAt: '2026-11-28T13:00:00.000Z',
    });
    expect((await store.getCampaign('c1'))!).toMatchObject({ count: 1, logSize: 3 });
    // The ciphertext is gone; the operator cannot remove it again; the log holds the secret.
    expect(await store.deleteSubmission('c1', a.sid)).toBe(false);
    const events = [];
    for await (const row of store.exportEvents('c1', 0, 10)) events.push(row);
    expect(events.map((e) => [e.seq, e.kind, e.sid])).toEqual([
      [1, 'stored', a.sid],
      [2, 'stored', b.sid],
      [3, 'withdrawal', a.sid],
    ]);
    expect(events[0]).toMatchObject({ envelope: null, wh: secret.hash });
    expect(events[2]).toMatchObject({ secret: secret.secret });
    expect(decodeEntry((await store.readLogEntries('c1', 2, 1))[0]!)).toEqual({
      kind: 'withdrawal',
      submissionId: a.sid,
      withdrawalSecret: new Uint8Array(Buffer.from(secret.secret, 'base64url')),
    });
    // Removed by the operator first: a withdrawal with the right secret is told so, nothing changes.
    const c = insert({ wh: other.hash });
    await store.insertSubmission(c);
    expect(await store.deleteSubmission('c1', c.sid)).toBe(true);
    expect(await store.withdrawSubmission(request({ sid: c.sid, secret: other.secret, secretHash: other.hash, entry: withdrawalEntry(c.sid, other.secret) }))).toEqual({
      status: 'removed',
    });
    expect((await store.getCampaign('c1'))!).toMatchObject({ count: 1, logSize: 5 });
    expect((await store.pendingCheckpoints()).map(({ size, count }) => ({ size, count }))).toEqual([{ size: 5, count: 1 }]);
  });

  it('stores, replaces and reads files', async () => {
    expect(await store.getFile('c1', 'wall.json')).toBeUndefined();
    expect(await store.putFile('c1', 'wall.json', { body: '{"a":1}', serial: 1, issuedAt: 'i1', updatedAt: 'u1' })).toEqual({ status: 'stored' });
    expect(await store.putFile('c1', 'wall.json', { body: '{"a":2}', serial: 7, issuedAt: 'i2', updatedAt: 'u2' })).toEqual({ status: 'stored' });
    expect(await store.getFile('c1', 'wall.json')).toEqual({ body: '{"a":2}', serial: 7, issuedAt: 'i2', updatedAt: 'u2' });
    // Serials are safe integers, beyond 32 bits.
    const big = Number.MAX_SAFE_INTEGER;
    expect(await store.putFile('c1', 'big.json', { body: '{}', serial: big, issuedAt: 'i', updatedAt: 'u' })).toEqual({ status: 'stored' });
    expect((await store.getFile('c1', 'big.json'))!.serial).toBe(big);
  });

  it('never replaces a file by one whose serial is not greater', async () => {
    await store.putFile('c1', 'wall.json', { body: '{"a":5}', serial: 5, issuedAt: 'i5', updatedAt: 'u5' });
    // Equal (even the same body: an upload is a new publication, not a retry) and lower: refused.
    for (const [body, serial] of [['{"other":5}', 5], ['{"a":5}', 5], ['{"a":4}', 4], ['{"a":1}', 1]] as const) {
      expect(await store.putFile('c1', 'wall.json', { body, serial, issuedAt: 'x', updatedAt: 'x' })).toEqual({ status: 'stale', currentSerial: 5 });
    }
    expect(await store.getFile('c1', 'wall.json')).toEqual({ body: '{"a":5}', serial: 5, issuedAt: 'i5', updatedAt: 'u5' });
    // Each name has its own serials.
    expect(await store.putFile('c1', 'notice.json', { body: '{"n":1}', serial: 1, issuedAt: 'i', updatedAt: 'u' })).toEqual({ status: 'stored' });
    expect(await store.putFile('c1', 'wall.json', { body: '{"a":6}', serial: 6, issuedAt: 'i6', updatedAt: 'u6' })).toEqual({ status: 'stored' });
    expect((await store.getFile('c1', 'wall.json'))!.body).toBe('{"a":6}');
  });

  it('stores exactly one of concurrent puts with the same serial, across two stores on one database', async () => {
    const other = await fixture.open();
    try {
      for (let serial = 1; serial <= 5; serial += 1) {
        const puts = Array.from({ length: 12 }, (_, k) =>
          (k % 2 === 0 ? store : other).putFile('c1', 'wall.json', { body: `{"serial":${serial},"k":${k}}`, serial, issuedAt: 'i', updatedAt: `u${k}` }),
        );
        const results = await Promise.all(puts);
        const stored = results.flatMap((r, k) => (r.status === 'stored' ? [k] : []));
        expect(stored, `serial ${serial}`).toHaveLength(1);
        expect(results.filter((r) => r.status === 'stale')).toEqual(Array(11).fill({ status: 'stale', currentSerial: serial }));
        expect((await other.getFile('c1', 'wall.json'))!.body).toBe(`{"serial":${serial},"k":${stored[0]}}`);
      }
      // Out-of-order concurrent serials: whatever the interleaving, the greatest one is what stays.
      const serials = [9, 14, 7, 12, 20, 6, 18, 11];
      await Promise.all(serials.map((serial, k) => (k % 2 === 0 ? store : other).putFile('c1', 'wall.json', { body: `{"s":${serial}}`, serial, issuedAt: 'i', updatedAt: 'u' })));
      expect(await store.getFile('c1', 'wall.json')).toMatchObject({ body: '{"s":20}', serial: 20 });
    } finally {
      await other.close();
    }
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

describe.each(ENGINES)('store on $name opening a database of version 0.1.0', ({ name, make }) => {
  let fixture: EngineFixture;
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('adds the file serial in place: old files read as serial 0, any signed document replaces them', async () => {
    fixture = make();
    await fixture.exec(legacySchema(name));
    await fixture.exec(
      `INSERT INTO campaigns (id, key, key_id, origins, goal, opens_at, closes_at, token_hash)
       VALUES ('c1', 'sspk1-test', 'aaaaaaaaaaaaaaaa', '[]', NULL, NULL, NULL, '${'ab'.repeat(32)}');
       INSERT INTO files (campaign, name, body, issued_at, updated_at) VALUES ('c1', 'wall.json', '{"old":1}', 'i0', 'u0');`,
    );
    let store = await fixture.open();
    try {
      expect(await store.getFile('c1', 'wall.json')).toEqual({ body: '{"old":1}', serial: 0, issuedAt: 'i0', updatedAt: 'u0' });
      expect((await store.getCampaign('c1'))!.count).toBe(0);
      expect(await store.putFile('c1', 'wall.json', { body: '{"new":1}', serial: 1, issuedAt: 'i1', updatedAt: 'u1' })).toEqual({ status: 'stored' });
      // Opening the migrated database again changes nothing.
      await store.close();
      store = await fixture.open();
      expect(await store.getFile('c1', 'wall.json')).toEqual({ body: '{"new":1}', serial: 1, issuedAt: 'i1', updatedAt: 'u1' });
      expect(await store.putFile('c1', 'wall.json', { body: '{"again":1}', serial: 1, issuedAt: 'i', updatedAt: 'u' })).toEqual({ status: 'stale', currentSerial: 1 });
    } finally {
      await store.close();
    }
  });
});

describe('store on postgres: group commit', () => {
  let fixture: EngineFixture;
  let store: Store;

  beforeEach(async () => {
    fixture = postgresFixture();
    store = await fixture.open();
    await store.createCampaign(campaign('c1'));
  });
  afterEach(async () => {
    await store.close();
    await fixture.cleanup();
  });

  it('splits more concurrent inserts than one batch takes, seqs still consecutive in arrival order', async () => {
    const inserts = Array.from({ length: 600 }, () => insert());
    const results = await Promise.all(inserts.map((i) => store.insertSubmission(i)));
    expect(results).toEqual(inserts.map((i, k) => ({ status: 'created', seq: k + 1, receivedAt: i.receivedAt })));
    expect((await store.getCampaign('c1'))!.count).toBe(600);
  });

  it('rejects every caller of a batch whose transaction fails, and stores none of it', async () => {
    const good = Array.from({ length: 5 }, () => insert());
    // PostgreSQL refuses NUL in text (the app never sends one: normalised JSON escapes it).
    const bad = insert({ envelope: '{"n":"\u0000"}' });
    const settled = await Promise.allSettled([...good, bad].map((i) => store.insertSubmission(i)));
    expect(settled.map((s) => s.status)).toEqual(Array(6).fill('rejected'));
    expect((await store.getCampaign('c1'))!.count).toBe(0);
    expect(await store.findSubmission('c1', good[0]!.sid)).toBeUndefined();
    // Nothing was spent either, and the store keeps working.
    expect(await store.insertSubmission(good[0]!)).toEqual({ status: 'created', seq: 1, receivedAt: good[0]!.receivedAt });
  });
});
