// The SQLite store writes submissions that arrive together in one transaction (group commit).
// Each one must still get exactly the result it would get alone, in arrival order, and nothing
// may be acknowledged before the batch is committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SQLITE_FILE_NAME, openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { submissionInsert } from './helpers.js';

let dir: string;
let store: Store;

const submission = submissionInsert;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secure-sign-batch-'));
  store = openSqliteStore(dir);
  await store.createCampaign({
    id: 'c1',
    key: 'sspk1-test',
    keyId: 'aaaaaaaaaaaaaaaa',
    origins: [],
    goal: null,
    opensAt: null,
    closesAt: null,
    tokenHash: 'ab'.repeat(32),
  });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('gives every submission of one batch its own result, as if inserted one by one', async () => {
  const batch = [
    submission(1),
    submission(2),
    submission(1, { powId: 'pow-again' }), // same envelope again: duplicate
    submission(2, { envelopeHash: 'other', envelope: '{"x":1}', powId: 'pow-x' }), // same sid, other envelope
    submission(3, { powId: 'pow-1' }), // a challenge already spent in this batch
    submission(4, { campaign: 'nope' }),
    ...Array.from({ length: 194 }, (_, i) => submission(100 + i)),
  ];
  const results = await Promise.all(batch.map((s) => store.insertSubmission(s)));
  expect(results[0]).toEqual({ status: 'created', seq: 1, receivedAt: '2026-11-27T10:00:00.000Z' });
  expect(results[1]).toEqual({ status: 'created', seq: 2, receivedAt: '2026-11-27T10:00:00.000Z' });
  expect(results[2]).toEqual({ status: 'duplicate', receivedAt: '2026-11-27T10:00:00.000Z' });
  expect(results[3]).toEqual({ status: 'conflict' });
  expect(results[4]).toEqual({ status: 'pow-replayed' });
  expect(results[5]).toEqual({ status: 'unknown-campaign' });
  const seqs = results.slice(6).map((r) => (r.status === 'created' ? r.seq : -1));
  expect(seqs).toEqual(Array.from({ length: 194 }, (_, i) => 3 + i));
  expect((await store.getCampaign('c1'))?.count).toBe(196);
});

it('has committed every acknowledged submission by the time its promise settles', async () => {
  const inserts = Array.from({ length: 50 }, (_, i) => store.insertSubmission(submission(i + 1)));
  // Another connection, as a restarted process would open the file, sees the first one at once.
  await inserts[0];
  const reader = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
  const row = reader.prepare("SELECT count(*) AS n FROM submissions WHERE campaign = 'c1'").get() as { n: number };
  reader.close();
  expect(row.n).toBe(50);
  await Promise.all(inserts);
});
