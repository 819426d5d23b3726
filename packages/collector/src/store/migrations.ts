// The collector's database schema, as one ordered list of migrations: the only place where tables
// are created or changed, for both engines. Each store runs what is missing when it opens
// (openSqliteStore, openPostgresStore), one migration per transaction together with its row in
// schema_migrations, so a database is always at exactly one version.
//
// Rules for this file:
// - A released migration never changes. Fix forward with a new one.
// - Every migration has the SQL of both engines, and they end in the same logical schema.
// - While older processes may still run against the database (a rolling upgrade on PostgreSQL),
//   migrations only add: new tables, new columns with a default. Dropping or renaming waits for a
//   release whose previous release no longer uses the thing.
// - A database at a version above the last one here was migrated by a newer build: refuse it
//   (checkVersion) rather than guess what the unknown migrations did.
import { CollectorError } from '../errors.js';

/** One step of the schema. `version` is its position in {@link MIGRATIONS}, from 1. */
export interface Migration {
  readonly version: number;
  /** What it changes, one line; stored in schema_migrations. */
  readonly description: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/** The schema, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // Exactly what release 0.1.0 created (test/fixtures/schema-0.1.0.*.sql), so that a fresh
    // database and one made by 0.1.0 are the same from here on.
    description: 'the 0.1.0 schema: secrets, campaigns, submissions, spent challenges, files',
    sqlite: `
      CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS campaigns (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        key_id TEXT NOT NULL,
        origins TEXT NOT NULL,
        goal INTEGER,
        opens_at TEXT,
        closes_at TEXT,
        token_hash TEXT NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        count INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS submissions (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        seq INTEGER NOT NULL,
        sid TEXT NOT NULL,
        -- NULL once deleted: the row stays so that the id and hash keep answering retries.
        envelope TEXT,
        envelope_hash TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (campaign, seq),
        UNIQUE (campaign, sid)
      );
      CREATE TABLE IF NOT EXISTS spent_challenges (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS spent_challenges_expiry ON spent_challenges (expires_at);
      CREATE TABLE IF NOT EXISTS files (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (campaign, name)
      );`,
    postgres: `
      CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS campaigns (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        key_id TEXT NOT NULL,
        origins JSONB NOT NULL,
        goal BIGINT,
        opens_at TEXT,
        closes_at TEXT,
        token_hash TEXT NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0,
        count BIGINT NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS submissions (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        seq BIGINT NOT NULL,
        sid TEXT NOT NULL,
        -- NULL once deleted: the row stays so that the id and hash keep answering retries.
        envelope TEXT,
        envelope_hash TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (campaign, seq),
        UNIQUE (campaign, sid)
      );
      CREATE TABLE IF NOT EXISTS spent_challenges (id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE INDEX IF NOT EXISTS spent_challenges_expiry ON spent_challenges (expires_at);
      CREATE TABLE IF NOT EXISTS files (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (campaign, name)
      );`,
  },
  {
    version: 2,
    // Rollback protection of published walls (PUT /files keeps only a greater serial). Files
    // stored before read as serial 0, so any signed document replaces them.
    description: 'files.serial: the serial of the signed document served under each name',
    sqlite: 'ALTER TABLE files ADD COLUMN serial INTEGER NOT NULL DEFAULT 0',
    postgres: 'ALTER TABLE files ADD COLUMN serial BIGINT NOT NULL DEFAULT 0',
  },
  {
    version: 3,
    // The per-campaign transparency log (docs/log.md, docs/api.md "The log"). Leaf index = seq - 1:
    // campaigns.log_size counts the envelopes in the log, submissions.log_entry holds each one's
    // 49-byte entry (kept when the envelope is deleted, like its seq), log_hashes every complete
    // subtree hash (tlog-tiles layout), log_checkpoints the latest signed checkpoint. Envelopes
    // stored before this version are logged by the store when it opens (appendMissing), in seq order.
    description: 'the transparency log: campaigns.log_size, submissions.log_entry, log_hashes, log_checkpoints',
    sqlite: `
      ALTER TABLE campaigns ADD COLUMN log_size INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE submissions ADD COLUMN log_entry BLOB;
      CREATE TABLE log_hashes (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (campaign, level, idx)
      ) WITHOUT ROWID;
      CREATE TABLE log_checkpoints (
        campaign TEXT PRIMARY KEY REFERENCES campaigns(id),
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        signed_at TEXT NOT NULL
      );`,
    postgres: `
      ALTER TABLE campaigns ADD COLUMN log_size BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE submissions ADD COLUMN log_entry BYTEA;
      CREATE TABLE log_hashes (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        level INTEGER NOT NULL,
        idx BIGINT NOT NULL,
        hash BYTEA NOT NULL,
        PRIMARY KEY (campaign, level, idx)
      );
      CREATE TABLE log_checkpoints (
        campaign TEXT PRIMARY KEY REFERENCES campaigns(id),
        size BIGINT NOT NULL,
        root BYTEA NOT NULL,
        note TEXT NOT NULL,
        signed_at TEXT NOT NULL
      );`,
  },
  {
    version: 4,
    // Withdrawal and every event in one sequence (docs/log.md §7, docs/api.md "Withdrawal").
    // submissions.wh: the envelope's withdrawal hash (NULL for envelopes stored before: they
    // cannot be withdrawn). log_events: withdrawals (kind 2, with the revealed secret) and removals
    // by the operator (kind 3), each with its own seq of the campaign's one sequence. log_count on
    // both: the public count after that entry (NULL until logged). Envelopes deleted before this
    // version left no event: each gets a removal event now, after the campaign's last seq (its
    // time is the migration's), so that the log's count equals the count; the store logs them
    // when it opens, like envelopes stored before the log.
    description: 'withdrawal: submissions.wh, submissions.log_count, log_events; removals of envelopes deleted before',
    sqlite: `
      ALTER TABLE submissions ADD COLUMN wh TEXT;
      ALTER TABLE submissions ADD COLUMN log_count INTEGER;
      CREATE TABLE log_events (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        seq INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        sid TEXT NOT NULL,
        secret TEXT,
        received_at TEXT NOT NULL,
        log_entry BLOB,
        log_count INTEGER,
        PRIMARY KEY (campaign, seq),
        UNIQUE (campaign, sid)
      );
      INSERT INTO log_events (campaign, seq, kind, sid, received_at)
        SELECT s.campaign, c.last_seq + row_number() OVER (PARTITION BY s.campaign ORDER BY s.seq), 3, s.sid,
               strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM submissions s JOIN campaigns c ON c.id = s.campaign WHERE s.envelope IS NULL;
      UPDATE campaigns SET last_seq = last_seq + (SELECT count(*) FROM log_events e WHERE e.campaign = campaigns.id);`,
    postgres: `
      ALTER TABLE submissions ADD COLUMN wh TEXT;
      ALTER TABLE submissions ADD COLUMN log_count BIGINT;
      CREATE TABLE log_events (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        seq BIGINT NOT NULL,
        kind INTEGER NOT NULL,
        sid TEXT NOT NULL,
        secret TEXT,
        received_at TEXT NOT NULL,
        log_entry BYTEA,
        log_count BIGINT,
        PRIMARY KEY (campaign, seq),
        UNIQUE (campaign, sid)
      );
      INSERT INTO log_events (campaign, seq, kind, sid, received_at)
        SELECT s.campaign, c.last_seq + row_number() OVER (PARTITION BY s.campaign ORDER BY s.seq), 3, s.sid,
               to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        FROM submissions s JOIN campaigns c ON c.id = s.campaign WHERE s.envelope IS NULL;
      UPDATE campaigns SET last_seq = last_seq + (SELECT count(*) FROM log_events e WHERE e.campaign = campaigns.id);`,
  },
  {
    version: 5,
    // Retention (docs/operations.md "Retention"): a campaign closed with a deletion date. NULL
    // until `campaign close`; deleted_at is set by the retention job when it has deleted the
    // campaign's ciphertexts (ISO 8601 UTC text, as every time in this schema).
    description: 'retention: campaigns.closed_at, campaigns.delete_at, campaigns.deleted_at',
    sqlite: `
      ALTER TABLE campaigns ADD COLUMN closed_at TEXT;
      ALTER TABLE campaigns ADD COLUMN delete_at TEXT;
      ALTER TABLE campaigns ADD COLUMN deleted_at TEXT;`,
    postgres: `
      ALTER TABLE campaigns ADD COLUMN closed_at TEXT;
      ALTER TABLE campaigns ADD COLUMN delete_at TEXT;
      ALTER TABLE campaigns ADD COLUMN deleted_at TEXT;`,
  },
  {
    version: 6,
    // Confirmation by the e-mail's owner (docs/api.md "Confirmation", docs/log.md entries 04/05).
    // submissions.ch: the envelope's confirmation hash (NULL when it has none: it cannot be
    // confirmed). campaigns.count_shown: which count the widget shows ('all' or 'confirmed');
    // campaigns.confirmed: the live confirmed tally at last_seq, moved with count by every event.
    // log_decisions: one decision per submission id (kind 4 confirmed, 5 disowned, with the
    // revealed secret), each with its own seq of the campaign's one sequence. log_confirmed on
    // the three event tables: the confirmed count after that entry (NULL on rows written before
    // this version, when nothing could be confirmed yet: it reads as 0).
    description: 'confirmation: submissions.ch, campaigns.count_shown and confirmed, log_decisions, log_confirmed',
    sqlite: `
      ALTER TABLE submissions ADD COLUMN ch TEXT;
      ALTER TABLE submissions ADD COLUMN log_confirmed INTEGER;
      ALTER TABLE log_events ADD COLUMN log_confirmed INTEGER;
      ALTER TABLE campaigns ADD COLUMN count_shown TEXT NOT NULL DEFAULT 'all';
      ALTER TABLE campaigns ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE log_decisions (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        seq INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        sid TEXT NOT NULL,
        secret TEXT NOT NULL,
        received_at TEXT NOT NULL,
        log_entry BLOB NOT NULL,
        log_count INTEGER NOT NULL,
        log_confirmed INTEGER NOT NULL,
        PRIMARY KEY (campaign, seq),
        UNIQUE (campaign, sid)
      );`,
    postgres: `
      ALTER TABLE submissions ADD COLUMN ch TEXT;
      ALTER TABLE submissions ADD COLUMN log_confirmed BIGINT;
      ALTER TABLE log_events ADD COLUMN log_confirmed BIGINT;
      ALTER TABLE campaigns ADD COLUMN count_shown TEXT NOT NULL DEFAULT 'all';
      ALTER TABLE campaigns ADD COLUMN confirmed BIGINT NOT NULL DEFAULT 0;
      CREATE TABLE log_decisions (
        campaign TEXT NOT NULL REFERENCES campaigns(id),
        seq BIGINT NOT NULL,
        kind INTEGER NOT NULL,
        sid TEXT NOT NULL,
        secret TEXT NOT NULL,
        received_at TEXT NOT NULL,
        log_entry BYTEA NOT NULL,
        log_count BIGINT NOT NULL,
        log_confirmed BIGINT NOT NULL,
        PRIMARY KEY (campaign, seq),
        UNIQUE (campaign, sid)
      );`,
  },
];

/** The schema version this build creates and understands: the last migration's. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The version table, per engine. A row per applied migration. */
export const MIGRATIONS_TABLE = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
} as const;

