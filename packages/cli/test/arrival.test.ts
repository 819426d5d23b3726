// The submission-id table decrypt and wall build use to drop replays: exact for any number of ids
// (it grows and rehashes), and it tells a replay from a conflict.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SubmissionIds } from '../src/arrival.js';

describe('SubmissionIds', () => {
  it('remembers 50,000 ids exactly: each new once, then a replay; another digest is a conflict reported once', () => {
    const ids = new SubmissionIds();
    const sids = Array.from({ length: 50_000 }, () => randomBytes(16).toString('base64url'));
    const digest = (i: number) => Buffer.alloc(16, i % 251).toString('base64url');
    sids.forEach((sid, i) => expect(ids.admit(sid, digest(i), i + 1, i % 3 === 0 ? undefined : i * 10)).toBe('new'));
    sids.forEach((sid, i) => expect(ids.admit(sid, digest(i), 100_000 + i, undefined)).toBe('replay'));
    expect(ids.replays).toBe(50_000);
    const other = Buffer.alloc(16, 255).toString('base64url');
    expect(ids.admit(sids[7]!, other, 200_000, 5)).toEqual({ kept: { conflict: 'submission-id', key: sids[7], kept: true, line: 8, seq: 70 } });
    expect(ids.admit(sids[7]!, other, 200_001, 6)).toBe('replay');
    expect(ids.admit(sids[7]!, Buffer.alloc(16, 254).toString('base64url'), 200_002, 7)).toEqual({ kept: undefined });
    expect(ids.admit(sids[9]!, other, 200_003, undefined)).toEqual({ kept: { conflict: 'submission-id', key: sids[9], kept: true, line: 10 } });
    expect([ids.replays, ids.conflicts]).toEqual([50_001, 3]);
  });
});
