// PostgreSQL storage (pg). Several collector processes may share one database: every rule that
// must hold across processes (single-use challenges, one envelope per submission id, seq in
// commit order) is enforced inside the database, never in process memory.
import pg from 'pg';
import { hashesToAppend, leafHash, type HashReader, type NodeId } from '@secure-sign/crypto/log';
import { randomBytes } from 'node:crypto';
import {
  EXPORT_PAGE_SIZE,
  type CampaignRecord,
  type DecisionRequest,
  type DecisionResult,
  type ExportedEvent,
  type InsertResult,
  type NewCampaign,
  type RetentionDeletion,
  type Store,
  type StoredCheckpoint,
  type SubmissionInsert,
  type WithdrawalRequest,
  type WithdrawalResult,
  sameTerms,
} from './types.js';
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
import { MIGRATIONS, MIGRATIONS_TABLE, nextMigration, unversionedVersion } from './migrations.js';

/** Most submissions written by one transaction (see the group commit comment below). */
const MAX_BATCH = 256;

/**
 * What a batch gives each item when they are taken one by one in order, given the rows already
 * stored and the challenges known to be spent: a result, or undefined for "created" (its seq is
 * assigned once the number of created items is known).
 */
function plan(
  items: readonly SubmissionInsert[],
  stored: ReadonlyMap<string, { envelopeHash: string; receivedAt: string }>,
  replayed: ReadonlySet<string>,
): (InsertResult | undefined)[] {
  const taken = new Map(stored);
  const used = new Set<string>();
  return items.map((item) => {
    const holder = taken.get(item.sid);
    if (holder) return holder.envelopeHash === item.envelopeHash ? { status: 'duplicate', receivedAt: holder.receivedAt } : { status: 'conflict' };
    if (replayed.has(item.powId) || used.has(item.powId)) return { status: 'pow-replayed' };
    used.add(item.powId);
    taken.set(item.sid, { envelopeHash: item.envelopeHash, receivedAt: item.receivedAt });
    return undefined;
  });
}

// The advisory lock of the migration step: (this constant, hashtext(schema)), so processes on one
// schema take turns and other schemas are not held up. Any constant works; 0.1.0 took this one alone.
const MIGRATION_LOCK = 0x5ec5_1650;

/**
 * Brings a schema to this build's version. Each migration runs in its own transaction that first
 * takes the schema's transaction-scoped advisory lock and reads the version again, so any number
 * of processes starting at once apply each migration exactly once, the others waiting and then
 * finding it done. Once up to date a start costs the lock and two reads: no DDL, no table lock.
 *
 * @throws {@link CollectorError} `schema-too-new` if a newer build migrated the schema.
 */
async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
      // Look before creating: CREATE ... IF NOT EXISTS needs the CREATE privilege even when the
      // object exists, and a collector's role may not have it once the schema is made.
      const found = await client.query<{ table_name: string; serial: boolean }>(
        `SELECT table_name, EXISTS (SELECT 1 FROM information_schema.columns c
                                    WHERE c.table_schema = t.table_schema AND c.table_name = 'files' AND c.column_name = 'serial') AS serial
         FROM information_schema.tables t WHERE table_schema = $1 AND table_name IN ('schema_migrations', 'campaigns')`,
        [schema],
      );
      const tables = new Set(found.rows.map((r) => r.table_name));
      let current = 0;
      if (tables.has('schema_migrations')) {
        const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
        current = rows[0]!.version ?? 0;
      } else {
        const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(MIGRATIONS_TABLE.postgres);
      }
      if (current === 0) {
        // Empty, or made before versioning (release 0.1.0): record what it already has.
        current = unversionedVersion({ campaignsTable: tables.has('campaigns'), filesSerial: found.rows.some((r) => r.serial) });
        for (const m of MIGRATIONS.slice(0, current)) {
          await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [m.version, m.description]);
        }
      }
      const next = nextMigration(current, `PostgreSQL schema ${schema}`);
      if (next) {
        await client.query(next.postgres);
        await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [next.version, next.description]);
      }
      await client.query('COMMIT');
      if (!next) return;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

interface CampaignRow {
  id: string;
  key: string;
  key_id: string;
  origins: string[];
  goal: string | null;
  opens_at: string | null;
  closes_at: string | null;
  token_hash: string;
  count: string;
  log_size: string;
  closed_at: string | null;
  delete_at: string | null;
  deleted_at: string | null;
  confirmed: string;
  count_shown: string;
}

/** The columns {@link toCampaign} reads. */
const CAMPAIGN_COLUMNS = 'id, key, key_id, origins, goal, opens_at, closes_at, token_hash, count, log_size, closed_at, delete_at, deleted_at, confirmed, count_shown';

