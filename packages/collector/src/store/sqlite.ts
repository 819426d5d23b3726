// SQLite storage (better-sqlite3). WAL with synchronous=FULL, so a committed transaction is on
// disk before the call returns and a crash at any moment corrupts nothing. One process per file:
// several collector processes need PostgreSQL.
import Database from 'better-sqlite3';
import { hashesToAppendSync, leafHash, type NodeId, type SyncHashReader } from '@secure-sign/crypto/log';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXPORT_PAGE_SIZE,
  type CampaignRecord,
  type CountShown,
  type DecisionRequest,
  type DecisionResult,
  type ExportedEvent,
  type InsertResult,
  type NewCampaign,
  type PutFileResult,
  type RetentionDeletion,
  type Store,
  type StoredCheckpoint,
  type StoredFile,
  type SubmissionInsert,
  type WithdrawalRequest,
  type WithdrawalResult,
  sameTerms,
} from './types.js';
import { MIGRATIONS, MIGRATIONS_TABLE, nextMigration, unversionedVersion } from './migrations.js';
import {
  CATCH_UP_BATCH,
  CONFIRMED_AT_SIZE,
  KIND_CONFIRMED,
  KIND_DISOWNED,
  KIND_REMOVAL,
  KIND_STORED,
  KIND_WITHDRAWAL,
  countDelta,
  removalEntry,
  storedEntry,
  toEvent,
  type EventRow,
} from './log-entries.js';
import { nativeModuleError } from './native.js';

/**
 * Brings the database to this build's schema version: one migration per IMMEDIATE transaction
 * (with its row in schema_migrations), so another process opening the same file at the same
 * moment (`campaign add` beside a running server) waits and then sees it done.
 *
 * @throws {@link CollectorError} `schema-too-new` if a newer build migrated the file.
 */
function migrate(db: Database.Database, file: string): void {
  const hasTable = db.prepare<[string], { found: number }>("SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = ?");
  const step = db.transaction((): boolean => {
    db.exec(MIGRATIONS_TABLE.sqlite);
    const record = db.prepare('INSERT INTO schema_migrations (version, description) VALUES (?, ?)');
    let current = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations').get()!.version ?? 0;
    if (current === 0) {
      // Empty, or made before versioning (release 0.1.0): record what it already has.
      current = unversionedVersion({
        campaignsTable: hasTable.get('campaigns') !== undefined,
        filesSerial: db.prepare("SELECT 1 FROM pragma_table_info('files') WHERE name = 'serial'").get() !== undefined,
      });
      for (const m of MIGRATIONS.slice(0, current)) record.run(m.version, m.description);
    }
    const next = nextMigration(current, `SQLite database ${file}`);
    if (!next) return false;
    db.exec(next.sqlite);
    record.run(next.version, next.description);
    return true;
  });
  while (step.immediate());
}

interface CampaignRow {
  id: string;
  key: string;
  key_id: string;
  origins: string;
  goal: number | null;
  opens_at: string | null;
  closes_at: string | null;
  token_hash: string;
  count: number;
  last_seq: number;
  log_size: number;
  closed_at: string | null;
  delete_at: string | null;
  deleted_at: string | null;
  confirmed: number;
  count_shown: string;
}

function toCampaign(row: CampaignRow): CampaignRecord {
  return {
    id: row.id,
    key: row.key,
    keyId: row.key_id,
    origins: JSON.parse(row.origins) as string[],
    goal: row.goal,
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    tokenHash: row.token_hash,
    count: row.count,
    logSize: row.log_size,
    retention: row.closed_at === null || row.delete_at === null ? null : { closedAt: row.closed_at, deleteAt: row.delete_at, deletedAt: row.deleted_at },
    confirmed: row.confirmed,
    countShown: row.count_shown === 'confirmed' ? 'confirmed' : 'all',
  };
}

/** The SQLite file inside a data directory. */
export const SQLITE_FILE_NAME = 'collector.sqlite';

