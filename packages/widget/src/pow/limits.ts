// Bounds on the proof of work the widget agrees to do, whatever a collector asks: a hostile or
// misconfigured collector must not make a signer's phone hash for minutes.

/**
 * The largest counter the solver tries: the largest difficulty the collector ever issues
 * (MAX_POW_DIFFICULTY in packages/collector/src/pow.ts; the collector's tests check they agree).
 * Challenges are "deterministic" (the collector picks the counter from 0 to the difficulty), so
 * no honest challenge needs more.
 */
export const MAX_POW_COUNTER = 16_000_000;

/**
 * Why a challenge asks for more work per attempt than the collector ever issues (one SHA-256 per
 * counter, 32-byte keys), or `undefined` when it does not. Such a challenge is refused before the
 * solver starts.
 */
export function outOfBounds(parameters: { readonly algorithm: unknown; readonly cost: unknown; readonly keyLength?: unknown; readonly keyPrefix: unknown; readonly [key: string]: unknown }): string | undefined {
  if (parameters.algorithm !== 'SHA-256') return 'its algorithm is not SHA-256';
  if (parameters.cost !== 1) return 'its cost is not 1';
  if (parameters.keyLength !== undefined && parameters.keyLength !== 32) return 'its key length is not 32';
  if (typeof parameters.keyPrefix !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(parameters.keyPrefix)) return 'its key prefix is not 1 to 64 hex digits';
  // The collector's are 32 digits each (and it refuses more than 256 when verifying).
  for (const name of ['nonce', 'salt']) {
    const value = parameters[name];
    if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2}){1,128}$/.test(value)) return `its ${name} is not 2 to 256 hex digits in pairs`;
  }
  for (const name of ['memoryCost', 'parallelism']) if (parameters[name] !== undefined) return `it sets ${name}`;
  return undefined;
}
