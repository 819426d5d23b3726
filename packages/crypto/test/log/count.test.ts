// The public count (format.md §8.3): withdrawal entries checked against a `wh`, the count of a
// sequence of entries with its consistency rules, and the `count` line of checkpoints (log.md §4.1).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EntryCounter,
  LogError,
  checkpointCount,
  countEntries,
  encodeEntry,
  formatCheckpoint,
  formatCountLine,
  parseCheckpoint,
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
const whOf = (secret: Uint8Array) => createHash('sha256').update(secret).digest('base64url');
const stored = (n: number): LogEntry => ({ kind: 'stored', submissionId: sidOf(n), envelopeHash: new Uint8Array(32).fill(n) });
const withdrawn = (n: number): LogEntry => ({ kind: 'withdrawal', submissionId: sidOf(n), withdrawalSecret: secretOf(n) });
const removed = (n: number): LogEntry => ({ kind: 'removed', submissionId: sidOf(n) });

describe('withdrawalMatches', () => {
  it('is true exactly when SHA-256 of the revealed secret is the wh', () => {
    const entry = withdrawn(1);
    expect(withdrawalMatches(entry, whOf(secretOf(1)))).toBe(true);
    expect(withdrawalMatches(encodeEntry(entry), whOf(secretOf(1)))).toBe(true); // the 49 bytes work too
    expect(withdrawalMatches(entry, whOf(secretOf(2)))).toBe(false);
    const flipped = secretOf(1);
    flipped[31]! ^= 1;
    expect(withdrawalMatches({ kind: 'withdrawal', submissionId: sidOf(1), withdrawalSecret: flipped }, whOf(secretOf(1)))).toBe(false);
  });

  it('is false for other kinds and for a malformed wh, and refuses bytes that are not an entry', () => {
    const wh = whOf(secretOf(1));
    expect(withdrawalMatches(stored(1), wh)).toBe(false);
    expect(withdrawalMatches(removed(1), wh)).toBe(false);
    // The secret itself, or a wh in another spelling, is no match.
    expect(withdrawalMatches(withdrawn(1), Buffer.from(secretOf(1)).toString('base64url'))).toBe(false);
    expect(withdrawalMatches(withdrawn(1), Buffer.from(wh, 'base64url').toString('base64'))).toBe(false);
    expect(withdrawalMatches(withdrawn(1), `${wh}=`)).toBe(false);
    expect(withdrawalMatches(withdrawn(1), 42 as never)).toBe(false);
    expect(codeOf(() => withdrawalMatches(encodeEntry(withdrawn(1)).subarray(1), wh))).toBe('MALFORMED_ENTRY');
  });
});

describe('countEntries and EntryCounter', () => {
  it('counts stored minus withdrawn minus removed, from decoded entries or bytes', () => {
    const log = [stored(1), stored(2), withdrawn(1), stored(3), removed(2), stored(4)];
    expect(countEntries(log)).toBe(2);
    expect(countEntries(log.map(encodeEntry))).toBe(2);
    expect(countEntries([])).toBe(0);
    const counter = new EntryCounter();
    const counts = log.map((entry) => {
      counter.add(entry);
      return counter.count;
    });
    expect(counts).toEqual([1, 2, 1, 2, 1, 2]);
    expect(counter.size).toBe(6);
  });

  it('refuses a withdrawal or removal of a submission that is not counted, so the count never goes negative', () => {
    expect(codeOf(() => countEntries([withdrawn(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => countEntries([removed(1)]))).toBe('INCONSISTENT_ENTRIES');
    // Another submission's entry does not make room: the count stays 1, but sid 2 was never stored.
    expect(codeOf(() => countEntries([stored(1), withdrawn(2)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => countEntries([stored(1), withdrawn(1), withdrawn(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => countEntries([stored(1), withdrawn(1), removed(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => countEntries([stored(1), removed(1), withdrawn(1)]))).toBe('INCONSISTENT_ENTRIES');
  });

  it('refuses one submission id stored twice, even after its withdrawal', () => {
    expect(codeOf(() => countEntries([stored(1), stored(1)]))).toBe('INCONSISTENT_ENTRIES');
    expect(codeOf(() => countEntries([stored(1), withdrawn(1), stored(1)]))).toBe('INCONSISTENT_ENTRIES');
  });

  it('names the entry index in its message, leaves the counter unchanged after a refusal, and refuses malformed bytes', () => {
    const counter = new EntryCounter();
    counter.add(stored(1));
    counter.add(stored(2));
    expect(() => counter.add(withdrawn(3))).toThrow(/^entry 2 withdraws a submission that is not counted$/);
    expect(counter.count).toBe(2);
    expect(counter.size).toBe(2);
    counter.add(withdrawn(2));
    expect(counter.count).toBe(1);
    const bad = encodeEntry(removed(1));
    bad[40] = 7;
    expect(codeOf(() => counter.add(bad))).toBe('MALFORMED_ENTRY');
    expect(counter.size).toBe(3);
  });
});

describe('the count line of checkpoints', () => {
  const rootHash = new Uint8Array(32).fill(9);
  const body = (size: number, ...extensions: string[]) =>
    parseCheckpoint(formatCheckpoint({ origin: 'collector.example/open-letter', size, rootHash, extensions }));

  it('formats and reads count N', () => {
    expect(formatCountLine(0)).toBe('count 0');
    expect(formatCountLine(41)).toBe('count 41');
    const text = formatCheckpoint({ origin: 'collector.example/open-letter', size: 45, rootHash, extensions: [formatCountLine(41)] });
    expect(text.endsWith('\ncount 41\n')).toBe(true);
    expect(checkpointCount(parseCheckpoint(text))).toBe(41);
    expect(checkpointCount(body(0, 'count 0'))).toBe(0);
    expect(checkpointCount(body(6, 'count 6'))).toBe(6);
    expect(checkpointCount(body(2 ** 53 - 1, `count ${2 ** 53 - 1}`))).toBe(2 ** 53 - 1);
    expect(() => formatCountLine(-1)).toThrow(RangeError);
    expect(() => formatCountLine(1.5)).toThrow(RangeError);
    expect(() => formatCountLine(2 ** 53)).toThrow(RangeError);
  });

  it('is undefined without a count line, and other extension lines are ignored', () => {
    expect(checkpointCount(body(6))).toBeUndefined();
    expect(checkpointCount(body(6, 'counter 3', 'x count 4'))).toBeUndefined();
    expect(checkpointCount(body(6, 'witnessed-by example', 'count 3', 'counter 9'))).toBe(3);
  });

  it('refuses two count lines and every malformed one as MALFORMED_CHECKPOINT', () => {
    for (const lines of [
      ['count 2', 'count 2'],
      ['count 2', 'count 3'],
      ['count 02'],
      ['count 00'],
      ['count -1'],
      ['count +1'],
      ['count 1.0'],
      ['count 1e3'],
      ['count 0x10'],
      ['count'],
      ['count '],
      ['count  2'],
      ['count 2 '],
      ['count 2 3'],
      ['count ٣'], // a non-ASCII digit
      ['count 7'], // more than the size, 6
      [`count ${2 ** 53}`],
    ]) {
      expect(codeOf(() => checkpointCount(body(6, ...lines))), lines.join('|')).toBe('MALFORMED_CHECKPOINT');
    }
    expect(codeOf(() => checkpointCount(body(2 ** 53 - 1, `count ${2 ** 53}`)))).toBe('MALFORMED_CHECKPOINT');
    expect(() => checkpointCount(undefined as never)).toThrow(TypeError);
  });
});
