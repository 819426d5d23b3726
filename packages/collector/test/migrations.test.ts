// Versioned schema migrations, on both engines: a database made by release 0.1.0 is upgraded
// without losing an envelope, opening it again changes nothing, a fresh database ends in the same
// schema, processes starting at once on one PostgreSQL apply each migration once, and a database
// migrated by a newer build is refused.
import { pino } from 'pino';
import pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveConfig } from '../src/config.js';
import { CollectorError } from '../src/errors.js';
import { MIGRATIONS, SCHEMA_VERSION, nextMigration, unversionedVersion } from '../src/store/migrations.js';
import { openPostgresStore } from '../src/store/postgres.js';
import type { Store } from '../src/store/types.js';
import { ENGINES, LEGACY_DATABASE, PG_URL, legacyRows, legacySchema, loadLegacyDatabase, postgresFixture, submissionInsert, type EngineFixture } from './helpers.js';

describe('the migration list', () => {
  it('is numbered 1..N with SQL for both engines; the next step follows the current version', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    for (const m of MIGRATIONS) {
      expect(m.sqlite.trim(), `${m.version} sqlite`).not.toBe('');
      expect(m.postgres.trim(), `${m.version} postgres`).not.toBe('');
    }
    expect(nextMigration(0, 'x')).toBe(MIGRATIONS[0]);
    expect(nextMigration(SCHEMA_VERSION, 'x')).toBeUndefined();
  });

  it('recognises databases made before versioning by their tables', () => {
    expect(unversionedVersion({ campaignsTable: false, filesSerial: false })).toBe(0);
    expect(unversionedVersion({ campaignsTable: true, filesSerial: false })).toBe(1);
    expect(unversionedVersion({ campaignsTable: true, filesSerial: true })).toBe(2);
  });
});

