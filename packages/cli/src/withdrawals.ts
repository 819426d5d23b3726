// Withdrawals and operator removals in a pulled envelope file (docs/cli.md, "Withdrawals"):
// `decrypt` and `wall build` leave those signatures out, and say how many.
//
// Rules for this file:
// - A withdrawal counts only if SHA-256 of its revealed secret is the envelope's `wh` (checked here
//   against the envelope line, or against the `removed` line when the ciphertext is already gone).
//   One that does not match is a forged withdrawal: the signature is kept, and the run says so.
// - The file is read in one cheap pass (only lines that start like an event line are parsed); a
//   second pass, only when there are withdrawals, reads the `wh` of the envelopes they name.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileError, splitLines } from './io.js';
import { eventLineSchema } from './log.js';
import { MAX_LINE_BYTES } from './decrypt.js';

/** What a pulled file says about withdrawals and removals. */
export interface Withdrawals {
  /** Submission ids withdrawn by their signers (the secret matches the envelope's `wh`). */
  readonly withdrawn: ReadonlySet<string>;
  /** Submission ids removed by the collector's operator. */
  readonly removed: ReadonlySet<string>;
  /** Submission ids with a withdrawal whose secret does not match the envelope's `wh`: kept. */
  readonly forged: ReadonlySet<string>;
  /** Withdrawals of a submission of which the file has no line (nothing to leave out, nothing to check). */
  readonly unmatched: number;
}

export const NO_WITHDRAWALS: Withdrawals = { withdrawn: new Set(), removed: new Set(), forged: new Set(), unmatched: 0 };

// The start of an event line as `pull` writes it; anything else is an envelope (or garbage, which
// the decryption step reports as usual).
const EVENT_PREFIX = /^\{"seq":\d{1,16},"receivedAt":"[0-9T:.Z-]{24}","(removed|withdrawal|removal)":\{/;
const SID_WH = /"sid":"([A-Za-z0-9_-]{22})","wh":"([A-Za-z0-9_-]{43})"/;

/** Whether a line is a withdrawal, removal or removed-envelope line (not a record to decrypt). */
export function isEventLine(bytes: Uint8Array): boolean {
  return bytes.length > 40 && bytes[0] === 0x7b && bytes[2] === 0x73 && EVENT_PREFIX.test(Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 80)).toString('latin1'));
}

const hashOf = (secret: string): string => createHash('sha256').update(Buffer.from(secret, 'base64url')).digest('base64url');

async function* lines(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path);
  try {
    for await (const { bytes } of splitLines(stream, MAX_LINE_BYTES)) if (bytes !== undefined) yield bytes;
  } catch (error) {
    throw fileError(error, path, 'cannot read');
  } finally {
    stream.destroy();
  }
}

/** Reads the withdrawals, removals and removed envelopes of a pulled file. */
export async function scanWithdrawals(path: string): Promise<Withdrawals> {
  const secrets = new Map<string, string[]>();
  const removed = new Set<string>();
  const stubs = new Map<string, string>();
  for await (const bytes of lines(path)) {
    if (!isEventLine(bytes)) continue;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      continue;
    }
    const event = eventLineSchema.safeParse(value);
    if (!event.success) continue;
    const line = event.data;
    if ('withdrawal' in line) secrets.set(line.withdrawal.sid, [...(secrets.get(line.withdrawal.sid) ?? []), line.withdrawal.secret]);
    else if ('removal' in line) removed.add(line.removal.sid);
    else stubs.set(line.removed.sid, line.removed.wh);
  }
  if (secrets.size === 0) return { withdrawn: new Set(), removed, forged: new Set(), unmatched: 0 };
  // The `wh` of every envelope a withdrawal names: from its `removed` line, or its envelope line.
  const whs = new Map<string, Set<string>>();
  for (const [sid, wh] of stubs) if (secrets.has(sid)) whs.set(sid, new Set([wh]));
  for await (const bytes of lines(path)) {
    if (isEventLine(bytes)) continue;
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 400)).toString('latin1');
    const match = SID_WH.exec(head);
    if (!match || !secrets.has(match[1] as string)) continue;
    whs.set(match[1] as string, new Set([...(whs.get(match[1] as string) ?? []), match[2] as string]));
  }
  const withdrawn = new Set<string>();
  const forged = new Set<string>();
  let unmatched = 0;
  for (const [sid, list] of secrets) {
    const known = whs.get(sid);
    if (known === undefined) {
      unmatched++;
      continue;
    }
    if (list.some((secret) => known.has(hashOf(secret)))) withdrawn.add(sid);
    else forged.add(sid);
  }
  return { withdrawn, removed, forged, unmatched };
}

/** The summary lines of what was left out (and of forged withdrawals); whether any was forged. */
export function withdrawalSummary(w: Withdrawals): string[] {
  const out: string[] = [];
  if (w.withdrawn.size + w.removed.size > 0) {
    const withdrawn = w.withdrawn.size === 1 ? '1 signature withdrawn by its signer' : `${w.withdrawn.size} signatures withdrawn by their signers`;
    out.push(`${withdrawn}, ${w.removed.size} removed by the operator, left out`);
  }
  if (w.unmatched > 0) out.push(`warning: ${w.unmatched === 1 ? '1 withdrawal names' : `${w.unmatched} withdrawals name`} a submission this file does not hold`);
  if (w.forged.size > 0) {
    const names = [...w.forged].slice(0, 10).join(', ');
    out.push(`error: ${w.forged.size} forged withdrawals (the revealed secret does not hash to the envelope's wh), signatures kept: ${names}${w.forged.size > 10 ? ', ...' : ''}`);
    out.push('hint: only the signer knows the withdrawal secret: the collector logged withdrawals no signer made; keep the envelope file as proof');
  }
  return out;
}
