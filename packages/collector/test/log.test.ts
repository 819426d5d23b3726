// The collector's transparency log (docs/api.md "The log", docs/log.md): every stored envelope is
// appended in the transaction that stores it, at index seq - 1; checkpoints are signed in batches
// with the collector's log key; tiles and entry bundles serve proofs that the core's verifiers
// accept against a checkpoint opened with the verifier key the campaign answer publishes.
// On both engines, and on two stores sharing one PostgreSQL.
import {
  MemoryTree,
  checkpointCount,
  decodeEntry,
  ed25519NoteVerifier,
  leafHash,
  openCheckpoint,
  openNote,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '@secure-sign/crypto/log';
import { formatEnvelope, type Envelope } from '@secure-sign/crypto';
import { pino } from 'pino';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { issueCheckpoints, loadLogKey, logKeyFromSeed, promiseText, signPromise } from '../src/log.js';
import { storedEntry } from '../src/store/log-entries.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Store } from '../src/store/types.js';
import {
  ENGINES,
  addCampaign,
  envelopeFor,
  expectDocumented,
  legacyRows,
  loadLegacyDatabase,
  postgresFixture,
  solve,
  submissionInsert,
  type EngineFixture,
  type TestCampaign,
} from './helpers.js';
import { ed25519Verify, logClient, sidsOf } from './log-client.js';

const LOG_NAME = 'collector.example';
const sha256 = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());
const quiet = pino({ level: 'silent' });

type App = ReturnType<typeof createApp>;
const appFor = (store: Store) => createApp({ store, config: resolveConfig({ powDifficulty: 50, rateLimit: 100_000, logName: LOG_NAME }), logger: quiet });

/** A ready request body (envelope and solved challenge) for POST /submissions. */
async function body(app: App, campaign: TestCampaign) {
  const challenge = await (await app.request(`/v1/campaigns/${campaign.id}/challenge`, { method: 'POST' })).json();
  return { envelope: await envelopeFor(campaign), pow: await solve(challenge) };
}

