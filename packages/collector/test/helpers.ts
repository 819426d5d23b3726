// Shared test fixtures: both storage engines, campaigns with real keys, real envelopes, proof of
// work solved with altcha-lib's own solver, and response checks against docs/openapi.json.
import { generateCampaignKeys, sealSubmission, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { openPostgresStore } from '../src/store/postgres.js';
import { SQLITE_FILE_NAME, openSqliteStore } from '../src/store/sqlite.js';
import type { Store, SubmissionInsert } from '../src/store/types.js';
import { registerCampaign } from '../src/campaigns.js';

/** A store-level submission numbered `n` for campaign c1, with its own sid, envelope and challenge. */
export function submissionInsert(n: number, over: Partial<SubmissionInsert> = {}): SubmissionInsert {
  return {
    campaign: 'c1',
    sid: `sid${String(n).padStart(18, '0')}A`,
    envelope: `{"n":${n}}`,
    envelopeHash: `hash-${n}`,
    wh: `wh-${n}`,
    ch: null,
    receivedAt: '2026-11-27T10:00:00.000Z',
    powId: `pow-${n}`,
    powExpiresAt: 2_000_000_000_000,
    ...over,
  };
}

/** PostgreSQL of the test machine (trust auth). */
export const PG_URL = process.env['SECURE_SIGN_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A storage engine under test: `open` gives a store on fresh, isolated storage; `cleanup` removes it all. */
export interface EngineFixture {
  readonly name: 'sqlite' | 'postgres';
  /** Opens another store on the same storage (a restart, or a second process's view). */
  open(): Promise<Store>;
  /** Flags the real binary needs to use the same storage. */
  readonly flags: string[];
  /** Runs SQL on the storage directly, without a store (e.g. to lay down an older schema). */
  exec(sql: string): Promise<void>;
  /** Runs one statement with parameters directly on the storage; the rows it returns, if any. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

/** The schema an engine's store created in release 0.1.0 (test/fixtures), for migration tests. */
export function legacySchema(engine: 'sqlite' | 'postgres'): string {
  return readFileSync(new URL(`./fixtures/schema-0.1.0.${engine}.sql`, import.meta.url), 'utf8');
}

/**
 * A database made by release 0.1.0 itself, through its HTTP API (test/fixtures/make-collector-0.1.0.ts):
 * campaigns open-letter (4 submissions, one withdrawn, and a published wall.json) and partner
 * (1 submission). `tokens` are their staff tokens.
 */
export const LEGACY_DATABASE = {
  file: fileURLToPath(new URL('./fixtures/collector-0.1.0.sqlite', import.meta.url)),
  tokens: Object.fromEntries(
    Object.entries(
      (JSON.parse(readFileSync(new URL('./fixtures/collector-0.1.0.json', import.meta.url), 'utf8')) as { campaigns: Record<string, { token: string }> }).campaigns,
    ).map(([id, { token }]) => [id, token]),
  ),
};

/** The tables of the 0.1.0 database, in an order that satisfies its foreign keys. */
const LEGACY_TABLES = ['secrets', 'campaigns', 'submissions', 'spent_challenges', 'files'] as const;

/** The rows of the 0.1.0 database, by table; the two that tests look into are typed. */
export type LegacyRows = Record<'secrets' | 'campaigns' | 'spent_challenges', Record<string, unknown>[]> & {
  submissions: { campaign: string; seq: number; sid: string; envelope: string | null; envelope_hash: string; received_at: string }[];
  files: { campaign: string; name: string; body: string; issued_at: string; updated_at: string }[];
};

/** Every row of the committed 0.1.0 database, table by table (read from a copy: the fixture is never opened in place). */
export function legacyRows(): LegacyRows {
  const dir = mkdtempSync(join(tmpdir(), 'secure-sign-legacy-'));
  try {
    copyFileSync(LEGACY_DATABASE.file, join(dir, 'copy.sqlite'));
    const db = new Database(join(dir, 'copy.sqlite'), { readonly: true });
    try {
      return Object.fromEntries(LEGACY_TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()])) as LegacyRows;
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Lays the 0.1.0 database down in a fresh fixture: for SQLite a copy of the committed file; for
 * PostgreSQL the 0.1.0 schema (test/fixtures/schema-0.1.0.postgres.sql) holding the same rows.
 */
export async function loadLegacyDatabase(fixture: EngineFixture): Promise<void> {
  if (fixture.name === 'sqlite') {
    copyFileSync(LEGACY_DATABASE.file, join(fixture.flags[1]!, SQLITE_FILE_NAME));
    return;
  }
  await fixture.exec(legacySchema('postgres'));
  const rows = legacyRows();
  for (const table of LEGACY_TABLES) {
    for (const row of rows[table] as Record<string, unknown>[]) {
      const columns = Object.keys(row);
      await fixture.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => row[c]),
      );
    }
  }
}

/** A fresh SQLite directory. */
export function sqliteFixture(exportPageSize?: number): EngineFixture {
  const dir = mkdtempSync(join(tmpdir(), 'secure-sign-collector-'));
  const withDb = <T>(use: (db: Database.Database) => T): T => {
    const db = new Database(join(dir, SQLITE_FILE_NAME));
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'sqlite',
    open: async () => openSqliteStore(dir, exportPageSize === undefined ? {} : { exportPageSize }),
    flags: ['--data-dir', dir],
    exec: async (sql) => withDb((db) => void db.exec(sql)),
    query: async (sql, params = []) =>
      withDb((db) => {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh PostgreSQL schema in the test database, dropped by cleanup. */
export function postgresFixture(exportPageSize?: number): EngineFixture {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    name: 'postgres',
    open: () => openPostgresStore(PG_URL, { schema, maxConnections: 5, ...(exportPageSize === undefined ? {} : { exportPageSize }) }),
    flags: ['--database-url', PG_URL, '--database-schema', schema],
    exec: async (sql) => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}; ${sql}`);
      } finally {
        await client.end();
      }
    },
    query: async (sql, params = []) => {
      const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Both engines, for describe.each. */
export const ENGINES = [
  { name: 'sqlite', make: sqliteFixture },
  { name: 'postgres', make: postgresFixture },
] as const;

/** A registered campaign with its real keys and staff token. */
export interface TestCampaign {
  readonly id: string;
  readonly keys: CampaignKeyPair;
  readonly token: string;
}

/** Registers a campaign with fresh keys. */
export async function addCampaign(store: Store, id: string, extra: Record<string, unknown> = {}): Promise<TestCampaign> {
  const keys = await generateCampaignKeys();
  const result = await registerCampaign(store, { campaign: id, key: keys.publicKey.keyString, ...extra });
  if (!result.ok) throw new Error(`campaign ${id} exists`);
  return { id, keys, token: result.token };
}

/** A real sealed envelope for a campaign. */
export async function envelopeFor(campaign: TestCampaign, name = 'Ada Lovelace', submissionId?: string): Promise<Envelope> {
  return sealSubmission({
    publicKey: campaign.keys.publicKey,
    campaign: campaign.id,
    signer: { kind: 'individual', name, email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } },
    ...(submissionId === undefined ? {} : { submissionId }),
  });
}

/** Solves a challenge as issued by the collector, with altcha-lib's solver. */
export async function solve(challenge: unknown): Promise<{ challenge: unknown; solution: unknown }> {
  const solution = await solveChallenge({ challenge: challenge as Challenge, deriveKey, timeout: 30_000 });
  if (!solution) throw new Error('could not solve the challenge');
  return { challenge, solution };
}

// --- OpenAPI response checks --------------------------------------------------------------------

const OPENAPI_ID = 'https://secure-sign.org/openapi.json';
const openapi = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
};
// strict: false lets the whole OpenAPI document be added as one schema (its other keywords are
// ignored); formats only appear in request schemas, which these checks do not use.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...openapi, $id: OPENAPI_ID });

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Asserts that a response matches docs/openapi.json for the operation `method pathTemplate`:
 * the status is documented, the content type is the documented one, and the body validates
 * against its schema. For problems, also that the code is one the operation documents for that
 * status. Returns the parsed body (for NDJSON, the array of lines).
 */
export async function expectDocumented(response: Response, method: string, pathTemplate: string): Promise<unknown> {
  const operation = openapi.paths[pathTemplate]?.[method.toLowerCase()];
  expect(operation, `${method} ${pathTemplate} is documented`).toBeDefined();
  const documented = operation!.responses[String(response.status)];
  expect(documented, `status ${response.status} of ${method} ${pathTemplate} is documented`).toBeDefined();
  const text = await response.text();
  if (!documented!.content) {
    expect(text).toBe('');
    return undefined;
  }
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  expect(Object.keys(documented!.content)).toContain(contentType);
  if (contentType === 'text/plain' || contentType === 'text/html') return text;
  const validate = ajv.getSchema(`${OPENAPI_ID}#/${pointer('paths', pathTemplate, method.toLowerCase(), 'responses', String(response.status), 'content', contentType, 'schema')}`)!;
  const values = contentType === 'application/x-ndjson' ? text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) : [JSON.parse(text)];
  for (const value of values) {
    const ok = validate(value);
    expect(ok, `response body matches the schema: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }
  if (contentType === 'application/problem+json') {
    const { code } = values[0] as { code: string };
    const description = (documented as { description?: string }).description ?? '';
    expect(description, `code ${code} is documented for ${response.status}`).toContain(code);
  }
  return contentType === 'application/x-ndjson' ? values : values[0];
}