function toCampaign(row: CampaignRow): CampaignRecord {
  return {
    id: row.id,
    key: row.key,
    keyId: row.key_id,
    origins: row.origins,
    goal: row.goal === null ? null : Number(row.goal),
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    tokenHash: row.token_hash,
    count: Number(row.count),
    logSize: Number(row.log_size),
    retention: row.closed_at === null || row.delete_at === null ? null : { closedAt: row.closed_at, deleteAt: row.delete_at, deletedAt: row.deleted_at },
    confirmed: Number(row.confirmed),
    countShown: row.count_shown === 'confirmed' ? 'confirmed' : 'all',
  };
}

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Schema to use (created if missing); `public` by default. Lower-case letters, digits, `_`. */
  readonly schema?: string;
  /** Largest number of pooled connections; 10 by default. */
  readonly maxConnections?: number;
  /** Rows read per query by exports; 1000 by default (tests use less). */
  readonly exportPageSize?: number;
}

/**
 * Connects to PostgreSQL and brings the schema to this build's version (creating it if needed).
 *
 * @param url - a `postgres://` connection URL.
 * @throws TypeError if the schema name is invalid; {@link CollectorError} `schema-too-new` if a
 * newer build migrated the schema; other errors if the database cannot be reached.
 * @example
 * ```ts
 * const store = await openPostgresStore('postgres://collector@db.internal/secure_sign');
 * ```
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError('schema: expected lower-case letters, digits and _');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // A 2xx must mean "committed and flushed": make sure no server default weakens that.
    options: `-c search_path=${schema} -c synchronous_commit=on`,
  });
  // An idle client that loses its connection emits here; without a listener the process dies.
  pool.on('error', () => {});

  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  async function transaction<T>(body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const result = await body(c);
      await c.query('COMMIT');
      return result;
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      c.release();
    }
  }

  /** Reads stored log hashes through one client (inside a transaction, or the pool). */
  const hashReader = (q: pg.Pool | pg.PoolClient, campaign: string): HashReader => ({
    async readHashes(ids: readonly NodeId[]) {
      const { rows } = await q.query<{ level: number; idx: string; hash: Buffer }>(
        `SELECT level, idx, hash FROM log_hashes
         WHERE campaign = $1 AND (level, idx) IN (SELECT * FROM unnest($2::int[], $3::bigint[]))`,
        [campaign, ids.map((id) => id.level), ids.map((id) => id.index)],
      );
      const found = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
      return ids.flatMap((id) => {
        const hash = found.get(`${id.level}/${id.index}`);
        return hash ? [new Uint8Array(hash)] : [];
      });
    },
  });

  /**
   * Appends entries to the campaign's log inside the caller's transaction, which holds the
   * campaign row lock: `known` are the entries of seq `logSize + missing + 1 ...`, where the rows
   * in between (stored before the log existed, or by a process of an older release during a
   * rolling upgrade) are read and logged first, in seq order. Stores every new subtree hash.
   * The caller sets campaigns.log_size.
   */
  async function appendLog(c: pg.PoolClient, campaign: string, logSize: number, upTo: number, known: readonly Uint8Array[]): Promise<void> {
    const before = upTo - known.length;
    const entries: Uint8Array[] = [];
    if (before > logSize) {
      const { rows } = await c.query<{ seq: string; kind: number; sid: string; envelope: string | null; envelope_hash: string | null; log_entry: Buffer | null; log_count: string | null }>(
        `SELECT seq, 1 AS kind, sid, envelope, envelope_hash, log_entry, log_count FROM submissions WHERE campaign = $1 AND seq > $2 AND seq <= $3
         UNION ALL
         SELECT seq, kind, sid, NULL, NULL, log_entry, log_count FROM log_events WHERE campaign = $1 AND seq > $2 AND seq <= $3
         UNION ALL
         SELECT seq, kind, sid, NULL, NULL, log_entry, log_count FROM log_decisions WHERE campaign = $1 AND seq > $2 AND seq <= $3
         ORDER BY seq`,
        [campaign, logSize, before],
      );
      if (rows.length !== before - logSize || rows.some((row, i) => Number(row.seq) !== logSize + i + 1)) {
        throw new Error('log: the events to log are not consecutive');
      }
      let count: number | null = logSize === 0 ? 0 : await countAt(c, campaign, logSize);
      const fill: { table: 'submissions' | 'log_events'; seq: number; entry: Uint8Array; count: number }[] = [];
      for (const row of rows) {
        // Rows written by this build carry entry and count; older rows get them now, in order.
        if (row.log_entry !== null && row.log_count !== null) {
          count = Number(row.log_count);
          entries.push(new Uint8Array(row.log_entry));
          continue;
        }
        if (count === null) throw new Error('log: no count at the log size');
        count += countDelta(row.kind);
        let entry: Uint8Array;
        if (row.kind === KIND_STORED) entry = row.log_entry ?? storedEntry(row.sid, row.envelope, row.envelope_hash ?? '');
        else if (row.log_entry !== null || row.kind === KIND_REMOVAL) entry = row.log_entry ?? removalEntry(row.sid);
        else throw new Error('log: a withdrawal without its entry');
        fill.push({ table: row.kind === KIND_STORED ? 'submissions' : 'log_events', seq: Number(row.seq), entry, count });
        entries.push(new Uint8Array(entry));
      }
      for (const table of ['submissions', 'log_events'] as const) {
        const mine = fill.filter((f) => f.table === table);
        if (mine.length === 0) continue;
        await c.query(
          `UPDATE ${table} s SET log_entry = u.entry, log_count = u.count FROM unnest($2::bigint[], $3::bytea[], $4::bigint[]) AS u(seq, entry, count)
           WHERE s.campaign = $1 AND s.seq = u.seq`,
          [campaign, mine.map((f) => f.seq), mine.map((f) => Buffer.from(f.entry)), mine.map((f) => f.count)],
        );
      }
    }
    entries.push(...known);
    const added = await hashesToAppend(hashReader(c, campaign), logSize, entries.map((e) => leafHash(e)));
    await c.query(
      'INSERT INTO log_hashes (campaign, level, idx, hash) SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bytea[])',
      [campaign, added.map((a) => a.id.level), added.map((a) => a.id.index), added.map((a) => Buffer.from(a.hash))],
    );
  }

  /** The public count after the entry of seq `seq` (null if that row has none yet). */
  async function countAt(c: pg.PoolClient, campaign: string, seq: number): Promise<number | null> {
    const { rows } = await c.query<{ log_count: string | null }>(
      `SELECT log_count FROM submissions WHERE campaign = $1 AND seq = $2
       UNION ALL SELECT log_count FROM log_events WHERE campaign = $1 AND seq = $2
       UNION ALL SELECT log_count FROM log_decisions WHERE campaign = $1 AND seq = $2`,
      [campaign, seq],
    );
    return rows[0]?.log_count == null ? null : Number(rows[0].log_count);
  }

  /** The decision made on a submission, if any (kind 4 or 5), inside the caller's transaction. */
  async function decisionOf(c: pg.PoolClient, campaign: string, sid: string): Promise<{ seq: number; kind: number; receivedAt: string } | undefined> {
    const { rows } = await c.query<{ seq: string; kind: number; received_at: string }>(
      'SELECT seq, kind, received_at FROM log_decisions WHERE campaign = $1 AND sid = $2',
      [campaign, sid],
    );
    return rows[0] && { seq: Number(rows[0].seq), kind: rows[0].kind, receivedAt: rows[0].received_at };
  }

  /**
   * Appends an event inside the caller's transaction, which holds the campaign row lock: the next
   * seq, the counts moved by `countBy` and `confirmedBy`, the row in `table` with both running
   * counts, the entry and its hashes, the new log size.
   */
  async function appendRow(
    c: pg.PoolClient,
    table: 'log_events' | 'log_decisions',
    row: { campaign: string; logSize: number; kind: number; sid: string; secret: string | null; entry: Uint8Array; receivedAt: string; countBy: number; confirmedBy: number },
  ): Promise<number> {
    const { rows } = await c.query<{ last_seq: string; count: string; confirmed: string }>(
      `UPDATE campaigns SET last_seq = last_seq + 1, count = count + $2, confirmed = confirmed + $3, log_size = last_seq + 1
       WHERE id = $1 RETURNING last_seq, count, confirmed`,
      [row.campaign, row.countBy, row.confirmedBy],
    );
    const seq = Number(rows[0]!.last_seq);
    await c.query(
      `INSERT INTO ${table} (campaign, seq, kind, sid, secret, received_at, log_entry, log_count, log_confirmed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.campaign, seq, row.kind, row.sid, row.secret, row.receivedAt, Buffer.from(row.entry), rows[0]!.count, rows[0]!.confirmed],
    );
    await appendLog(c, row.campaign, row.logSize, seq, [row.entry]);
    return seq;
  }

  /**
   * Appends a withdrawal or removal event inside the caller's transaction, which holds the
   * campaign row lock and has deleted the envelope: the count lowered (and the confirmed count,
   * if the signature was confirmed), the entry and its hashes, the new log size.
   */
  async function appendEvent(c: pg.PoolClient, campaign: string, logSize: number, kind: number, sid: string, secret: string | null, entry: Uint8Array, receivedAt: string): Promise<number> {
    const wasConfirmed = (await decisionOf(c, campaign, sid))?.kind === KIND_CONFIRMED;
    return appendRow(c, 'log_events', { campaign, logSize, kind, sid, secret, entry, receivedAt, countBy: -1, confirmedBy: wasConfirmed ? -1 : 0 });
  }

  // Envelopes stored before the log existed (schema version 2 and older) are logged when a store
  // opens, in seq order, a bounded number per transaction, under the campaign row lock (so any
  // number of processes starting at once log each envelope exactly once).
  try {
    const { rows: behind } = await pool.query<{ id: string }>('SELECT id FROM campaigns WHERE log_size < last_seq ORDER BY id');
    for (const { id } of behind) {
      for (;;) {
        const more = await transaction(async (c) => {
          const { rows } = await c.query<{ log_size: string; last_seq: string }>('SELECT log_size, last_seq FROM campaigns WHERE id = $1 FOR UPDATE', [id]);
          const logSize = Number(rows[0]!.log_size);
          const upTo = Math.min(Number(rows[0]!.last_seq), logSize + CATCH_UP_BATCH);
          if (upTo <= logSize) return false;
          await appendLog(c, id, logSize, upTo, []);
          await c.query('UPDATE campaigns SET log_size = $2 WHERE id = $1', [id, upTo]);
          return true;
        });
        if (!more) break;
      }
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  // Group commit. Inserts into one campaign must be serialised until commit (the campaign row
  // lock, see writeBatch), and one transaction per submission spent ~7 round trips under that
  // lock: one campaign topped out at a few hundred submissions/s however many connections we had.
  // So calls for one campaign queue up while a batch of that campaign is being written (or
  // until the next turn of the event loop), and one transaction writes up to MAX_BATCH of them
  // with a fixed number of statements. Each item gets exactly the result it would have got
  // alone, in arrival order (including duplicates and replays inside the batch). Promises settle
  // only after COMMIT: a 2xx still means "committed"; if the transaction fails, every caller of
  // the batch is rejected. The row lock stays: it is what keeps seq in commit order across
  // processes sharing the database.
  type Pending = { insert: SubmissionInsert; resolve: (result: InsertResult) => void; reject: (error: unknown) => void };
  // Campaign -> callers waiting; an entry exists exactly while a drain of that campaign runs.
  const queues = new Map<string, Pending[]>();

  async function drain(campaign: string): Promise<void> {
    const queue = queues.get(campaign)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        const results = await transaction((c) => writeBatch(c, campaign, batch.map((p) => p.insert)));
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    // Same synchronous step as the last length check: no caller can be left in a dropped queue.
    queues.delete(campaign);
  }

  async function writeBatch(c: pg.PoolClient, campaign: string, items: readonly SubmissionInsert[]): Promise<InsertResult[]> {
    // The campaign row lock serialises inserts into one campaign until commit, so seq N+1
    // can only be taken after N is committed and visible: an export cursor never skips a row.
    // It also orders the batch with any change of the campaign's settings (by any process): an
    // item decided on settings that changed since is answered `stale` and takes no part.
    const locked = await c.query<{ log_size: string; closed_at: string | null; key_id: string; origins: string[]; opens_at: string | null; closes_at: string | null }>(
      'SELECT log_size, closed_at, key_id, origins, opens_at, closes_at FROM campaigns WHERE id = $1 FOR UPDATE',
      [campaign],
    );
    if (locked.rowCount === 0) return items.map(() => ({ status: 'unknown-campaign' }));
    const row = locked.rows[0]!;
    const terms = { keyId: row.key_id, origins: row.origins, opensAt: row.opens_at, closesAt: row.closes_at };
    const current = items.map((item) => item.expect === undefined || sameTerms(item.expect, terms));
    const kept = items.filter((_, i) => current[i]);
    const results = kept.length === 0 ? [] : await writeItems(c, campaign, kept, Number(row.log_size), row.closed_at !== null);
    let k = 0;
    return items.map((_, i) => (current[i] ? results[k++]! : { status: 'stale' }));
  }

  async function writeItems(c: pg.PoolClient, campaign: string, items: readonly SubmissionInsert[], logSize: number, closed: boolean): Promise<InsertResult[]> {
    const existing = await c.query<{ sid: string; envelope_hash: string; received_at: string }>(
      'SELECT sid, envelope_hash, received_at FROM submissions WHERE campaign = $1 AND sid = ANY($2::text[])',
      [campaign, [...new Set(items.map((i) => i.sid))]],
    );
    const stored = new Map(existing.rows.map((r) => [r.sid, { envelopeHash: r.envelope_hash, receivedAt: r.received_at }]));
    // Closed (campaign close) before this transaction took the row lock: only retries of stored
    // envelopes answer; nothing new is stored and no challenge is spent.
    if (closed) {
      return items.map((item) => {
        const holder = stored.get(item.sid);
        if (!holder) return { status: 'closed' };
        return holder.envelopeHash === item.envelopeHash ? { status: 'duplicate', receivedAt: holder.receivedAt } : { status: 'conflict' };
      });
    }

    // Which items get created depends on which challenges were already spent (a replayed item
    // frees its sid for a later item of the batch), and that is only known by trying to spend
    // them: INSERT ... ON CONFLICT is the cross-process guard, a SELECT would race. So: plan
    // assuming unknown challenges are fresh, spend the planned ones, re-plan with what we learnt;
    // repeat until the plan needs no challenge we have not tried (one round unless a challenge
    // was replayed). A challenge we spent always stays used by a created item of the final plan.
    const replayed = new Set<string>();
    const spent = new Set<string>();
    let results = plan(items, stored, replayed);
    for (;;) {
      const fresh = items.filter((item, i) => results[i] === undefined && !spent.has(item.powId));
      if (fresh.length === 0) break;
      // Sorted, so two batches spending overlapping challenges take the row locks in one order.
      fresh.sort((a, b) => (a.powId < b.powId ? -1 : a.powId > b.powId ? 1 : 0));
      const inserted = await c.query<{ id: string }>(
        `INSERT INTO spent_challenges (id, expires_at)
         SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [fresh.map((i) => i.powId), fresh.map((i) => i.powExpiresAt)],
      );
      for (const row of inserted.rows) spent.add(row.id);
      for (const item of fresh) if (!spent.has(item.powId)) replayed.add(item.powId);
      results = plan(items, stored, replayed);
    }

    const created = items.filter((_, i) => results[i] === undefined);
    // Guard of the claim above: never let a challenge be burnt without a stored submission.
    const kept = new Set(created.map((i) => i.powId));
    if ([...spent].some((id) => !kept.has(id))) throw new Error('group commit: a spent challenge lost its submission');
    let first = 0;
    if (created.length > 0) {
      const entries = created.map((i) => storedEntry(i.sid, i.envelope, i.envelopeHash));
      // The log takes every seq up to the new last one (leaf index = seq - 1), in this transaction.
      // campaigns.count is the running count at last_seq (every event moves both): the count
      // after each new entry follows from the one after the last.
      const bumped = await c.query<{ last_seq: string; count: string; confirmed: string }>(
        'UPDATE campaigns SET last_seq = last_seq + $2, count = count + $2, log_size = last_seq + $2 WHERE id = $1 RETURNING last_seq, count, confirmed',
        [campaign, created.length],
      );
      const last = Number(bumped.rows[0]!.last_seq);
      const lastCount = Number(bumped.rows[0]!.count);
      const confirmed = Number(bumped.rows[0]!.confirmed);
      first = last - created.length + 1;
      await c.query(
        `INSERT INTO submissions (campaign, seq, sid, envelope, envelope_hash, wh, ch, received_at, log_entry, log_count, log_confirmed)
         SELECT $1, *, $11::bigint FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::bigint[])`,
        [
          campaign,
          created.map((_, k) => first + k),
          created.map((i) => i.sid),
          created.map((i) => i.envelope),
          created.map((i) => i.envelopeHash),
          created.map((i) => i.wh),
          created.map((i) => i.ch),
          created.map((i) => i.receivedAt),
          entries.map((e) => Buffer.from(e)),
          created.map((_, k) => lastCount - created.length + k + 1),
          // A new envelope changes no confirmation: the confirmed count after each is the current one.
          confirmed,
        ],
      );
      await appendLog(c, campaign, logSize, last, entries);
    }
    let seq = first;
    return items.map((item, i) => results[i] ?? { status: 'created', seq: seq++, receivedAt: item.receivedAt });
  }

  return {
    engine: 'postgres',
    async ping() {
      await pool.query('SELECT 1');
    },
    async sharedSecret(name) {
      await pool.query('INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        name,
        randomBytes(32).toString('hex'),
      ]);
      const { rows } = await pool.query<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [name]);
      return rows[0]!.value;
    },
    async createCampaign(c: NewCampaign) {
      const result = await pool.query(
        `INSERT INTO campaigns (id, key, key_id, origins, goal, opens_at, closes_at, token_hash, count_shown)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [c.id, c.key, c.keyId, JSON.stringify(c.origins), c.goal, c.opensAt, c.closesAt, c.tokenHash, c.countShown ?? 'all'],
      );
      return result.rowCount === 1;
    },
    async getCampaign(id) {
      // Per request: a named statement, parsed and planned once per connection. The columns are
      // listed, so a later migration that adds one does not change a prepared statement's result.
      const { rows } = await pool.query<CampaignRow>({ name: 'get-campaign', text: `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1`, values: [id] });
      return rows[0] && toCampaign(rows[0]);
    },
    async listCampaigns() {
      const { rows } = await pool.query<CampaignRow>('SELECT * FROM campaigns ORDER BY id');
      return rows.map(toCampaign);
    },
    async updateCampaign(id, settings) {
      const result = await pool.query('UPDATE campaigns SET origins = $2, goal = $3, opens_at = $4, closes_at = $5, count_shown = coalesce($6, count_shown) WHERE id = $1', [
        id,
        JSON.stringify(settings.origins),
        settings.goal,
        settings.opensAt,
        settings.closesAt,
        settings.countShown ?? null,
      ]);
      return result.rowCount === 1;
    },
    async setTokenHash(id, tokenHash) {
      const result = await pool.query('UPDATE campaigns SET token_hash = $1 WHERE id = $2', [tokenHash, id]);
      return result.rowCount === 1;
    },
    async closeCampaign(id, closedAt, deleteAt) {
      // One statement decides and writes; times are toISOString text (string order is time order).
      // The row lock it takes orders it with insert batches: one that commits after sees closed_at.
      await pool.query(
        `UPDATE campaigns SET closed_at = coalesce(closed_at, $2),
                delete_at = CASE WHEN delete_at IS NULL OR delete_at > $3 THEN $3 ELSE delete_at END
         WHERE id = $1 AND deleted_at IS NULL`,
        [id, closedAt, deleteAt],
      );
      const { rows } = await pool.query<CampaignRow>('SELECT * FROM campaigns WHERE id = $1', [id]);
      return rows[0] && toCampaign(rows[0]).retention!;
    },
    async deleteExpired(now) {
      const { rows: due } = await pool.query<{ id: string }>('SELECT id FROM campaigns WHERE delete_at <= $1 AND deleted_at IS NULL ORDER BY id', [now]);
      const done: RetentionDeletion[] = [];
      for (const { id } of due) {
        // Rechecked under the campaign row lock: of processes racing here, the first deletes and
        // sets deleted_at, the others then find it set and do nothing.
        const result = await transaction(async (c): Promise<RetentionDeletion | undefined> => {
          const { rows } = await c.query<{ delete_at: string | null; deleted_at: string | null }>(
            'SELECT delete_at, deleted_at FROM campaigns WHERE id = $1 FOR UPDATE',
            [id],
          );
          const row = rows[0];
          if (!row || row.deleted_at !== null || row.delete_at === null || row.delete_at > now) return undefined;
          const deleted = await c.query('UPDATE submissions SET envelope = NULL WHERE campaign = $1 AND envelope IS NOT NULL', [id]);
          await c.query('UPDATE campaigns SET deleted_at = $2 WHERE id = $1', [id, now]);
          return { campaign: id, deleted: deleted.rowCount ?? 0, deletedAt: now };
        });
        if (result) done.push(result);
      }
      return done;
    },
    async findSubmission(campaign, sid) {
      // Per request, named like get-campaign.
      const { rows } = await pool.query<{ seq: string; envelope_hash: string; received_at: string; deleted: boolean }>({
        name: 'find-submission',
        text: 'SELECT seq, envelope_hash, received_at, envelope IS NULL AS deleted FROM submissions WHERE campaign = $1 AND sid = $2',
        values: [campaign, sid],
      });
      return rows[0] && { seq: Number(rows[0].seq), envelopeHash: rows[0].envelope_hash, receivedAt: rows[0].received_at, deleted: rows[0].deleted };
    },
    insertSubmission(insert) {
      return new Promise<InsertResult>((resolve, reject) => {
        const pending = { insert, resolve, reject };
        const queue = queues.get(insert.campaign);
        if (queue) {
          queue.push(pending);
          return;
        }
        queues.set(insert.campaign, [pending]);
        // Wait one turn of the event loop, so that requests handled in this turn join the batch.
        setImmediate(() => void drain(insert.campaign));
      });
    },
    async *exportEvents(campaign, after, limit): AsyncIterable<ExportedEvent> {
      let cursor = after;
      let left = limit;
      while (left > 0) {
        const page = Math.min(options.exportPageSize ?? EXPORT_PAGE_SIZE, left);
        // One statement, one snapshot: the log size bounds both tables alike.
        const { rows } = await pool.query<EventRow>(
          `WITH size AS (SELECT log_size FROM campaigns WHERE id = $1)
           SELECT seq, 1 AS kind, sid, received_at, envelope, envelope_hash, wh, ch, NULL AS secret FROM submissions
           WHERE campaign = $1 AND seq > $2 AND seq <= (SELECT log_size FROM size)
           UNION ALL
           SELECT seq, kind, sid, received_at, NULL, NULL, NULL, NULL, secret FROM log_events
           WHERE campaign = $1 AND seq > $2 AND seq <= (SELECT log_size FROM size)
           UNION ALL
           SELECT seq, kind, sid, received_at, NULL, NULL, NULL, NULL, secret FROM log_decisions
           WHERE campaign = $1 AND seq > $2 AND seq <= (SELECT log_size FROM size)
           ORDER BY seq LIMIT $3`,
          [campaign, cursor, page],
        );
        for (const row of rows) yield toEvent(row);
        if (rows.length < page) return;
        cursor = Number(rows.at(-1)!.seq);
        left -= rows.length;
      }
    },
    async deleteSubmission(campaign, sid, receivedAt = new Date().toISOString()) {
      return transaction(async (c) => {
        const locked = await c.query<{ log_size: string }>('SELECT log_size FROM campaigns WHERE id = $1 FOR UPDATE', [campaign]);
        if (locked.rowCount === 0) return false;
        const deleted = await c.query(
          'UPDATE submissions SET envelope = NULL WHERE campaign = $1 AND sid = $2 AND envelope IS NOT NULL',
          [campaign, sid],
        );
        if (deleted.rowCount === 0) return false;
        await appendEvent(c, campaign, Number(locked.rows[0]!.log_size), KIND_REMOVAL, sid, null, removalEntry(sid), receivedAt);
        return true;
      });
    },
    async withdrawSubmission(request: WithdrawalRequest): Promise<WithdrawalResult> {
      const { campaign, sid } = request;
      return transaction(async (c): Promise<WithdrawalResult> => {
        // The campaign row lock: withdrawals, removals and inserts of one campaign take seqs in commit order.
        const locked = await c.query<{ log_size: string; deleted_at: string | null }>('SELECT log_size, deleted_at FROM campaigns WHERE id = $1 FOR UPDATE', [campaign]);
        if (locked.rowCount === 0) return { status: 'not-found' };
        const found = await c.query<{ wh: string | null }>('SELECT wh FROM submissions WHERE campaign = $1 AND sid = $2', [campaign, sid]);
        if (found.rowCount === 0) return { status: 'not-found' };
        const wh = found.rows[0]!.wh;
        if (wh === null || wh !== request.secretHash) return { status: 'refused' };
        const event = await c.query<{ seq: string; kind: number; received_at: string }>(
          'SELECT seq, kind, received_at FROM log_events WHERE campaign = $1 AND sid = $2',
          [campaign, sid],
        );
        const done = event.rows[0];
        if (done) return done.kind === KIND_WITHDRAWAL ? { status: 'already-withdrawn', seq: Number(done.seq), receivedAt: done.received_at } : { status: 'removed' };
        if ((await decisionOf(c, campaign, sid))?.kind === KIND_DISOWNED) return { status: 'disowned' };
        // After the retention deletion nothing changes any more (the count stays as it was).
        const deletedAt = locked.rows[0]!.deleted_at;
        if (deletedAt !== null) return { status: 'deleted', deletedAt };
        const deleted = await c.query('UPDATE submissions SET envelope = NULL WHERE campaign = $1 AND sid = $2 AND envelope IS NOT NULL', [campaign, sid]);
        if (deleted.rowCount === 0) return { status: 'removed' };
        const seq = await appendEvent(c, campaign, Number(locked.rows[0]!.log_size), KIND_WITHDRAWAL, sid, request.secret, request.entry, request.receivedAt);
        return { status: 'withdrawn', seq, receivedAt: request.receivedAt };
      });
    },
    async decideSubmission(request: DecisionRequest): Promise<DecisionResult> {
      const { campaign, sid } = request;
      const kind = request.decision === 'confirm' ? KIND_CONFIRMED : KIND_DISOWNED;
      return transaction(async (c): Promise<DecisionResult> => {
        // The campaign row lock: decisions, withdrawals, removals and inserts take seqs in commit order.
        const locked = await c.query<{ log_size: string; deleted_at: string | null }>('SELECT log_size, deleted_at FROM campaigns WHERE id = $1 FOR UPDATE', [campaign]);
        if (locked.rowCount === 0) return { status: 'not-found' };
        const found = await c.query<{ ch: string | null }>('SELECT ch FROM submissions WHERE campaign = $1 AND sid = $2', [campaign, sid]);
        if (found.rowCount === 0) return { status: 'not-found' };
        const ch = found.rows[0]!.ch;
        if (ch === null || ch !== request.secretHash) return { status: 'refused' };
        const prior = await decisionOf(c, campaign, sid);
        if (prior) return prior.kind === kind ? { status: 'repeated', seq: prior.seq, receivedAt: prior.receivedAt } : { status: 'already-decided' };
        const event = await c.query<{ kind: number }>('SELECT kind FROM log_events WHERE campaign = $1 AND sid = $2', [campaign, sid]);
        if (event.rows[0]) return { status: event.rows[0].kind === KIND_WITHDRAWAL ? 'withdrawn' : 'removed' };
        // After the retention deletion nothing changes any more (the counts stay as they were).
        const deletedAt = locked.rows[0]!.deleted_at;
        if (deletedAt !== null) return { status: 'deleted', deletedAt };
        if (kind === KIND_DISOWNED) {
          // Disowned: the signature no longer counts, and its ciphertext goes as for a withdrawal.
          const deleted = await c.query('UPDATE submissions SET envelope = NULL WHERE campaign = $1 AND sid = $2 AND envelope IS NOT NULL', [campaign, sid]);
          if (deleted.rowCount === 0) return { status: 'removed' };
        }
        const seq = await appendRow(c, 'log_decisions', {
          campaign,
          logSize: Number(locked.rows[0]!.log_size),
          kind,
          sid,
          secret: request.secret,
          entry: request.entry,
          receivedAt: request.receivedAt,
          countBy: kind === KIND_DISOWNED ? -1 : 0,
          confirmedBy: kind === KIND_CONFIRMED ? 1 : 0,
        });
        return { status: 'decided', seq, receivedAt: request.receivedAt };
      });
    },
    async putFile(campaign, name, file) {
      // One statement decides and writes. A concurrent writer of the same row (from any process)
      // makes this one wait on the row lock or the unique index; the WHERE is then evaluated
      // against the row that writer committed, so of two puts with the same serial one updates
      // nothing.
      const stored = await pool.query(
        `INSERT INTO files (campaign, name, body, serial, issued_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (campaign, name) DO UPDATE
         SET body = EXCLUDED.body, serial = EXCLUDED.serial, issued_at = EXCLUDED.issued_at, updated_at = EXCLUDED.updated_at
         WHERE files.serial < EXCLUDED.serial
         RETURNING 1`,
        [campaign, name, file.body, file.serial, file.issuedAt, file.updatedAt],
      );
      if (stored.rowCount === 1) return { status: 'stored' };
      // A fresh statement sees the winner's commit. Serials only grow, so this is >= file.serial.
      const { rows } = await pool.query<{ serial: string }>('SELECT serial FROM files WHERE campaign = $1 AND name = $2', [campaign, name]);
      return { status: 'stale', currentSerial: Number(rows[0]!.serial) };
    },
    async getFile(campaign, name) {
      const { rows } = await pool.query<{ body: string; serial: string; issued_at: string; updated_at: string }>(
        'SELECT body, serial, issued_at, updated_at FROM files WHERE campaign = $1 AND name = $2',
        [campaign, name],
      );
      const row = rows[0];
      return row && { body: row.body, serial: Number(row.serial), issuedAt: row.issued_at, updatedAt: row.updated_at };
    },
    async fileSerial(campaign, name) {
      const { rows } = await pool.query<{ serial: string }>('SELECT serial FROM files WHERE campaign = $1 AND name = $2', [campaign, name]);
      return rows[0] && Number(rows[0].serial);
    },
    async pruneSpentChallenges(now) {
      const result = await pool.query('DELETE FROM spent_challenges WHERE expires_at < $1', [now]);
      return result.rowCount ?? 0;
    },
    async readLogHashes(campaign, ids) {
      return ids.length === 0 ? [] : [...(await hashReader(pool, campaign).readHashes(ids))];
    },
    async readLogEntries(campaign, start, count) {
      const { rows } = await pool.query<{ log_entry: Buffer }>(
        `WITH size AS (SELECT log_size FROM campaigns WHERE id = $1)
         SELECT seq, log_entry FROM submissions WHERE campaign = $1 AND seq > $2 AND seq <= $3 AND seq <= (SELECT log_size FROM size)
         UNION ALL
         SELECT seq, log_entry FROM log_events WHERE campaign = $1 AND seq > $2 AND seq <= $3 AND seq <= (SELECT log_size FROM size)
         UNION ALL
         SELECT seq, log_entry FROM log_decisions WHERE campaign = $1 AND seq > $2 AND seq <= $3 AND seq <= (SELECT log_size FROM size)
         ORDER BY seq`,
        [campaign, start, start + count],
      );
      return rows.map((r) => new Uint8Array(r.log_entry));
    },
    async pendingCheckpoints() {
      // One statement: the size and the count at exactly that size come from one snapshot (and
      // the row of seq = size never changes once committed).
      // A row without a confirmed count (written before migration 6, or by an older release)
      // falls back to counting the decisions (CONFIRMED_AT_SIZE).
      const { rows } = await pool.query<{ campaign: string; size: string; count: string | null; confirmed: string }>(
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
      );
      return rows.map((r) => {
        if (r.count === null) throw new Error('log: no count at the log size');
        return { campaign: r.campaign, size: Number(r.size), count: Number(r.count), confirmed: Number(r.confirmed) };
      });
    },
    async putCheckpoint(campaign, checkpoint: StoredCheckpoint) {
      // One statement decides and writes (as putFile): of processes storing checkpoints at once,
      // only a larger size replaces the stored one. Same size means same root (one tree).
      const stored = await pool.query(
        `INSERT INTO log_checkpoints (campaign, size, root, note, signed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (campaign) DO UPDATE SET size = EXCLUDED.size, root = EXCLUDED.root, note = EXCLUDED.note, signed_at = EXCLUDED.signed_at
         WHERE log_checkpoints.size < EXCLUDED.size
         RETURNING 1`,
        [campaign, checkpoint.size, Buffer.from(checkpoint.root), checkpoint.note, checkpoint.signedAt],
      );
      return stored.rowCount === 1;
    },
    async getCheckpoint(campaign) {
      const { rows } = await pool.query<{ size: string; root: Buffer; note: string; signed_at: string }>(
        'SELECT size, root, note, signed_at FROM log_checkpoints WHERE campaign = $1',
        [campaign],
      );
      const row = rows[0];
      return row && { size: Number(row.size), root: new Uint8Array(row.root), note: row.note, signedAt: row.signed_at };
    },
    async close() {
      await pool.end();
    },
  };
}