const submit = (app: App, campaign: string, payload: unknown) =>
  app.request(`/v1/campaigns/${campaign}/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });

type Receipt = { sid: string; log: { origin: string; index: number; entry: string; promise: string } };

/** The normalised text the collector stores and exports for an envelope. */
const storedText = (e: Envelope) => formatEnvelope(e);

describe.each(ENGINES)('the log on $name', ({ make }) => {
  const fixtures: EngineFixture[] = [];
  const stores: Store[] = [];
  const servers: RunningServer[] = [];
  const open = async (fixture: EngineFixture) => {
    const store = await fixture.open();
    stores.push(store);
    return store;
  };
  const fresh = () => {
    const fixture = make();
    fixtures.push(fixture);
    return fixture;
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('appends each stored envelope in its own transaction at index seq - 1, deletions keep their entry and append a removal', async () => {
    const store = await open(fresh());
    await store.createCampaign({ id: 'c1', key: 'k', keyId: 'k', origins: [], goal: null, opensAt: null, closesAt: null, tokenHash: 'h' });
    // 300 concurrent inserts (group commit: several batches), one of them a duplicate and one a
    // replayed challenge: only created rows enter the log, past a full tile of 256.
    const inserts = Array.from({ length: 300 }, (_, i) => submissionInsert(i + 1));
    const results = await Promise.all([
      ...inserts.map((insert) => store.insertSubmission(insert)),
      store.insertSubmission({ ...inserts[0]!, powId: 'again' }),
      store.insertSubmission(submissionInsert(999, { powId: inserts[1]!.powId })),
    ]);
    expect(results.filter((r) => r.status === 'created')).toHaveLength(300);
    expect(await store.deleteSubmission('c1', inserts[5]!.sid)).toBe(true);

    const campaign = (await store.getCampaign('c1'))!;
    expect(campaign.logSize).toBe(301);
    expect(campaign.count).toBe(299);
    const entries = await store.readLogEntries('c1', 0, 400);
    expect(entries).toHaveLength(301);
    // The removal is the last entry, with the next seq.
    expect(decodeEntry(entries[300]!)).toEqual({ kind: 'removed', submissionId: inserts[5]!.sid });
    for (const [index, bytes] of entries.slice(0, 300).entries()) {
      const entry = decodeEntry(bytes);
      expect(entry.kind).toBe('stored');
      const trace = (await store.findSubmission('c1', entry.submissionId))!;
      expect(trace.seq).toBe(index + 1);
      const insert = inserts.find((i) => i.sid === entry.submissionId)!;
      expect(entry.kind === 'stored' && entry.envelopeHash).toEqual(sha256(insert.envelope));
    }
    const full = new MemoryTree();
    for (const bytes of entries) full.appendEntry(bytes);
    const reader = { readHashes: (ids: readonly { level: number; index: number }[]) => store.readLogHashes('c1', ids) };
    expect(await treeRoot(reader, 301)).toEqual(full.root());
    expect(await treeRoot(reader, 257)).toEqual(full.root(257));
    // A restart changes nothing, and the log goes on.
    await store.close();
    const again = await open(fixtures[0]!);
    await again.insertSubmission(submissionInsert(302));
    full.appendEntry((await again.readLogEntries('c1', 301, 1))[0]!);
    expect(await treeRoot({ readHashes: (ids) => again.readLogHashes('c1', ids) }, 302)).toEqual(full.root());
  });

  it('stores a checkpoint only when it is larger than the stored one', async () => {
    const store = await open(fresh());
    await store.createCampaign({ id: 'c1', key: 'k', keyId: 'k', origins: [], goal: null, opensAt: null, closesAt: null, tokenHash: 'h' });
    const cp = (size: number, note: string) => ({ size, root: new Uint8Array(32).fill(size), note, signedAt: '2026-11-28T00:00:00.000Z' });
    expect(await store.pendingCheckpoints()).toEqual([{ campaign: 'c1', size: 0, count: 0, confirmed: 0 }]);
    expect(await store.putCheckpoint('c1', cp(0, 'zero'))).toBe(true);
    expect(await store.pendingCheckpoints()).toEqual([]);
    await store.insertSubmission(submissionInsert(1));
    await store.insertSubmission(submissionInsert(2));
    expect(await store.pendingCheckpoints()).toEqual([{ campaign: 'c1', size: 2, count: 2, confirmed: 0 }]);
    expect(await store.putCheckpoint('c1', cp(2, 'two'))).toBe(true);
    expect(await store.putCheckpoint('c1', cp(2, 'other two'))).toBe(false);
    expect(await store.putCheckpoint('c1', cp(1, 'one'))).toBe(false);
    expect(await store.getCheckpoint('c1')).toEqual(cp(2, 'two'));
  });

  it('serves a signed checkpoint, tiles and entry bundles whose proofs verify for every receipt', async () => {
    const store = await open(fresh());
    const campaign = await addCampaign(store, 'open-letter');
    const app = appFor(store);
    const key = await loadLogKey(store);
    const log = logClient((path) => app.request(path), campaign.id);

    // Before any checkpoint: 404 with Retry-After; the first tick signs the empty log.
    const none = await app.request('/v1/campaigns/open-letter/log/checkpoint');
    expect(none.headers.get('retry-after')).toBe('1');
    expect(((await expectDocumented(none, 'GET', '/v1/campaigns/{campaign}/log/checkpoint')) as { code: string }).code).toBe('not-found');
    expect(await issueCheckpoints(store, key, LOG_NAME)).toBe(1);
    expect((await log.checkpoint()).checkpoint.size).toBe(0);

    const receipts: Receipt[] = [];
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const payload = await body(app, campaign);
        const response = await submit(app, campaign.id, payload);
        expect(response.status).toBe(201);
        const receipt = (await response.json()) as Receipt;
        // The receipt's entry is the envelope's: kind 1, its sid, SHA-256 of its stored text.
        expect(decodeEntry(new Uint8Array(Buffer.from(receipt.log.entry, 'base64')))).toEqual({
          kind: 'stored',
          submissionId: payload.envelope.sid,
          envelopeHash: sha256(storedText(payload.envelope)),
        });
        receipts.push(receipt);
      }
    };
    await send(3);
    expect(receipts.map((r) => r.log.index)).toEqual([0, 1, 2]);
    expect(receipts[0]!.log.origin).toBe(`${LOG_NAME}/open-letter`);
    // One signature for the three entries (batched), none while nothing changed.
    expect(await issueCheckpoints(store, key, LOG_NAME)).toBe(1);
    expect(await issueCheckpoints(store, key, LOG_NAME)).toBe(0);

    const identity = await log.identity();
    expect(identity.origin).toBe(`${LOG_NAME}/open-letter`);
    expect(identity.vkey.startsWith(`${LOG_NAME}/open-letter+`)).toBe(true);
    const first = await log.checkpoint();
    expect(first.checkpoint.size).toBe(3);
    expect(first.text.split('\n')[0]).toBe(`${LOG_NAME}/open-letter`);
    // One extension line: the count at exactly that size.
    expect(first.checkpoint.extensions).toEqual(['count 3', 'confirmed 0']);
    expect(checkpointCount(first.checkpoint)).toBe(3);
    // Each receipt's promise is a note signed by the log key over its origin, index and entry,
    // which no checkpoint parser accepts.
    for (const receipt of receipts) {
      const opened = await openNote(receipt.log.promise, [ed25519NoteVerifier(identity.vkey, ed25519Verify)]);
      expect(opened.text).toBe(`secure-sign promise/v1\n${identity.origin}\n${receipt.log.index}\n${receipt.log.entry}\n`);
      await expect(openCheckpoint(receipt.log.promise, { origin: identity.origin, log: ed25519NoteVerifier(identity.vkey, ed25519Verify) })).rejects.toMatchObject({
        code: expect.stringMatching(/^(MALFORMED_CHECKPOINT|WRONG_ORIGIN)$/),
      });
    }
    const response = await app.request('/v1/campaigns/open-letter/log/checkpoint');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await expectDocumented(response, 'GET', '/v1/campaigns/{campaign}/log/checkpoint')).toBe(first.text);

    for (const receipt of receipts) {
      const proof = await log.inclusion(receipt.log.index, 3);
      verifyInclusion(leafHash(Buffer.from(receipt.log.entry, 'base64')), receipt.log.index, 3, proof, first.checkpoint.rootHash);
    }
    expect((await log.entries(3)).map((e) => Buffer.from(e).toString('base64'))).toEqual(receipts.map((r) => r.log.entry));

    // The log grows; the new checkpoint is consistent with the old one.
    await send(3);
    await issueCheckpoints(store, key, LOG_NAME);
    const second = await log.checkpoint();
    expect(second.checkpoint.size).toBe(6);
    verifyConsistency(3, 6, await log.consistency(3, 6), first.checkpoint.rootHash, second.checkpoint.rootHash);
    for (const receipt of receipts) {
      verifyInclusion(leafHash(Buffer.from(receipt.log.entry, 'base64')), receipt.log.index, 6, await log.inclusion(receipt.log.index, 6), second.checkpoint.rootHash);
    }
    // A forged checkpoint (another root) does not verify against the published key.
    const forged = second.text.replace(/\n[A-Za-z0-9+/=]{44}\n/, `\n${Buffer.alloc(32, 7).toString('base64')}\n`);
    expect(forged).not.toBe(second.text);
    await expect(openCheckpoint(forged, { origin: identity.origin, log: ed25519NoteVerifier(identity.vkey, ed25519Verify) })).rejects.toMatchObject({
      code: 'NOTE_BAD_SIGNATURE',
    });

    // Tiles the log has not reached, and paths that are not canonical, are 404.
    for (const path of ['tile/0/000', 'tile/0/000.p/7', 'tile/entries/000.p/7', 'tile/1/000.p/1', 'tile/0/x000/000.p/1', 'tile/0/000.p/256', 'tile/00/000.p/1', 'tile/entries/abc']) {
      const missing = await app.request(`/v1/campaigns/open-letter/log/${path}`);
      expect(missing.status, path).toBe(404);
      expect(((await expectDocumented(missing, 'GET', '/v1/campaigns/{campaign}/log/{tilePath}')) as { code: string }).code).toBe('not-found');
    }
    const unknown = await app.request('/v1/campaigns/nope/log/tile/0/000.p/1');
    expect(((await expectDocumented(unknown, 'GET', '/v1/campaigns/{campaign}/log/{tilePath}')) as { code: string }).code).toBe('unknown-campaign');
    // The public answer counts the log.
    expect((await log.identity()).size).toBe(6);
  });

  it('a retry answers the same receipt', async () => {
    const store = await open(fresh());
    const campaign = await addCampaign(store, 'open-letter');
    const app = appFor(store);
    const payload = await body(app, campaign);
    const first = (await (await submit(app, campaign.id, payload)).json()) as Receipt;
    const retry = await submit(app, campaign.id, { envelope: payload.envelope, pow: null });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(first);
  });

  it('signs a checkpoint within about a second of a 2xx, by the server timer', async () => {
    const store = await open(fresh());
    const campaign = await addCampaign(store, 'open-letter');
    const app = appFor(store);
    const server = await startServer({ app, store, logger: quiet, host: '127.0.0.1', port: 0, logName: LOG_NAME });
    servers.push(server);
    stores.splice(stores.indexOf(store), 1); // the server closes it
    const log = logClient((path) => fetch(server.url + path), campaign.id);
    await log.waitForCheckpoint(0);
    for (let i = 0; i < 3; i++) {
      const response = await submit(app, campaign.id, await body(app, campaign));
      expect(response.status).toBe(201);
      const { log: receipt } = (await response.json()) as Receipt;
      const { checkpoint, ms } = await log.waitForCheckpoint(receipt.index + 1, 5000);
      // The timer ticks every 250 ms; 1.5 s leaves room for a loaded machine.
      expect(ms).toBeLessThan(1500);
      verifyInclusion(leafHash(Buffer.from(receipt.entry, 'base64')), receipt.index, checkpoint.checkpoint.size, await log.inclusion(receipt.index, checkpoint.checkpoint.size), checkpoint.checkpoint.rootHash);
    }
  });

  it('logs the envelopes of a database from before the log when it opens, in seq order, then a removal for each envelope deleted before', async () => {
    const fixture = fresh();
    await loadLegacyDatabase(fixture);
    const store = await open(fixture);
    const rows = legacyRows().submissions;
    for (const id of ['open-letter', 'partner']) {
      const mine = rows.filter((r) => r.campaign === id).sort((a, b) => a.seq - b.seq);
      const deleted = mine.filter((r) => r.envelope === null);
      const size = mine.length + deleted.length;
      expect(await store.getCampaign(id)).toMatchObject({ logSize: size, count: mine.length - deleted.length });
      const entries = await store.readLogEntries(id, 0, 100);
      // Deleted envelopes (one was withdrawn in 0.1.0) are logged from the hash they kept, and
      // their deletion by a removal entry after them, so the log counts what the collector counts.
      expect(entries.map((e) => decodeEntry(e))).toEqual([
        ...mine.map((r) => ({ kind: 'stored', submissionId: r.sid, envelopeHash: new Uint8Array(Buffer.from(r.envelope_hash, 'hex')) })),
        ...deleted.map((r) => ({ kind: 'removed', submissionId: r.sid })),
      ]);
      expect((await store.pendingCheckpoints()).find((p) => p.campaign === id)).toEqual({ campaign: id, size, count: mine.length - deleted.length, confirmed: 0 });
      for (const r of mine) if (r.envelope !== null) expect(createHash('sha256').update(r.envelope).digest('hex')).toBe(r.envelope_hash);
      const tree = new MemoryTree();
      for (const e of entries) tree.appendEntry(e);
      expect(await treeRoot({ readHashes: (ids) => store.readLogHashes(id, ids) }, size)).toEqual(tree.root());
    }
    expect(rows.some((r) => r.envelope === null)).toBe(true);
    // Opening again logs nothing twice; the next envelope goes on at the next index.
    await store.close();
    const again = await open(fixture);
    expect((await again.getCampaign('open-letter'))!.logSize).toBe(5);
    expect(await again.insertSubmission(submissionInsert(1, { campaign: 'open-letter' }))).toMatchObject({ status: 'created', seq: 6 });
    expect((await again.getCampaign('open-letter'))!).toMatchObject({ logSize: 6, count: 4 });
  });
});

describe('the log with two collector apps on one PostgreSQL', () => {
  let fixture: EngineFixture | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await fixture?.cleanup();
  });

  it('is one consistent log holding every acknowledged envelope exactly once', async () => {
    fixture = postgresFixture();
    const [a, b] = [await fixture.open(), await fixture.open()];
    stores.push(a, b);
    const campaign = await addCampaign(a, 'shared');
    const apps = [appFor(a), appFor(b)];
    // Both processes create the log key at once: one key.
    const [keyA, keyB] = await Promise.all([loadLogKey(a), loadLogKey(b)]);
    expect(keyA.vkey('x')).toBe(keyB.vkey('x'));

    const COUNT = 120;
    const bodies = await Promise.all(Array.from({ length: COUNT }, (_, i) => body(apps[i % 2]!, campaign)));
    // Each envelope sent to one app, a third of them also to the other at the same time (same
    // envelope, its own challenge): exactly one of the two stores it.
    const twins = await Promise.all(bodies.slice(0, COUNT / 3).map(async (payload) => ({ ...(await body(apps[0]!, campaign)), envelope: payload.envelope })));
    const responses = await Promise.all([
      ...bodies.map((payload, i) => submit(apps[(i + 1) % 2]!, campaign.id, payload)),
      ...twins.map((payload) => submit(apps[0]!, campaign.id, payload)),
    ]);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(COUNT);
    expect(responses.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    const receipts = (await Promise.all(responses.map((r) => r.json()))) as Receipt[];

    // Both processes sign at once: one checkpoint is stored for the size.
    const stored = await Promise.all([issueCheckpoints(a, keyA, LOG_NAME), issueCheckpoints(b, keyB, LOG_NAME)]);
    expect(stored[0] + stored[1]).toBeGreaterThanOrEqual(1);
    const log = logClient((path) => apps[1]!.request(path), campaign.id);
    const { checkpoint } = await log.checkpoint();
    expect(checkpoint.size).toBe(COUNT);
    const entries = await log.entries(COUNT);
    const sids = sidsOf(entries);
    expect(new Set(sids).size).toBe(COUNT);
    expect(new Set(sids)).toEqual(new Set(bodies.map((p) => p.envelope.sid)));
    for (const receipt of receipts) {
      expect(Buffer.from(entries[receipt.log.index]!).toString('base64')).toBe(receipt.log.entry);
    }
    const tree = new MemoryTree();
    for (const e of entries) tree.appendEntry(e);
    expect(checkpoint.rootHash).toEqual(tree.root());
    for (const index of [0, 57, COUNT - 1]) {
      verifyInclusion(leafHash(entries[index]!), index, COUNT, await log.inclusion(index, COUNT), checkpoint.rootHash);
    }
  });
});

describe('receipt promises', () => {
  // What a promise costs per request is a benchmark figure (npm run bench: throughput with the log
  // on), not a timed unit test.
  it('are signed per request by the log key, the same bytes for the same entry, and verify', async () => {
    const key = logKeyFromSeed('42'.repeat(32));
    const origin = `${LOG_NAME}/open-letter`;
    const entry = storedEntry('AAECAwQFBgcICQoLDA0ODw', '{"v":1}', '');
    const verifier = key.verifier(origin);
    const note = await signPromise(key, origin, 41, entry);
    expect(note).toBe(await signPromise(key, origin, 41, entry));
    expect((await openNote(note, [verifier])).text).toBe(promiseText(origin, 41, entry));
    await expect(openNote(note.replace('\n41\n', '\n42\n'), [verifier])).rejects.toMatchObject({ code: 'NOTE_BAD_SIGNATURE' });
  });
});
