// The file-backed submission-id table decrypt uses (arrival.ts, SubmissionIdFile) must answer
// exactly as the in-memory one (SubmissionIds): the same new / replay / conflict outcomes, the
// same kept entries, the same counts, whether it was sized right or had to grow (rehash).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SubmissionIdFile, SubmissionIds } from '../src/arrival.js';

/** A stream of admits: new ids, exact replays, conflicts (another digest), replays of conflicts. */
function workload(n: number, seed: number): { sid: string; digest: string; line: number; seq: number | undefined }[] {
  const sids = Array.from({ length: Math.ceil(n / 3) }, () => randomBytes(16).toString('base64url'));
  const digests = Array.from({ length: 5 }, (_, i) => Buffer.alloc(32, (seed + i) % 256).toString('base64url'));
  const out = [];
  for (let line = 1; line <= n; line++) {
    // Mostly ids not seen yet, early on; then a mix of repeats with one of a few digests.
    const i = line < n / 3 ? line % sids.length : (line * 7919) % sids.length;
    const digest = digests[line % 11 === 0 ? line % 5 : i % 2] as string;
    out.push({ sid: sids[i] as string, digest, line, seq: line % 4 === 0 ? undefined : line * 3 + seed });
  }
  return out;
}

describe('SubmissionIdFile', () => {
  it.each([
    ['sized too small (grows, rehashes several times)', 0],
    ['sized for the input', 30_000],
  ])('answers exactly as SubmissionIds on 30,000 admits with replays and conflicts: %s', (_, expected) => {
    const memory = new SubmissionIds();
    const file = new SubmissionIdFile(expected);
    try {
      let outcomes = 0;
      for (const { sid, digest, line, seq } of workload(30_000, expected)) {
        expect(file.admit(sid, digest, line, seq)).toEqual(memory.admit(sid, digest, line, seq));
        outcomes++;
      }
      expect(outcomes).toBe(30_000);
      expect([file.replays, file.conflicts]).toEqual([memory.replays, memory.conflicts]);
      // The workload does hold each kind.
      expect(memory.replays).toBeGreaterThan(1000);
      expect(memory.conflicts).toBeGreaterThan(1000);
    } finally {
      file.close();
    }
  });

  it('leaves no file behind', () => {
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith('secure-sign-ids-'));
    const file = new SubmissionIdFile();
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('secure-sign-ids-'))).toEqual(before);
    const sid = randomBytes(16).toString('base64url');
    const digest = randomBytes(32).toString('base64url');
    expect(file.admit(sid, digest, 1, undefined)).toBe('new');
    expect(file.admit(sid, digest, 2, undefined)).toBe('replay');
    file.close();
  });
});
