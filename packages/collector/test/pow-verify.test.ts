// checkPow verifies altcha v2 solutions with synchronous node:crypto HMACs, not through
// altcha-lib. These tests hold it to altcha-lib's own verdict on challenges and solutions that
// altcha-lib itself creates (through issueChallenge) and solves: valid ones accepted, every
// tampered field refused, the same verdict as altcha-lib's verifySolution (plus the collector's
// shape and campaign checks). If altcha-lib changes its format, these fail.
import { solveChallenge, verifySolution, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkPow, issueChallenge, type PowCheck, type PowSecrets } from '../src/pow.js';

const SECRETS: PowSecrets = { challenge: 'pow-challenge-secret-0123456789abcdef', key: 'pow-key-secret-0123456789abcdef' };
const OTHER: PowSecrets = { challenge: 'another-challenge-secret-0123456789', key: 'another-key-secret-0123456789' };

type Pow = { challenge: Record<string, unknown>; solution: Record<string, unknown> };

/** A challenge issued for `campaign` and solved by altcha-lib, as it arrives in a request body. */
async function solved(campaign = 'open-letter', difficulty = 200, ttl = 600): Promise<Pow> {
  const challenge = await issueChallenge(SECRETS, campaign, difficulty, ttl, Date.now());
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('altcha-lib could not solve its own challenge');
  return JSON.parse(JSON.stringify({ challenge, solution })) as Pow;
}