/**
 * Opens (creating if needed) the SQLite store in a data directory.
 *
 * @param dataDir - directory holding `collector.sqlite`; created if missing.
 * @param options - `exportPageSize`: rows read per query by exports (1000; tests use less).
 * @throws {@link CollectorError} `native-module` if the SQLite driver cannot load in this Node,
 * `schema-too-new` if a newer build migrated the database; other errors if the directory or
 * file cannot be opened (a misconfiguration).
 * @example
 * ```ts
 * const store = openSqliteStore('./secure-sign-data');
 * ```
 */
export function openSqliteStore(dataDir: string, options: { exportPageSize?: number } = {}): Store {
  const pageSize = options.exportPageSize ?? EXPORT_PAGE_SIZE;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SQLITE_FILE_NAME);
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    // The driver loads its native part here, on first use: say so if that is what failed.
    throw nativeModuleError(error) ?? error;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // A deleted envelope's bytes are overwritten in the file, not just unlinked from the b-tree.
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }

  const stmt = {
    getSecret: db.prepare<[string], { value: string }>('SELECT value FROM secrets WHERE name = ?'),
    putSecret: db.prepare('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)'),
    insertCampaign: db.prepare(
      `INSERT OR IGNORE INTO campaigns (id, key, key_id, origins, goal, opens_at, closes_at, token_hash, count_shown)
       VALUES (@id, @key, @keyId, @origins, @goal, @opensAt, @closesAt, @tokenHash, @countShown)`,
    ),
    getCampaign: db.prepare<[string], CampaignRow>('SELECT * FROM campaigns WHERE id = ?'),
    listCampaigns: db.prepare<[], CampaignRow>('SELECT * FROM campaigns ORDER BY id'),
    setToken: db.prepare('UPDATE campaigns SET token_hash = ? WHERE id = ?'),
    updateCampaign: db.prepare(
      'UPDATE campaigns SET origins = @origins, goal = @goal, opens_at = @opensAt, closes_at = @closesAt, count_shown = coalesce(@countShown, count_shown) WHERE id = @id',
    ),
    findSubmission: db.prepare<[string, string], { seq: number; envelope_hash: string; received_at: string; deleted: number }>(
      'SELECT seq, envelope_hash, received_at, envelope IS NULL AS deleted FROM submissions WHERE campaign = ? AND sid = ?',
    ),
    spend: db.prepare('INSERT OR IGNORE INTO spent_challenges (id, expires_at) VALUES (?, ?)'),
    // campaigns.count and campaigns.confirmed are the running counts at last_seq (every event
    // moves them), so the counts after a new entry are read back with its seq.
    bumpSeq: db.prepare<[string], { last_seq: number; count: number; confirmed: number }>(
      'UPDATE campaigns SET last_seq = last_seq + 1, count = count + 1 WHERE id = ? RETURNING last_seq, count, confirmed',
    ),
    bumpEvent: db.prepare<{ id: string; count: number; confirmed: number }, { last_seq: number; count: number; confirmed: number; log_size: number }>(
      'UPDATE campaigns SET last_seq = last_seq + 1, count = count + @count, confirmed = confirmed + @confirmed WHERE id = @id RETURNING last_seq, count, confirmed, log_size',
    ),
    insertSubmission: db.prepare(
      'INSERT INTO submissions (campaign, seq, sid, envelope, envelope_hash, wh, ch, received_at, log_entry, log_count, log_confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertEvent: db.prepare(
      'INSERT INTO log_events (campaign, seq, kind, sid, secret, received_at, log_entry, log_count, log_confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertDecision: db.prepare(
      'INSERT INTO log_decisions (campaign, seq, kind, sid, secret, received_at, log_entry, log_count, log_confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    findEvent: db.prepare<[string, string], { seq: number; kind: number; received_at: string }>(
      'SELECT seq, kind, received_at FROM log_events WHERE campaign = ? AND sid = ?',
    ),
    findDecision: db.prepare<[string, string], { seq: number; kind: number; received_at: string }>(
      'SELECT seq, kind, received_at FROM log_decisions WHERE campaign = ? AND sid = ?',
    ),
    findForWithdrawal: db.prepare<[string, string], { wh: string | null; ch: string | null; deleted: number }>(
      'SELECT wh, ch, envelope IS NULL AS deleted FROM submissions WHERE campaign = ? AND sid = ?',
    ),
    // The log (migrations 3 and 4). Leaf index = seq - 1 for every event of both tables.
    unlogged: db.prepare<
      { campaign: string; after: number; upTo: number },
      { seq: number; kind: number; sid: string; envelope: string | null; envelope_hash: string | null; log_entry: Buffer | null; log_count: number | null }
    >(
      `SELECT seq, 1 AS kind, sid, envelope, envelope_hash, log_entry, log_count FROM submissions WHERE campaign = @campaign AND seq > @after AND seq <= @upTo
       UNION ALL
       SELECT seq, kind, sid, NULL, NULL, log_entry, log_count FROM log_events WHERE campaign = @campaign AND seq > @after AND seq <= @upTo
       UNION ALL
       SELECT seq, kind, sid, NULL, NULL, log_entry, log_count FROM log_decisions WHERE campaign = @campaign AND seq > @after AND seq <= @upTo
       ORDER BY seq`,
    ),
    countAt: db.prepare<{ campaign: string; seq: number }, { log_count: number | null }>(
      `SELECT log_count FROM submissions WHERE campaign = @campaign AND seq = @seq
       UNION ALL SELECT log_count FROM log_events WHERE campaign = @campaign AND seq = @seq
       UNION ALL SELECT log_count FROM log_decisions WHERE campaign = @campaign AND seq = @seq`,
    ),
    setEntry: db.prepare('UPDATE submissions SET log_entry = ?, log_count = ? WHERE campaign = ? AND seq = ?'),
    setEventEntry: db.prepare('UPDATE log_events SET log_entry = ?, log_count = ? WHERE campaign = ? AND seq = ?'),
    getHash: db.prepare<[string, number, number], { hash: Buffer }>('SELECT hash FROM log_hashes WHERE campaign = ? AND level = ? AND idx = ?'),
    putHash: db.prepare('INSERT INTO log_hashes (campaign, level, idx, hash) VALUES (?, ?, ?, ?)'),
    setLogSize: db.prepare('UPDATE campaigns SET log_size = ? WHERE id = ?'),
    behind: db.prepare<[], { id: string }>('SELECT id FROM campaigns WHERE log_size < last_seq ORDER BY id'),
    entries: db.prepare<{ campaign: string; after: number; upTo: number }, { log_entry: Buffer }>(
      `SELECT seq, log_entry FROM submissions
       WHERE campaign = @campaign AND seq > @after AND seq <= @upTo AND seq <= (SELECT log_size FROM campaigns WHERE id = @campaign)
       UNION ALL
       SELECT seq, log_entry FROM log_events
       WHERE campaign = @campaign AND seq > @after AND seq <= @upTo AND seq <= (SELECT log_size FROM campaigns WHERE id = @campaign)
       UNION ALL
       SELECT seq, log_entry FROM log_decisions
       WHERE campaign = @campaign AND seq > @after AND seq <= @upTo AND seq <= (SELECT log_size FROM campaigns WHERE id = @campaign)
       ORDER BY seq`,
    ),
    // The counts at the log's size are in the row of seq = size (fixed once committed). A row
    // without a confirmed count (written before migration 6, or by an older release) falls back
    // to counting the decisions (CONFIRMED_AT_SIZE).
    pending: db.prepare<[], { campaign: string; size: number; count: number | null; confirmed: number }>(
      `SELECT c.id AS campaign, c.log_size AS size,
              CASE WHEN c.log_size = 0 THEN 0 ELSE coalesce(
                (SELECT s.log_count FROM submissions s WHERE s.campaign = c.id AND s.seq = c.log_size),
                (SELECT e.log_count FROM log_events e WHERE e.campaign = c.id AND e.seq = c.log_size),
                (SELECT d.log_count FROM log_decisions d WHERE d.campaign = c.id AND d.seq = c.log_size)) END AS count,
              CASE WHEN c.log_size = 0 THEN 0 ELSE coalesce(
                (SELECT s.log_confirmed FROM submissions s WHERE s.campaign = c.id AND s.seq = c.log_size),
                (SELECT e.log_confirmed FROM log_events e WHERE e.campaign = c.id AND e.seq = c.log_size),
                (SELECT d.log_confirmed FROM log_decisions d WHERE d.campaign = c.id AND d.seq = c.log_size),
                ${CONFIRMED_AT_SIZE}) END AS confirmed
       FROM campaigns c LEFT JOIN log_checkpoints k ON k.campaign = c.id
       WHERE k.size IS NULL OR c.log_size > k.size ORDER BY c.id`,
    ),
    putCheckpoint: db.prepare(
      `INSERT INTO log_checkpoints (campaign, size, root, note, signed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (campaign) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, signed_at = excluded.signed_at
       WHERE excluded.size > log_checkpoints.size`,
    ),
    getCheckpoint: db.prepare<[string], { size: number; root: Buffer; note: string; signed_at: string }>(
      'SELECT size, root, note, signed_at FROM log_checkpoints WHERE campaign = ?',
    ),
    exportPage: db.prepare<{ campaign: string; after: number; limit: number }, EventRow>(
      `SELECT seq, 1 AS kind, sid, received_at, envelope, envelope_hash, wh, ch, NULL AS secret FROM submissions
       WHERE campaign = @campaign AND seq > @after AND seq <= (SELECT log_size FROM campaigns WHERE id = @campaign)
       UNION ALL
       SELECT seq, kind, sid, received_at, NULL, NULL, NULL, NULL, secret FROM log_events
       WHERE campaign = @campaign AND seq > @after AND seq <= (SELECT log_size FROM campaigns WHERE id = @campaign)
       UNION ALL
       SELECT seq, kind, sid, received_at, NULL, NULL, NULL, NULL, secret FROM log_decisions
       WHERE campaign = @campaign AND seq > @after AND seq <= (SELECT log_size FROM campaigns WHERE id = @campaign)
       ORDER BY seq LIMIT @limit`,
    ),
    deleteSubmission: db.prepare('UPDATE submissions SET envelope = NULL WHERE campaign = ? AND sid = ? AND envelope IS NOT NULL'),
    // The serial comparison is part of the write (the upsert's WHERE), never a separate read.
    putFile: db.prepare(
      `INSERT INTO files (campaign, name, body, serial, issued_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (campaign, name) DO UPDATE
       SET body = excluded.body, serial = excluded.serial, issued_at = excluded.issued_at, updated_at = excluded.updated_at
       WHERE excluded.serial > files.serial`,
    ),
    getFile: db.prepare<[string, string], { body: string; serial: number; issued_at: string; updated_at: string }>(
      'SELECT body, serial, issued_at, updated_at FROM files WHERE campaign = ? AND name = ?',
    ),
    fileSerial: db.prepare<[string, string], { serial: number }>('SELECT serial FROM files WHERE campaign = ? AND name = ?'),
    prune: db.prepare('DELETE FROM spent_challenges WHERE expires_at < ?'),
    // Retention (migration 5). Times are toISOString text: string order is time order.
    close: db.prepare(
      `UPDATE campaigns SET closed_at = coalesce(closed_at, @closedAt),
              delete_at = CASE WHEN delete_at IS NULL OR delete_at > @deleteAt THEN @deleteAt ELSE delete_at END
       WHERE id = @id AND deleted_at IS NULL`,
    ),
    due: db.prepare<[string], { id: string }>('SELECT id FROM campaigns WHERE delete_at <= ? AND deleted_at IS NULL ORDER BY id'),
    deleteAll: db.prepare('UPDATE submissions SET envelope = NULL WHERE campaign = ? AND envelope IS NOT NULL'),
    setDeleted: db.prepare('UPDATE campaigns SET deleted_at = ? WHERE id = ?'),
  };

  const hashReader = (campaign: string): SyncHashReader => ({
    readHashes: (ids: readonly NodeId[]) =>
      ids.flatMap((id) => {
        const row = stmt.getHash.get(campaign, id.level, id.index);
        return row ? [row.hash] : [];
      }),
  });

  /**
   * Appends the envelopes with seq in (logSize, upTo] to the campaign's log, inside the caller's
   * transaction: their entries (written now if the row has none), every new subtree hash, the new
   * size. Normally that is the one row just inserted; more after an upgrade from a schema without
   * the log.
   */
  function appendLog(campaign: string, logSize: number, upTo: number): void {
    const rows = stmt.unlogged.all({ campaign, after: logSize, upTo });
    if (rows.length !== upTo - logSize || rows.some((row, i) => row.seq !== logSize + i + 1)) {
      throw new Error('log: the events to log are not consecutive');
    }
    let count = logSize === 0 ? 0 : stmt.countAt.get({ campaign, seq: logSize })?.log_count;
    const entries = rows.map((row) => {
      // Rows written by this build carry entry and count; older rows get them now, in order.
      if (row.log_entry !== null && row.log_count !== null) {
        count = row.log_count;
        return row.log_entry;
      }
      if (count === undefined || count === null) throw new Error('log: no count at the log size');
      count += countDelta(row.kind);
      let entry: Uint8Array;
      if (row.kind === KIND_STORED) {
        entry = row.log_entry ?? storedEntry(row.sid, row.envelope, row.envelope_hash ?? '');
        stmt.setEntry.run(entry, count, campaign, row.seq);
      } else {
        if (row.kind !== KIND_REMOVAL && row.log_entry === null) throw new Error('log: a withdrawal without its entry');
        entry = row.log_entry ?? removalEntry(row.sid);
        stmt.setEventEntry.run(entry, count, campaign, row.seq);
      }
      return entry;
    });
    for (const { id, hash } of hashesToAppendSync(hashReader(campaign), logSize, entries.map((e) => leafHash(e)))) {
      stmt.putHash.run(campaign, id.level, id.index, hash);
    }
    stmt.setLogSize.run(upTo, campaign);
  }

  // Envelopes stored before the log existed (schema version 2 and older) are logged now, in seq
  // order, a bounded number per transaction.
  const catchUp = db.transaction((campaign: string): boolean => {
    const row = stmt.getCampaign.get(campaign)!;
    if (row.log_size >= row.last_seq) return false;
    appendLog(campaign, row.log_size, Math.min(row.last_seq, row.log_size + CATCH_UP_BATCH));
    return true;
  });
  try {
    for (const { id } of stmt.behind.all()) while (catchUp.immediate(id));
  } catch (error) {
    db.close();
    throw error;
  }

  const insertOne = db.transaction((insert: SubmissionInsert): InsertResult => {
    const campaignRow = stmt.getCampaign.get(insert.campaign);
    if (!campaignRow) return { status: 'unknown-campaign' };
    // Decided on settings that changed since (the route's copy of the campaign): nothing is
    // written, the route reads the campaign again. The write lock orders this with the change.
    if (insert.expect !== undefined && !sameTerms(insert.expect, toCampaign(campaignRow))) return { status: 'stale' };
    const existing = stmt.findSubmission.get(insert.campaign, insert.sid);
    if (existing) {
      return existing.envelope_hash === insert.envelopeHash
        ? { status: 'duplicate', receivedAt: existing.received_at }
        : { status: 'conflict' };
    }
    // Closed (campaign close) before this transaction: the write lock orders the two.
    if (campaignRow.closed_at !== null) return { status: 'closed' };
    if (stmt.spend.run(insert.powId, insert.powExpiresAt).changes === 0) return { status: 'pow-replayed' };
    const entry = storedEntry(insert.sid, insert.envelope, insert.envelopeHash);
    const { last_seq: seq, count, confirmed } = stmt.bumpSeq.get(insert.campaign)!;
    stmt.insertSubmission.run(insert.campaign, seq, insert.sid, insert.envelope, insert.envelopeHash, insert.wh, insert.ch, insert.receivedAt, entry, count, confirmed);
    // Logged by writeBatch, in this same transaction, once per campaign for the whole batch.
    return { status: 'created', seq, receivedAt: insert.receivedAt };
  });

  // Group commit. With synchronous=FULL every commit waits for an fsync, and better-sqlite3 waits
  // on the event loop, so one transaction per submission capped throughput at the disk's fsync
  // rate. Submissions that arrive in the same turn of the event loop are queued and written in
  // one IMMEDIATE transaction: each in its own savepoint (insertOne, nested, so one failing item
  // fails alone), in arrival order, so their results are exactly what one-by-one inserts give.
  // No caller's promise settles before the COMMIT returns: a 2xx still means "on disk".
  type Pending = { insert: SubmissionInsert; resolve: (result: InsertResult) => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  // After the items, still inside the batch's transaction, each campaign that got envelopes
  // appends them to its log (reading the tree's peaks once per batch, not once per envelope):
  // the COMMIT stores envelopes and log together, or neither.
  const writeBatch = db.transaction((batch: Pending[]) => {
    const outcomes = batch.map((item) => {
      try {
        return { ok: true as const, result: insertOne(item.insert) };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    const grown = new Set(batch.filter((_, i) => outcomes[i]!.ok && (outcomes[i] as { result: InsertResult }).result.status === 'created').map((p) => p.insert.campaign));
    for (const campaign of grown) {
      const row = stmt.getCampaign.get(campaign)!;
      appendLog(campaign, row.log_size, row.last_seq);
    }
    return outcomes;
  });
  const flush = (): void => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: ReturnType<typeof writeBatch>;
    try {
      outcomes = writeBatch.immediate(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.result) : batch[i]!.reject(outcome.error)));
  };

  const putFileTx = db.transaction((campaign: string, name: string, file: StoredFile): PutFileResult => {
    if (stmt.putFile.run(campaign, name, file.body, file.serial, file.issuedAt, file.updatedAt).changes === 1) return { status: 'stored' };
    return { status: 'stale', currentSerial: stmt.getFile.get(campaign, name)!.serial };
  });

  /**
   * Appends a withdrawal or removal event inside the caller's transaction, after the envelope was
   * deleted: the count drops, and the confirmed count too if the signature was confirmed.
   */
  function appendEvent(campaign: string, kind: number, sid: string, secret: string | null, entry: Uint8Array, receivedAt: string): number {
    const wasConfirmed = stmt.findDecision.get(campaign, sid)?.kind === KIND_CONFIRMED;
    const { last_seq: seq, count, confirmed, log_size: logSize } = stmt.bumpEvent.get({ id: campaign, count: -1, confirmed: wasConfirmed ? -1 : 0 })!;
    stmt.insertEvent.run(campaign, seq, kind, sid, secret, receivedAt, entry, count, confirmed);
    appendLog(campaign, logSize, seq);
    return seq;
  }

  const deleteTx = db.transaction((campaign: string, sid: string, receivedAt: string): boolean => {
    if (!stmt.getCampaign.get(campaign)) return false;
    if (stmt.deleteSubmission.run(campaign, sid).changes === 0) return false;
    appendEvent(campaign, KIND_REMOVAL, sid, null, removalEntry(sid), receivedAt);
    return true;
  });

  const decideTx = db.transaction((request: DecisionRequest): DecisionResult => {
    const { campaign, sid } = request;
    const kind = request.decision === 'confirm' ? KIND_CONFIRMED : KIND_DISOWNED;
    const row = stmt.findForWithdrawal.get(campaign, sid);
    if (!row) return { status: 'not-found' };
    if (row.ch === null || row.ch !== request.secretHash) return { status: 'refused' };
    const prior = stmt.findDecision.get(campaign, sid);
    if (prior) return prior.kind === kind ? { status: 'repeated', seq: prior.seq, receivedAt: prior.received_at } : { status: 'already-decided' };
    const event = stmt.findEvent.get(campaign, sid);
    if (event) return { status: event.kind === KIND_WITHDRAWAL ? 'withdrawn' : 'removed' };
    // After the retention deletion nothing changes any more (the counts stay as they were).
    const deletedAt = stmt.getCampaign.get(campaign)?.deleted_at ?? null;
    if (deletedAt !== null) return { status: 'deleted', deletedAt };
    // Disowned: the signature no longer counts, and its ciphertext goes as for a withdrawal.
    if (kind === KIND_DISOWNED && stmt.deleteSubmission.run(campaign, sid).changes === 0) return { status: 'removed' };
    const bumped = stmt.bumpEvent.get({ id: campaign, count: kind === KIND_DISOWNED ? -1 : 0, confirmed: kind === KIND_CONFIRMED ? 1 : 0 })!;
    stmt.insertDecision.run(campaign, bumped.last_seq, kind, sid, request.secret, request.receivedAt, request.entry, bumped.count, bumped.confirmed);
    appendLog(campaign, bumped.log_size, bumped.last_seq);
    return { status: 'decided', seq: bumped.last_seq, receivedAt: request.receivedAt };
  });

  const withdrawTx = db.transaction((request: WithdrawalRequest): WithdrawalResult => {
    const { campaign, sid } = request;
    const row = stmt.findForWithdrawal.get(campaign, sid);
    if (!row) return { status: 'not-found' };
    if (row.wh === null || row.wh !== request.secretHash) return { status: 'refused' };
    const event = stmt.findEvent.get(campaign, sid);
    if (event) return event.kind === KIND_WITHDRAWAL ? { status: 'already-withdrawn', seq: event.seq, receivedAt: event.received_at } : { status: 'removed' };
    if (stmt.findDecision.get(campaign, sid)?.kind === KIND_DISOWNED) return { status: 'disowned' };
    // After the retention deletion nothing changes any more (the count stays as it was).
    const deletedAt = stmt.getCampaign.get(campaign)?.deleted_at ?? null;
    if (deletedAt !== null) return { status: 'deleted', deletedAt };
    if (stmt.deleteSubmission.run(campaign, sid).changes === 0) return { status: 'removed' };
    const seq = appendEvent(campaign, KIND_WITHDRAWAL, sid, request.secret, request.entry, request.receivedAt);
    return { status: 'withdrawn', seq, receivedAt: request.receivedAt };
  });

  const closeTx = db.transaction((id: string, closedAt: string, deleteAt: string) => {
    stmt.close.run({ id, closedAt, deleteAt });
    const row = stmt.getCampaign.get(id);
    return row && toCampaign(row).retention!;
  });

  /** Deletes one due campaign's ciphertexts; undefined if it is not due (any more). */
  const expireTx = db.transaction((id: string, now: string): RetentionDeletion | undefined => {
    const row = stmt.getCampaign.get(id);
    if (!row || row.deleted_at !== null || row.delete_at === null || row.delete_at > now) return undefined;
    const deleted = stmt.deleteAll.run(id).changes;
    stmt.setDeleted.run(now, id);
    return { campaign: id, deleted, deletedAt: now };
  });

  return {
    engine: 'sqlite',
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async sharedSecret(name) {
      stmt.putSecret.run(name, randomBytes(32).toString('hex'));
      return stmt.getSecret.get(name)!.value;
    },
    async createCampaign(c: NewCampaign) {
      const result = stmt.insertCampaign.run({ ...c, origins: JSON.stringify(c.origins), countShown: c.countShown ?? ('all' satisfies CountShown) });
      return result.changes === 1;
    },
    async getCampaign(id) {
      const row = stmt.getCampaign.get(id);
      return row && toCampaign(row);
    },
    async listCampaigns() {
      return stmt.listCampaigns.all().map(toCampaign);
    },
    async updateCampaign(id, settings) {
      return stmt.updateCampaign.run({ id, ...settings, origins: JSON.stringify(settings.origins), countShown: settings.countShown ?? null }).changes === 1;
    },
    async setTokenHash(id, tokenHash) {
      return stmt.setToken.run(tokenHash, id).changes === 1;
    },
    async closeCampaign(id, closedAt, deleteAt) {
      return closeTx.immediate(id, closedAt, deleteAt);
    },
    async deleteExpired(now) {
      const done: RetentionDeletion[] = [];
      for (const { id } of stmt.due.all(now)) {
        const result = expireTx.immediate(id, now);
        if (result) done.push(result);
      }
      // secure_delete zeroes the freed pages, but the WAL file still holds the frames that wrote
      // the envelopes: copy the WAL back and truncate it, so the file holds no ciphertext either.
      if (done.length > 0) db.pragma('wal_checkpoint(TRUNCATE)');
      return done;
    },
    async findSubmission(campaign, sid) {
      const row = stmt.findSubmission.get(campaign, sid);
      return row && { seq: row.seq, envelopeHash: row.envelope_hash, receivedAt: row.received_at, deleted: row.deleted === 1 };
    },
    insertSubmission(insert) {
      // IMMEDIATE (in flush) takes the write lock up front, so the read-then-write cannot race.
      return new Promise<InsertResult>((resolve, reject) => {
        queue.push({ insert, resolve, reject });
        if (queue.length === 1) setImmediate(flush);
      });
    },
    async *exportEvents(campaign, after, limit): AsyncIterable<ExportedEvent> {
      let cursor = after;
      let left = limit;
      while (left > 0) {
        const page = Math.min(pageSize, left);
        const rows = stmt.exportPage.all({ campaign, after: cursor, limit: page });
        for (const row of rows) yield toEvent(row);
        if (rows.length < page) return;
        cursor = Number(rows.at(-1)!.seq);
        left -= rows.length;
      }
    },
    async deleteSubmission(campaign, sid, receivedAt = new Date().toISOString()) {
      return deleteTx.immediate(campaign, sid, receivedAt);
    },
    async withdrawSubmission(request) {
      return withdrawTx.immediate(request);
    },
    async decideSubmission(request) {
      return decideTx.immediate(request);
    },
    async putFile(campaign, name, file) {
      // IMMEDIATE: the write lock is taken first, so the stale answer reads the row that won.
      return putFileTx.immediate(campaign, name, file);
    },
    async getFile(campaign, name) {
      const row = stmt.getFile.get(campaign, name);
      return row && { body: row.body, serial: row.serial, issuedAt: row.issued_at, updatedAt: row.updated_at };
    },
    async fileSerial(campaign, name) {
      return stmt.fileSerial.get(campaign, name)?.serial;
    },
    async pruneSpentChallenges(now) {
      return stmt.prune.run(now).changes;
    },
    async readLogHashes(campaign, ids) {
      return hashReader(campaign).readHashes(ids).map((h) => new Uint8Array(h));
    },
    async readLogEntries(campaign, start, count) {
      return stmt.entries.all({ campaign, after: start, upTo: start + count }).map((row) => new Uint8Array(row.log_entry));
    },
    async pendingCheckpoints() {
      return stmt.pending.all().map((row) => {
        if (row.count === null) throw new Error('log: no count at the log size');
        return { campaign: row.campaign, size: row.size, count: row.count, confirmed: row.confirmed };
      });
    },
    async putCheckpoint(campaign, checkpoint: StoredCheckpoint) {
      const { size, root, note, signedAt } = checkpoint;
      return stmt.putCheckpoint.run(campaign, size, root, note, signedAt).changes === 1;
    },
    async getCheckpoint(campaign) {
      const row = stmt.getCheckpoint.get(campaign);
      return row && { size: row.size, root: new Uint8Array(row.root), note: row.note, signedAt: row.signed_at };
    },
    async close() {
      flush();
      if (db.open) db.close();
    },
  };
}
