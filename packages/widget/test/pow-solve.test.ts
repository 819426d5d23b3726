// The widget's proof-of-work solver (src/pow/solve.ts) against the real collector's challenges and
// verification (packages/collector/src/pow.ts: issueChallenge, checkPow), and against altcha-lib's
// own solver on the same challenges. The browser tests (test/browser/pow.test.ts) run it in
// Chromium, in a worker and on the main thread.
import { createChallenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { describe, expect, it } from 'vitest';
import { checkPow, issueChallenge, MAX_POW_DIFFICULTY } from '../../collector/src/pow.js';
import type { Challenge } from '../src/collector.js';
import { MAX_POW_COUNTER, outOfBounds } from '../src/pow/limits.js';
import { solve } from '../src/pow/solve.js';

const SECRETS = { challenge: 'widget-test-challenge-secret', key: 'widget-test-key-secret' };
const never = new AbortController().signal;

describe('the proof-of-work solver', () => {
  it('solves challenges the collector issues, and the collector accepts every solution (through JSON, as a submission carries it)', async () => {
    for (const difficulty of [1, 2, 1000, 50_000]) {
      for (let i = 0; i < 4; i++) {
        const challenge = await issueChallenge(SECRETS, 'open-letter', difficulty, 600, Date.now());
        const solution = await solve(challenge as unknown as Challenge, never, 60_000);
        expect(solution, `difficulty ${difficulty}`).not.toBeNull();
        expect(solution!.counter).toBeLessThanOrEqual(difficulty);
        const pow = JSON.parse(JSON.stringify({ challenge, solution }));
        expect(checkPow(SECRETS, pow, 'open-letter', Date.now())).toMatchObject({ ok: true });
        // And a key one bit off is refused: the collector really checks what the solver found.
        const last = solution!.derivedKey.slice(-1);
        const wrong = { ...pow, solution: { ...pow.solution, derivedKey: solution!.derivedKey.slice(0, -1) + (last === '0' ? '1' : '0') } };
        expect(checkPow(SECRETS, wrong, 'open-letter', Date.now())).toMatchObject({ ok: false, code: 'pow-invalid' });
      }
    }
  });

  it('finds what altcha-lib finds on the same challenges: the collector format, and key prefixes of 1 to 4 hex digits in either case', async () => {
    const challenges: Challenge[] = [];
    for (let i = 0; i < 5; i++) challenges.push((await issueChallenge(SECRETS, 'c', 3000, 600, Date.now())) as unknown as Challenge);
    for (const keyPrefix of ['a', '0b', 'C3D', '5e6f', 'F0']) {
      challenges.push((await createChallenge({ algorithm: 'SHA-256', cost: 1, keyPrefix, deriveKey, hmacSignatureSecret: 's' })) as unknown as Challenge);
    }
    for (const challenge of challenges) {
      const ours = await solve(challenge, never, 60_000);
      const theirs = await solveChallenge({ challenge: challenge as never, deriveKey });
      expect(theirs).not.toBeNull();
      expect(ours).toEqual({ counter: theirs!.counter, derivedKey: theirs!.derivedKey });
    }
  });

  it('gives up at its bound, on abort and on timeout, with null', async () => {
    const far = (await issueChallenge(SECRETS, 'c', 1, 600, Date.now())) as unknown as Challenge;
    // A challenge whose counter is past the bound: a deterministic one at counter 5000, bound 4999.
    const at5000 = (await createChallenge({ algorithm: 'SHA-256', cost: 1, counter: 5000, deriveKey, hmacSignatureSecret: 's' })) as unknown as Challenge;
    expect((await solve(at5000, never, 60_000, 5000))?.counter).toBe(5000);
    expect(await solve(at5000, never, 60_000, 4999)).toBeNull();
    // Aborted before it starts, or while it runs (the far counter would take many seconds).
    const deep = (await createChallenge({ algorithm: 'SHA-256', cost: 1, counter: MAX_POW_COUNTER, deriveKey, hmacSignatureSecret: 's' })) as unknown as Challenge;
    const aborted = new AbortController();
    aborted.abort();
    expect(await solve(far, aborted.signal, 60_000)).toBeNull();
    const later = new AbortController();
    setTimeout(() => later.abort(), 50);
    expect(await solve(deep, later.signal, 60_000)).toBeNull();
    expect(await solve(deep, never, 1)).toBeNull();
  });

  it('refuses a nonce or salt that is not hex in pairs, or longer than the collector ever accepts', async () => {
    const challenge = (await issueChallenge(SECRETS, 'c', 10, 600, Date.now())) as unknown as Challenge;
    for (const change of [{ nonce: 'abc' }, { nonce: 'zz' }, { salt: '' }, { salt: 'ab'.repeat(129) }, { salt: 7 }]) {
      const hostile = { ...challenge, parameters: { ...challenge.parameters, ...change } } as Challenge;
      expect(outOfBounds(hostile.parameters), JSON.stringify(change)).toMatch(/^its (nonce|salt) is not/);
      expect(await solve(hostile, never, 60_000)).toBeNull();
    }
    expect(outOfBounds({ ...challenge.parameters, salt: 'AB'.repeat(128) })).toBeUndefined();
  });

  it('never tries past the largest difficulty the collector issues', () => {
    expect(MAX_POW_COUNTER).toBe(MAX_POW_DIFFICULTY);
  });
});