// The verdict before checkPow stopped calling altcha-lib (the previous src/pow.ts, verbatim but
// for names): the collector's shape checks (zod), then altcha-lib's verifySolution (expiry against
// the wall clock, signature, key signature), then the campaign binding.
const hex = z.string().check(z.regex(/^[0-9a-f]{1,256}$/));
const oldChallengeSchema = z.object({
  parameters: z.strictObject({
    algorithm: z.literal('SHA-256'),
    nonce: hex,
    salt: hex,
    cost: z.literal(1),
    keyLength: z.literal(32),
    keyPrefix: hex,
    keySignature: hex,
    expiresAt: z.number().check(z.int(), z.positive()),
    data: z.strictObject({ campaign: z.string().check(z.maxLength(64)) }),
  }),
  signature: hex,
});
const oldSolutionSchema = z.object({
  counter: z.number().check(z.int(), z.gte(0), z.lte(0xffffffff)),
  derivedKey: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

async function altchaVerdict(secrets: PowSecrets, pow: unknown, campaign: string): Promise<PowCheck['ok'] | 'expired'> {
  if (typeof pow !== 'object' || pow === null) return false;
  const challenge = oldChallengeSchema.safeParse((pow as Record<string, unknown>)['challenge']);
  const solution = oldSolutionSchema.safeParse((pow as Record<string, unknown>)['solution']);
  if (!challenge.success || !solution.success) return false;
  const result = await verifySolution({
    challenge: challenge.data as Challenge,
    solution: solution.data as Solution,
    deriveKey,
    hmacSignatureSecret: secrets.challenge,
    hmacKeySignatureSecret: secrets.key,
  });
  if (result.expired) return 'expired';
  if (!result.verified) return false;
  if (challenge.data.parameters.data.campaign !== campaign) return false;
  if (challenge.data.parameters.expiresAt * 1000 <= Date.now()) return 'expired';
  return true;
}

const verdictOf = (result: PowCheck): PowCheck['ok'] | 'expired' => (result.ok ? true : result.code === 'pow-expired' ? 'expired' : false);

/** A deep copy with one change at `path` (undefined deletes the member). */
function tamper(pow: Pow, path: string[], value: unknown): Pow {
  const copy = structuredClone(pow) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as Pow;
}

/** One hex digit changed, same length and case. */
const flip = (hex: string, at = 0): string => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

describe('checkPow against altcha-lib', () => {
  let pows: Pow[];
  beforeAll(async () => {
    pows = [];
    for (let i = 0; i < 20; i++) pows.push(await solved(i % 2 ? 'open-letter' : 'a-much-longer-campaign-id-of-sixty-four-characters-0123456789ab'.slice(0, 40 + i), 1 + i * 97));
  });

  it('accepts every valid solution altcha-lib accepts, with the challenge signature as its id', async () => {
    for (const pow of pows) {
      const campaign = (pow.challenge['parameters'] as { data: { campaign: string } }).data.campaign;
      const result = checkPow(SECRETS, pow, campaign, Date.now());
      expect(await altchaVerdict(SECRETS, pow, campaign)).toBe(true);
      expect(result).toEqual({
        ok: true,
        id: pow.challenge['signature'],
        expiresAt: (pow.challenge['parameters'] as { expiresAt: number }).expiresAt * 1000,
      });
    }
  });

  it('is synchronous: it returns a verdict, not a promise', () => {
    const result = checkPow(SECRETS, pows[0], 'anything', Date.now());
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({ ok: false, code: 'pow-invalid' });
  });

  it('refuses every tampered field, as altcha-lib does', async () => {
    const pow = pows[1]!;
    const p = pow.challenge['parameters'] as Record<string, string | number>;
    const s = pow.solution as { derivedKey: string };
    const cases: Array<[string, Pow]> = [
      ['nonce', tamper(pow, ['challenge', 'parameters', 'nonce'], flip(p['nonce'] as string))],
      ['salt', tamper(pow, ['challenge', 'parameters', 'salt'], flip(p['salt'] as string, 5))],
      ['keyPrefix', tamper(pow, ['challenge', 'parameters', 'keyPrefix'], flip(p['keyPrefix'] as string, 3))],
      ['keySignature', tamper(pow, ['challenge', 'parameters', 'keySignature'], flip(p['keySignature'] as string, 7))],
      ['expiresAt later', tamper(pow, ['challenge', 'parameters', 'expiresAt'], (p['expiresAt'] as number) + 3600)],
      ['campaign', tamper(pow, ['challenge', 'parameters', 'data'], { campaign: 'partner' })],
      ['algorithm', tamper(pow, ['challenge', 'parameters', 'algorithm'], 'SHA-512')],
      ['cost', tamper(pow, ['challenge', 'parameters', 'cost'], 2)],
      ['keyLength', tamper(pow, ['challenge', 'parameters', 'keyLength'], 16)],
      ['an added parameter', tamper(pow, ['challenge', 'parameters', 'memoryCost'], 1)],
      ['a removed parameter', tamper(pow, ['challenge', 'parameters', 'keySignature'], undefined)],
      ['an added data member', tamper(pow, ['challenge', 'parameters', 'data'], { campaign: 'open-letter', x: 1 })],
      ['signature', tamper(pow, ['challenge', 'signature'], flip(pow.challenge['signature'] as string, 11))],
      ['signature upper-case', tamper(pow, ['challenge', 'signature'], (pow.challenge['signature'] as string).toUpperCase())],
      ['signature truncated', tamper(pow, ['challenge', 'signature'], (pow.challenge['signature'] as string).slice(0, 62))],
      ['no signature', tamper(pow, ['challenge', 'signature'], undefined)],
      ['derivedKey', tamper(pow, ['solution', 'derivedKey'], flip(s.derivedKey, 20))],
      ['derivedKey upper-case', tamper(pow, ['solution', 'derivedKey'], s.derivedKey.toUpperCase())],
      ['derivedKey of another challenge', tamper(pow, ['solution', 'derivedKey'], (pows[3]!.solution as { derivedKey: string }).derivedKey)],
      ['counter negative', tamper(pow, ['solution', 'counter'], -1)],
      ['counter past uint32', tamper(pow, ['solution', 'counter'], 2 ** 32)],
      ['counter a string', tamper(pow, ['solution', 'counter'], '1')],
    ];
    for (const [name, bad] of cases) {
      const mine = verdictOf(checkPow(SECRETS, bad, 'open-letter', Date.now()));
      expect(mine, name).toBe(false);
      expect(await altchaVerdict(SECRETS, bad, 'open-letter'), name).toBe(false);
    }
    // Signed by other secrets: refused by both.
    expect(verdictOf(checkPow(OTHER, pow, 'open-letter', Date.now()))).toBe(false);
    expect(await altchaVerdict(OTHER, pow, 'open-letter')).toBe(false);
    // Bound to its campaign: the same valid proof for another campaign is refused.
    expect(verdictOf(checkPow(SECRETS, pow, 'partner', Date.now()))).toBe(false);
  });

  it('like altcha-lib, takes the derived key as the proof and ignores a wrong counter next to it', async () => {
    // altcha-lib's key-signature path never re-derives from the counter; neither does checkPow.
    // (Only the finder of the counter knows the key the collector signed.)
    const pow = pows[1]!;
    const other = tamper(pow, ['solution', 'counter'], ((pow.solution['counter'] as number) + 1) % 2 ** 32);
    expect(await altchaVerdict(SECRETS, other, 'open-letter')).toBe(true);
    expect(verdictOf(checkPow(SECRETS, other, 'open-letter', Date.now()))).toBe(true);
  });

  it('refuses an expired challenge as expired, as altcha-lib does, and at the same instant', async () => {
    const pow = await solved('open-letter', 50, 10);
    const expiresAt = (pow.challenge['parameters'] as { expiresAt: number }).expiresAt * 1000;
    expect(checkPow(SECRETS, pow, 'open-letter', expiresAt - 1)).toMatchObject({ ok: true });
    expect(checkPow(SECRETS, pow, 'open-letter', expiresAt)).toEqual({ ok: false, code: 'pow-expired' });
    // altcha-lib reads the wall clock: move the challenge into the past instead (its signature then
    // breaks, and both still say "expired", checked before the signature).
    const past = tamper(pow, ['challenge', 'parameters', 'expiresAt'], Math.floor(Date.now() / 1000) - 5);
    expect(await altchaVerdict(SECRETS, past, 'open-letter')).toBe('expired');
    expect(verdictOf(checkPow(SECRETS, past, 'open-letter', Date.now()))).toBe('expired');
  });

  it('refuses malformed proofs of work without throwing', () => {
    for (const bad of [null, 1, 'x', [], {}, { challenge: null, solution: {} }, { challenge: [], solution: [] }, { challenge: { parameters: [] }, solution: {} }]) {
      expect(checkPow(SECRETS, bad, 'open-letter', Date.now())).toEqual({ ok: false, code: 'pow-invalid' });
    }
    const proto = JSON.parse(
      JSON.stringify({ ...pows[0], challenge: { ...pows[0]!.challenge, parameters: { ...(pows[0]!.challenge['parameters'] as object) } } }).replace(
        '"algorithm"',
        '"__proto__":{},"algorithm"',
      ),
    ) as unknown;
    expect(checkPow(SECRETS, proto, 'open-letter', Date.now())).toEqual({ ok: false, code: 'pow-invalid' });
  });

  const FLIP = Symbol('flip');
  it('any random change to a valid proof gets the same verdict from checkPow and altcha-lib (property)', async () => {
    const leaves = (value: unknown, path: string[] = []): string[][] =>
      typeof value === 'object' && value !== null ? Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k])) : [path];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: pows.length - 1 }),
        fc.nat(),
        fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.constant(null), fc.boolean(), fc.stringMatching(/^[0-9a-f]{1,64}$/), fc.constant(FLIP)),
        async (which, at, generated) => {
          let value: unknown = generated;
          const pow = pows[which]!;
          const paths = leaves(pow);
          const path = paths[at % paths.length]!;
          const original = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], pow);
          // FLIP: one digit of the member itself changed (the subtlest tampering).
          if (value === FLIP && typeof original === 'string' && original.length > 0) value = flip(original, at % original.length);
          else if (value === FLIP) value = typeof original === 'number' ? original + 1 : 'x';
          const bad = tamper(pow, path, value);
          const campaign = (pow.challenge['parameters'] as { data: { campaign: string } }).data.campaign;
          const mine = verdictOf(checkPow(SECRETS, bad, campaign, Date.now()));
          const theirs = await altchaVerdict(SECRETS, bad, campaign);
          // The counter is not part of the proof (see above); everything else must agree, and any
          // change that altcha-lib accepts must leave the proof as valid as it was.
          expect({ path, mine }).toEqual({ path, mine: theirs });
          const where = path.join('.');
          // Members outside the proof: the issued ISO expiry beside the parameters, the solver's time.
          const outside = where === 'challenge.expiresAt' || where === 'solution.time';
          const counter = where === 'solution.counter' && Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff;
          if (!outside && !counter && JSON.stringify(bad) !== JSON.stringify(pow)) expect(mine, where).not.toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
