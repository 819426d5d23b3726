// Proof of work with altcha-lib v2. Challenges are "deterministic": the server picks a random
// counter below the difficulty and publishes a prefix of the key it derives, so the solver's
// expected work is difficulty/2 hashes and verification is one HMAC (the key signature).
// Challenges are bound to one campaign (`data.campaign`, covered by the signature), expire, and
// are spent in the database when a submission stores, so they work once across all processes.
import { createChallenge, randomInt, verifySolution, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { z } from 'zod';

/** The algorithm of issued challenges: one SHA-256 per attempt, available to every browser through WebCrypto. */
export const POW_ALGORITHM = 'SHA-256';

/** A challenge as issued by `POST /v1/campaigns/{campaign}/challenge`. */
export type IssuedChallenge = Challenge & { readonly expiresAt: string };

/** Secrets that sign challenges; shared by every process on one database. */
export interface PowSecrets {
  readonly challenge: string;
  readonly key: string;
}

/**
 * Issues a challenge for a campaign.
 *
 * @param difficulty - largest counter; the solver tries about half of it on average.
 * @param now - current time in ms.
 */
export async function issueChallenge(
  secrets: PowSecrets,
  campaign: string,
  difficulty: number,
  ttlSeconds: number,
  now: number,
): Promise<IssuedChallenge> {
  const expiresAtSeconds = Math.floor(now / 1000) + ttlSeconds;
  const challenge = await createChallenge({
    algorithm: POW_ALGORITHM,
    cost: 1,
    counter: difficulty <= 1 ? 0 : randomInt(difficulty, 0),
    deriveKey,
    data: { campaign },
    expiresAt: expiresAtSeconds,
    hmacSignatureSecret: secrets.challenge,
    hmacKeySignatureSecret: secrets.key,
  });
  return { ...challenge, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
}

const hex = z.string().check(z.regex(/^[0-9a-f]{1,256}$/));

// The shape altcha-lib produces, validated before altcha-lib sees it: hostile JSON never reaches
// a KDF with absurd parameters (the signature check comes first there too, but be strict anyway).
const challengeSchema = z.object({
  parameters: z.strictObject({
    algorithm: z.literal(POW_ALGORITHM),
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

const solutionSchema = z.object({
  counter: z.number().check(z.int(), z.gte(0), z.lte(0xffffffff)),
  derivedKey: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

/** Outcome of {@link checkPow}. */
export type PowCheck =
  | { readonly ok: true; readonly id: string; readonly expiresAt: number }
  | { readonly ok: false; readonly code: 'pow-invalid' | 'pow-expired' };

/**
 * Verifies a `pow` member of a submission: shape, signature, campaign binding, solution, expiry.
 * Does not spend it (the store does that in the insert transaction).
 */
export async function checkPow(secrets: PowSecrets, pow: unknown, campaign: string, now: number): Promise<PowCheck> {
  if (typeof pow !== 'object' || pow === null) return { ok: false, code: 'pow-invalid' };
  const challenge = challengeSchema.safeParse((pow as Record<string, unknown>)['challenge']);
  const solution = solutionSchema.safeParse((pow as Record<string, unknown>)['solution']);
  if (!challenge.success || !solution.success) return { ok: false, code: 'pow-invalid' };
  const parameters = challenge.data.parameters;
  const result = await verifySolution({
    challenge: challenge.data as Challenge,
    solution: solution.data as Solution,
    deriveKey,
    hmacSignatureSecret: secrets.challenge,
    hmacKeySignatureSecret: secrets.key,
  });
  // altcha-lib checks expiry against the wall clock before the signature; a forged "expired"
  // challenge therefore also reads as expired, which tells an attacker nothing.
  if (result.expired) return { ok: false, code: 'pow-expired' };
  if (!result.verified) return { ok: false, code: 'pow-invalid' };
  if (parameters.data.campaign !== campaign) return { ok: false, code: 'pow-invalid' };
  const expiresAt = parameters.expiresAt * 1000;
  if (expiresAt <= now) return { ok: false, code: 'pow-expired' };
  // The signature is unique per challenge and covers nonce and salt: it identifies the challenge.
  return { ok: true, id: challenge.data.signature, expiresAt };
}
