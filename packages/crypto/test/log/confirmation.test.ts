// Confirmation entries (format.md §8, kinds 04 and 05): their encoding, confirmationMatches, the
// consistency rules and the confirmed count of EntryCounter and tallyEntries, and the checkpoint's
// `confirmed` line (log.md §4.1).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ENTRY_KIND_CONFIRMED,
  ENTRY_KIND_DISOWNED,
  EntryCounter,
  LogError,
  checkpointConfirmed,
  checkpointCount,
  confirmationMatches,
  countEntries,
  decodeEntry,
  encodeEntry,
  formatCheckpoint,
  formatConfirmedLine,
  formatCountLine,
  parseCheckpoint,
  tallyEntries,
  withdrawalMatches,
  type LogEntry,
} from '../../src/log/index.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof LogError) return error.code;
    return (error as Error).name;
  }
  return 'accepted';
}

const sidOf = (n: number) => Buffer.from(createHash('sha256').update(`sid ${n}`).digest().subarray(0, 16)).toString('base64url');
const secretOf = (n: number) => new Uint8Array(createHash('sha256').update(`secret ${n}`).digest());
const csOf = (n: number) => new Uint8Array(createHash('sha256').update(`confirmation ${n}`).digest());
const hashOf = (secret: Uint8Array) => createHash('sha256').update(secret).digest('base64url');
const stored = (n: number): LogEntry => ({ kind: 'stored', submissionId: sidOf(n), envelopeHash: new Uint8Array(32).fill(n) });
const withdrawn = (n: number): LogEntry => ({ kind: 'withdrawal', submissionId: sidOf(n), withdrawalSecret: secretOf(n) });
const removed = (n: number): LogEntry => ({ kind: 'removed', submissionId: sidOf(n) });
const confirmed = (n: number): LogEntry => ({ kind: 'confirmed', submissionId: sidOf(n), confirmationSecret: csOf(n) });
const disowned = (n: number): LogEntry => ({ kind: 'disowned', submissionId: sidOf(n), confirmationSecret: csOf(n) });

describe('confirmation entries (kinds 04 and 05)', () => {
  it('encode as kind || sid || the confirmation secret and decode back', () => {
    for (const [entry, kind] of [
      [confirmed(1), ENTRY_KIND_CONFIRMED],
      [disowned(1), ENTRY_KIND_DISOWNED],
    ] as const) {
      const bytes = encodeEntry(entry);
      expect(bytes).toHaveLength(49);
      expect(bytes[0]).toBe(kind);
      expect(Buffer.from(bytes.subarray(1, 17)).toString('base64url')).toBe(sidOf(1));
      expect(Buffer.from(bytes.subarray(17)).equals(Buffer.from(csOf(1)))).toBe(true);
      expect(decodeEntry(bytes)).toEqual(entry);
    }
    expect(ENTRY_KIND_CONFIRMED).toBe(4);
    expect(ENTRY_KIND_DISOWNED).toBe(5);
  });

  it('refuse a secret that is not 32 bytes when encoding, and kind 06 when decoding', () => {
    expect(codeOf(() => encodeEntry({ kind: 'confirmed', submissionId: sidOf(1), confirmationSecret: new Uint8Array(31) }))).toBe('TypeError');
    const bytes = encodeEntry(confirmed(1));
    bytes[0] = 6;
    expect(codeOf(() => decodeEntry(bytes))).toBe('MALFORMED_ENTRY');
  });

  it('confirmationMatches is true exactly when SHA-256 of the revealed secret is the ch', () => {
    const ch = hashOf(csOf(1));
    expect(confirmationMatches(confirmed(1), ch)).toBe(true);
    expect(confirmationMatches(disowned(1), ch)).toBe(true);
    expect(confirmationMatches(encodeEntry(confirmed(1)), ch)).toBe(true);
    expect(confirmationMatches(confirmed(1), hashOf(csOf(2)))).toBe(false);
    expect(confirmationMatches(confirmed(1), undefined)).toBe(false); // an envelope without ch
    expect(confirmationMatches(confirmed(1), `${ch}=`)).toBe(false);
    expect(confirmationMatches(stored(1), ch)).toBe(false);
    // A withdrawal entry revealing the same bytes is not a confirmation, nor the reverse.
    const withdrawal: LogEntry = { kind: 'withdrawal', submissionId: sidOf(1), withdrawalSecret: csOf(1) };
    expect(confirmationMatches(withdrawal, ch)).toBe(false);
    expect(withdrawalMatches(confirmed(1), ch)).toBe(false);
    expect(codeOf(() => confirmationMatches(encodeEntry(confirmed(1)).subarray(1), ch))).toBe('MALFORMED_ENTRY');
  });
});