/** Columns, indexes and constraints of every table, engine-specific but comparable within an engine. */
async function schemaShape(fixture: EngineFixture): Promise<string[]> {
  if (fixture.name === 'sqlite') {
    const tables = (await fixture.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map((r) => String(r['name']));
    const shape: string[] = [];
    for (const t of tables) {
      for (const c of await fixture.query(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info('${t}') ORDER BY cid`)) shape.push(`${t} column ${JSON.stringify(c)}`);
      for (const i of await fixture.query(`SELECT "unique", origin, (SELECT group_concat(name) FROM pragma_index_info(il.name)) AS cols FROM pragma_index_list('${t}') il ORDER BY cols`)) {
        shape.push(`${t} index ${JSON.stringify(i)}`);
      }
      for (const f of await fixture.query(`SELECT "table", "from", "to" FROM pragma_foreign_key_list('${t}')`)) shape.push(`${t} fk ${JSON.stringify(f)}`);
    }
    return shape;
  }
  const columns = await fixture.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const indexes = await fixture.query(
    `SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '') AS def FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`,
  );
  const constraints = await fixture.query(
    `SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE connamespace = current_schema()::regnamespace ORDER BY conname`,
  );
  return [...columns, ...indexes, ...constraints].map((r) => JSON.stringify(r));
}

/** Every row of every table, to tell that opening a database changed nothing. */
async function contents(fixture: EngineFixture): Promise<Record<string, unknown[]>> {
  const tables = ['schema_migrations', 'secrets', 'campaigns', 'submissions', 'spent_challenges', 'files'];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = await fixture.query(`SELECT * FROM ${t} ORDER BY 1, 2`);
  return out;
}

const versions = async (fixture: EngineFixture) => (await fixture.query('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r['version']));

describe.each(ENGINES)('migrations on $name', ({ make }) => {
  const fixtures: EngineFixture[] = [];
  const stores: Store[] = [];
  const fresh = () => {
    const fixture = make();
    fixtures.push(fixture);
    return fixture;
  };
  const open = async (fixture: EngineFixture) => {
    const store = await fixture.open();
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('upgrades a database made by 0.1.0 without losing an envelope; opening it again changes nothing', async () => {
    const fixture = fresh();
    await loadLegacyDatabase(fixture);
    const before = legacyRows();
    const kept = before.submissions.filter((s) => s.envelope !== null);
    // The fixture is what it claims: a few envelopes in two campaigns, one withdrawn, a wall.
    expect(kept).toHaveLength(4);
    expect(before.submissions).toHaveLength(5);
    expect(before.files).toHaveLength(1);

    const store = await open(fixture);
    expect(await versions(fixture)).toEqual(MIGRATIONS.map((m) => m.version));
    const app = createApp({ store, config: resolveConfig({ powDifficulty: 50 }), logger: pino({ level: 'silent' }) });
    for (const [campaign, token] of Object.entries(LEGACY_DATABASE.tokens)) {
      const response = await app.request(`/v1/campaigns/${campaign}/export`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const lines = (await response.text()).split('\n').filter((l) => l !== '');
      const mine = before.submissions.filter((s) => s.campaign === campaign).sort((a, b) => a.seq - b.seq);
      const expected = kept.filter((s) => s.campaign === campaign);
      const deleted = mine.filter((s) => s.envelope === null);
      // A line for every seq: each envelope in seq order, then a removal for each one 0.1.0 deleted.
      expect(lines).toHaveLength(mine.length + deleted.length);
      mine.forEach((row, i) => {
        const line = lines[i]!;
        expect(JSON.parse(line).seq).toBe(row.seq);
        if (row.envelope === null) {
          // No ciphertext left: its sid and the hash its log entry holds; no wh (0.1.0 had none).
          expect(JSON.parse(line)).toEqual({
            seq: row.seq,
            receivedAt: row.received_at,
            removed: { sid: row.sid, hash: Buffer.from(row.envelope_hash, 'hex').toString('base64') },
          });
          return;
        }
        // The envelope is written into the line verbatim: these are its stored bytes.
        const prefix = `{"seq":${row.seq},"receivedAt":${JSON.stringify(row.received_at)},"envelope":`;
        expect(line.startsWith(prefix)).toBe(true);
        const bytes = line.slice(prefix.length, -1);
        expect(bytes).toBe(row.envelope);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.envelope_hash);
      });
      deleted.forEach((row, i) => {
        const line = JSON.parse(lines[mine.length + i]!) as { seq: number; removal: unknown };
        expect(line.seq).toBe(mine.length + i + 1);
        expect(line.removal).toEqual({ sid: row.sid });
      });
      const facts = (await (await app.request(`/v1/campaigns/${campaign}`)).json()) as { count: number };
      expect(facts.count).toBe(expected.length);
    }
    // The withdrawn one stays withdrawn, its id still reserved; it cannot be withdrawn by a signer
    // (it has no wh), and the removal logged for it keeps the log's count equal to the count.
    const withdrawn = before.submissions.find((s) => s.envelope === null)!;
    expect(await store.findSubmission(withdrawn.campaign, withdrawn.sid)).toMatchObject({ deleted: true });
    // The published wall is served byte for byte; it predates serials, so it reads as serial 0.
    const wall = await app.request('/v1/campaigns/open-letter/files/wall.json');
    expect(wall.status).toBe(200);
    expect(await wall.text()).toBe(before.files[0]!.body);
    expect((await store.getFile('open-letter', 'wall.json'))!.serial).toBe(0);

    // Same schema as a database created fresh by this build.
    const blank = fresh();
    await open(blank);
    expect(await schemaShape(fixture)).toEqual(await schemaShape(blank));

    // Opening it again (a restart) is a no-op.
    const snapshot = await contents(fixture);
    await stores.splice(0, 1)[0]!.close();
    const again = await open(fixture);
    expect(await contents(fixture)).toEqual(snapshot);
    // And the store goes on where 0.1.0 stopped.
    expect(await again.insertSubmission(submissionInsert(1, { campaign: 'open-letter' }))).toMatchObject({ status: 'created', seq: 6 });
  });

  it('adopts a database that a development build had already given files.serial, without running migration 2 again', async () => {
    const fixture = fresh();
    await fixture.exec(legacySchema(fixture.name));
    await fixture.exec('ALTER TABLE files ADD COLUMN serial BIGINT NOT NULL DEFAULT 0');
    await open(fixture);
    // 1 and 2 recorded as found, then only the log (3), withdrawal (4) and retention (5) run.
    expect(await versions(fixture)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a database migrated by a newer build, saying which versions and to upgrade', async () => {
    const fixture = fresh();
    await (await fixture.open()).close();
    await fixture.exec(`INSERT INTO schema_migrations (version, description) VALUES (${SCHEMA_VERSION + 7}, 'from the future')`);
    const snapshot = await contents(fixture);
    const error = await fixture.open().then(
      (store) => {
        stores.push(store);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CollectorError);
    expect((error as CollectorError).code).toBe('schema-too-new');
    expect((error as CollectorError).message).toMatch(
      new RegExp(`is at schema version ${SCHEMA_VERSION + 7}, newer than this build of the collector supports \\(versions up to ${SCHEMA_VERSION}\\).*upgrade the collector`),
    );
    expect(await contents(fixture)).toEqual(snapshot);
  });
});

describe('migrations on postgres: privileges', () => {
  const roles: string[] = [];
  let fixture: EngineFixture;
  afterEach(async () => {
    await fixture.cleanup();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (const role of roles.splice(0)) await client.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await client.end();
    }
  });
  const role = async (grants: (name: string, schema: string) => string[]) => {
    const name = `ss_role_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    roles.push(name);
    await fixture.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
    for (const sql of grants(name, fixture.flags[3]!)) await fixture.query(sql);
    const url = new URL(PG_URL);
    url.username = name;
    url.password = password;
    return url.toString();
  };
  const tables = ['secrets', 'campaigns', 'submissions', 'spent_challenges', 'files'];

  it('upgrades a 0.1.0 schema as its owner without the right to create schemas, then runs with no CREATE right at all', async () => {
    fixture = postgresFixture();
    await loadLegacyDatabase(fixture);
    const schema = fixture.flags[3]!;
    // The owner of the schema and its tables, as a least-privilege deployment would set it up.
    const owner = await role((name) => [`ALTER SCHEMA ${schema} OWNER TO ${name}`, ...tables.map((t) => `ALTER TABLE ${t} OWNER TO ${name}`)]);
    await (await openPostgresStore(owner, { schema })).close();
    expect(await versions(fixture)).toEqual(MIGRATIONS.map((m) => m.version));
    // Up to date, a start needs no DDL: a role that may only read and write rows starts and works.
    const app = await role((name) => [`GRANT USAGE ON SCHEMA ${schema} TO ${name}`, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${name}`]);
    const store = await openPostgresStore(app, { schema });
    try {
      expect((await store.getCampaign('open-letter'))!.count).toBe(3);
    } finally {
      await store.close();
    }
  });
});

describe('migrations on postgres: processes starting at once', () => {
  const fixtures: EngineFixture[] = [];
  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it.each([
    ['a fresh schema', async (_: EngineFixture) => {}],
    ['a 0.1.0 schema', loadLegacyDatabase],
  ])('6 stores opening %s concurrently all succeed and apply each migration once', async (_, prepare) => {
    const fixture = postgresFixture();
    fixtures.push(fixture);
    await prepare(fixture);
    const opened = await Promise.allSettled(Array.from({ length: 6 }, () => fixture.open()));
    for (const result of opened) if (result.status === 'fulfilled') await result.value.close();
    expect(opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(Array(6).fill('ok'));
    const rows = await fixture.query('SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, n: 1 })));
  });
});
