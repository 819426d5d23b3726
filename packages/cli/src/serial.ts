// Serials of signed walls (docs/cli.md, `wall sign`): every wall carries a serial one higher than
// the last, and the collector refuses one that is not, so an old wall can never replace a newer
// one. Staff never count: `wall sign` reads the serial the collector serves and keeps its own
// record in a local state file, and takes the larger.
//
// Rules for this file:
// - A served wall counts only once it verifies with the campaign key (a collector cannot raise
//   or lower the serial with a document of its own).
// - The state file is written atomically, mode 0600, after each wall signed.

import { campaignIdSchema, isoTimestampSchema } from '@secure-sign/crypto';
import { InvalidArgumentError } from 'commander';
import * as z from 'zod';
import { CliError } from './errors.js';
import { errno, readSmallFile, writeFileAtomic } from './io.js';

const serialSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const stateSchema = z.strictObject({
  v: z.literal(1),
  walls: z.record(campaignIdSchema, z.strictObject({ serial: serialSchema, issuedAt: isoTimestampSchema, validUntil: isoTimestampSchema })),
});

/** The local record of the walls signed with one key: per campaign, the last serial and its times. */
export type SerialState = z.infer<typeof stateSchema>;

/** Where `wall sign` keeps its state when `--state` is not given: beside the key file. */
export function defaultStatePath(keyPath: string): string {
  return `${keyPath}.walls.json`;
}

/** Reads the state file; `undefined` if there is none yet. */
export async function readSerialState(path: string): Promise<SerialState | undefined> {
  let text: string;
  try {
    text = await readSmallFile(path, 1024 * 1024, 'wall state file');
  } catch (error) {
    if (error instanceof CliError && errno(error.cause) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return stateSchema.parse(JSON.parse(text));
  } catch {
    throw new CliError(`wall state file ${path} is damaged`, 'pass --serial N (one more than the last wall published), and the file is rewritten');
  }
}

/** Records a signed wall in the state file. */
export async function recordSerial(path: string, state: SerialState | undefined, campaign: string, entry: SerialState['walls'][string]): Promise<void> {
  const next: SerialState = { v: 1, walls: { ...state?.walls, [campaign]: entry } };
  await writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n');
}

const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** Longest `--valid-for`: ten years. */
const MAX_VALIDITY_MS = 3650 * UNITS.d;

/** Parses `--valid-for`: a whole number and a unit, `s`, `m`, `h`, `d` or `w` (`30d`, `12h`). */
export function parseDuration(text: string): number {
  const match = /^([1-9][0-9]{0,9})([smhdw])$/.exec(text);
  const ms = match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : Number.NaN;
  if (!(ms <= MAX_VALIDITY_MS)) {
    throw new InvalidArgumentError(`${JSON.stringify(text)} is not a duration from 1s to 3650d: write a whole number and a unit (s, m, h, d, w), e.g. 30d or 12h`);
  }
  return ms;
}