/**
 * The version of a database that has no schema_migrations table, from what it holds: none (0) if
 * it has no campaigns table; else it was made before versioning, by release 0.1.0 (1), or by a
 * development build that had already added files.serial in place (2). The store records those
 * versions as applied without running them.
 */
export function unversionedVersion(found: { readonly campaignsTable: boolean; readonly filesSerial: boolean }): number {
  if (!found.campaignsTable) return 0;
  return found.filesSerial ? 2 : 1;
}

/**
 * The migration that follows `current`, or undefined when the database is up to date.
 *
 * @param current - the database's version (0 for an empty one).
 * @param database - names the database in the error, e.g. `SQLite database /var/lib/x/collector.sqlite`.
 * @throws {@link CollectorError} `schema-too-new` if `current` is above {@link SCHEMA_VERSION}.
 */
export function nextMigration(current: number, database: string): Migration | undefined {
  if (current > SCHEMA_VERSION) {
    throw new CollectorError(
      'schema-too-new',
      `the ${database} is at schema version ${current}, newer than this build of the collector supports ` +
        `(versions up to ${SCHEMA_VERSION}): it was migrated by a newer collector; upgrade the collector`,
      'run the collector release that migrated this database, or a newer one; an older build never opens a newer database',
    );
  }
  return MIGRATIONS[current];
}
