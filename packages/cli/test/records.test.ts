// Every record `decrypt` writes must be accepted by every command that reads decrypted records
// (`wall build`, and `wall sign` after it): checked over the whole range the format allows
// (createdAt from 0 to MAX_CREATED_AT, every field up to its length limit), through the same
// functions the commands run, and at the ends of the range through the real binary.
import { COUNTRY_CODES, LIMITS, MAX_CREATED_AT, sealSubmission, signerSchema, type CampaignKeyPair, type OpenedSubmission } from '@secure-sign/crypto';
import fc from 'fast-check';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictsFile } from '../src/arrival.js';
import { CSV_COLUMNS, csvLine, csvRow, formatRecord, parseRecord, toRecord } from '../src/records.js';
import { buildWall, checkWallData } from '../src/wall.js';
import { keygen, ndjson, run, signer, tempDir } from './helpers.js';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
});
afterAll(() => t.cleanup());

// Text of any script, with the characters most likely to upset a parser; controls and bidi
// controls too, which the schema must refuse (those samples are discarded, not tested).
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '"', '\\', ',', "'", '=', '+', '-', '@', '\u00e9', 'e\u0301', '\u{1F600}', '\u4e2d', '\u2028') },
);
const text = (max: number, multiline = false) =>
  fc.oneof(
    fc.string({ unit, minLength: 1, maxLength: 12 }),
    fc.string({ unit, minLength: Math.max(1, max - 8), maxLength: max }),
    ...(multiline ? [fc.array(fc.string({ unit, maxLength: 30 }), { minLength: 2, maxLength: 6 }).map((l) => l.join('\n'))] : []),
  );
const email = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('a', 'Z', '.', '+', '_', '-', '\u00e9', '\u00df', '\u4e2d', '9'), minLength: 1, maxLength: 64 }),
    fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '-', '0', '\u00fc', 'x'), minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 6 }),
  )
  .map(([local, labels]) => `${local}@${labels.join('.')}`);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const signerInput = fc.record({
  kind: fc.constantFrom('individual', 'organisation'),
  name: text(LIMITS.name),
  email,
  organisation: optional(text(LIMITS.organisation)),
  role: optional(text(LIMITS.role)),
  country: optional(fc.constantFrom(...COUNTRY_CODES)),
  comment: optional(text(LIMITS.comment, true)),
  consent: fc.record({ listPublicly: fc.boolean(), contactLater: fc.boolean() }),
  extra: optional(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,31}$/), fc.oneof(text(LIMITS.extraValue), fc.boolean()), { maxKeys: LIMITS.extraFields })),
});

const opened = fc.record({
  campaign: fc.constant('open-letter'),
  submissionId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url')),
  createdAt: fc.oneof(fc.constant(0), fc.constant(MAX_CREATED_AT), fc.integer({ min: 0, max: MAX_CREATED_AT })),
  signer: signerInput,
});
const arrival = optional(
  fc.record({
    seq: fc.oneof(fc.constant(1), fc.constant(Number.MAX_SAFE_INTEGER), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
    receivedAt: fc.integer({ min: 0, max: MAX_CREATED_AT }).map((ms) => new Date(ms).toISOString()),
  }),
);

/** A valid opened submission, as openSubmission returns it (signer validated and normalised), or undefined. */
function valid(input: { campaign: string; submissionId: string; createdAt: number; signer: unknown }): OpenedSubmission | undefined {
  const parsed = signerSchema.safeParse(input.signer);
  return parsed.success ? { ...input, signer: parsed.data } : undefined;
}

describe('decrypted records', () => {
  it('whatever decrypt writes, the record parser of wall build reads back unchanged, and wall build and wall sign accept', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(opened, arrival), { minLength: 1, maxLength: 4 }), async (items) => {
        const records = items.map(([o, a]) => {
          const ok = valid(o);
          return ok && toRecord(ok, a ?? {});
        });
        fc.pre(records.every((r) => r !== undefined));
        const lines = records.map((record) => formatRecord(record!, 'ndjson'));
        for (const [i, line] of lines.entries()) {
          expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
          expect(parseRecord(line.slice(0, -1))).toEqual(records[i]);
          expect(csvRow(records[i]!)).toHaveLength(CSV_COLUMNS.length);
        }
        const file = t.path(`batch-${n++}.ndjson`);
        await writeFile(file, lines.join(''));
        const conflicts = new ConflictsFile(t.path(`batch-${n}.conflicts.ndjson`), true);
        const built = await buildWall({ from: file, allow: undefined, campaign: undefined, conflicts });
        await conflicts.close();
        expect(checkWallData(JSON.parse(JSON.stringify(built.data)))).toEqual(built.data);
      }),
      { numRuns: 150 },
    );
  });

  it('through the real binary: createdAt 0 and MAX_CREATED_AT decrypt, build and sign', async () => {
    const ends = [];
    for (const [i, createdAt] of [0, MAX_CREATED_AT].entries()) {
      ends.push(await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: signer(i * 2, { comment: 'x'.repeat(LIMITS.comment) }), createdAt }));
    }
    await writeFile(t.path('ends.ndjson'), ndjson(ends.map((envelope, i) => ({ seq: i + 1, receivedAt: '2026-11-27T10:00:00.000Z', envelope }))));
    const d = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'ends.ndjson', '-o', 'ends.out.ndjson']);
    expect(d.code).toBe(0);
    const written = (await readFile(t.path('ends.out.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(written.map((x) => x.createdAt)).toEqual(['1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']);
    const built = await run(t.dir, ['wall', 'build', '--from', 'ends.out.ndjson', '-o', 'ends.wall.json']);
    expect(built.stderr).toBe('secure-sign: wall: 2 entries (0 signers left out: no consent)\n');
    expect(built.code).toBe(0);
    const signed = await run(t.dir, ['wall', 'sign', '--key', 'campaign.key', '--campaign', 'open-letter', 'ends.wall.json']);
    expect(signed.code).toBe(0);
  });
});

describe('csvLine', () => {
  // decrypt's rows were written by csv-stringify; csvLine must write exactly the same bytes.
  it('writes exactly what csv-stringify writes, for any cells', async () => {
    const { stringify } = await import('csv-stringify/sync');
    const special = fc.constantFrom('"', ',', '\n', '\r', '\r\n', ' ', '=', "'", '\t', ';', '""', '\u2028', 'é');
    const cell = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((p) => p.join('')), fc.constant(''));
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 16 }), (cells) => {
        expect(csvLine(cells)).toBe(stringify([cells]));
      }),
      { numRuns: 5000 },
    );
  });
});