describe('the confirmed count and its consistency rules', () => {
  it('counts live signatures with a 04 entry; a 05 cancels the signature', () => {
    const log = [stored(1), stored(2), stored(3), confirmed(1), disowned(2), confirmed(3), stored(4)];
    expect(tallyEntries(log)).toEqual({ count: 3, confirmed: 2 });
    expect(tallyEntries(log.map(encodeEntry))).toEqual({ count: 3, confirmed: 2 });
    expect(countEntries(log)).toBe(3);
    expect(tallyEntries([])).toEqual({ count: 0, confirmed: 0 });
    const counter = new EntryCounter();
    const steps = log.map((entry) => {
      counter.add(entry);
      return [counter.count, counter.confirmed];
    });
    expect(steps).toEqual([[1, 0], [2, 0], [3, 0], [3, 1], [2, 1], [2, 2], [3, 2]]);
  });

  it('a 02 or 03 after a 04 is allowed and lowers the confirmed count', () => {
    expect(tallyEntries([stored(1), confirmed(1), withdrawn(1)])).toEqual({ count: 0, confirmed: 0 });
    expect(tallyEntries([stored(1), stored(2), confirmed(1), confirmed(2), removed(2)])).toEqual({ count: 1, confirmed: 1 });
  });

  it('refuses a 04 after a 05, and a 05 after a 04: the first decision stands', () => {
    expect(codeOf(() => tallyEntries([stored(1), disowned(1), confirmed(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(1), confirmed(1), disowned(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(1), confirmed(1), confirmed(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(1), disowned(1), disowned(1)]))).toBe('INCONSISTENT_ENTRIES');
  });

  it('refuses a 04 or 05 for a withdrawn, removed or never stored sid', () => {
    expect(codeOf(() => tallyEntries([stored(1), withdrawn(1), confirmed(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(1), removed(1), confirmed(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(1), withdrawn(1), disowned(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([confirmed(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(2), disowned(1)]))).toBe('INCONSISTENT_ENTRIES');
  });

  it('refuses a 02 or 03 after a 05 (already cancelled)', () => {
    expect(codeOf(() => tallyEntries([stored(1), disowned(1), withdrawn(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => tallyEntries([stored(1), disowned(1), removed(1)]))).toBe('INCONSISTENT_ENTRIES');
  });

  it('leaves the counter unchanged after a refused entry', () => {
    const counter = new EntryCounter();
    counter.add(stored(1));
    counter.add(confirmed(1));
    expect(codeOf(() => counter.add(disowned(1)))).toBe('INCONSISTENT_ENTRIES');
    expect([counter.count, counter.confirmed, counter.size]).toEqual([1, 1, 2]);
    counter.add(withdrawn(1));
    expect([counter.count, counter.confirmed, counter.size]).toEqual([0, 0, 3]);
  });
});

describe('the checkpoint confirmed line', () => {
  const root = new Uint8Array(32).fill(9);
  const checkpoint = (size: number, ...extensions: string[]) =>
    parseCheckpoint(formatCheckpoint({ origin: 'collector.example/open-letter', size, rootHash: root, ...(extensions.length ? { extensions } : {}) }));

  it('formats and reads `confirmed N` after `count N`', () => {
    expect(formatConfirmedLine(0)).toBe('confirmed 0');
    expect(formatConfirmedLine(30)).toBe('confirmed 30');
    const head = checkpoint(45, formatCountLine(41), formatConfirmedLine(30));
    expect(checkpointCount(head)).toBe(41);
    expect(checkpointConfirmed(head)).toBe(30);
    expect(checkpointConfirmed(checkpoint(45, formatCountLine(41)))).toBeUndefined();
    expect(checkpointConfirmed(checkpoint(0, formatCountLine(0), formatConfirmedLine(0)))).toBe(0);
    expect(codeOf(() => formatConfirmedLine(-1))).toBe('RangeError');
    expect(codeOf(() => formatConfirmedLine(1.5))).toBe('RangeError');
  });

  it('refuses two confirmed lines, bad syntax, more than the count or the size', () => {
    const bad = (...lines: string[]) => codeOf(() => checkpointConfirmed(checkpoint(10, ...lines)));
    expect(bad('count 5', 'confirmed 1', 'confirmed 1')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('count 5', 'confirmed 01')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('count 5', 'confirmed +1')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('count 5', 'confirmed  1')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('count 5', 'confirmed')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('count 5', 'confirmed 6')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('confirmed 11')).toBe('MALFORMED_CHECKPOINT');
    expect(bad('confirmed 10')).toBe('accepted');
    expect(bad('count 05', 'confirmed 1')).toBe('MALFORMED_CHECKPOINT');
    // A word that only starts like it is another extension, ignored.
    expect(bad('count 5', 'confirmedx 9')).toBe('accepted');
  });
});
