// Withdrawals, operator removals and e-mail confirmations in a pulled envelope file (docs/cli.md,
// "Withdrawals" and "Confirmations"): `decrypt` and `wall build` leave withdrawn, removed and
// disowned signatures out, say how many, and with --confirmed-only keep only confirmed ones.
//
// Rules for this file:
// - A withdrawal counts only if SHA-256 of its revealed secret is the envelope's `wh` (checked here
//   against the envelope line, or against the `removed` line when the ciphertext is already gone).
//   One that does not match is a forged withdrawal: the signature is kept, and the run says so.
// - A confirmation or disowning counts only if SHA-256 of its revealed secret is the envelope's
//   `ch` (from the envelope line, or the `removed` line). One that does not match is forged: it
//   decides nothing (the signature is neither confirmed nor left out), and the run says so.
// - The file is read in one cheap pass (only lines that start like an event line are parsed); a
//   second pass, only when there are withdrawals or confirmations, reads the `wh` and `ch` of the
//   envelopes they name.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileError, splitLines } from './io.js';
import { eventLineSchema } from './log.js';
import { MAX_LINE_BYTES } from './decrypt.js';

/** What a pulled file says about withdrawals, removals and confirmations. */
export interface Withdrawals {
  /** Submission ids withdrawn by their signers (the secret matches the envelope's `wh`). */
  readonly withdrawn: ReadonlySet<string>;
  /** Submission ids removed by the collector's operator. */
  readonly removed: ReadonlySet<string>;
  /** Submission ids with a withdrawal whose secret does not match the envelope's `wh`: kept. */
  readonly forged: ReadonlySet<string>;
  /** Withdrawals of a submission of which the file has no line (nothing to leave out, nothing to check). */
  readonly unmatched: number;
  /**
   * Submission ids confirmed by the owner of the e-mail address, each with the envelope's `ch`
   * the revealed secret hashes to (decrypt checks it is the `ch` of the envelope it opened).
   */
  readonly confirmed: ReadonlyMap<string, string>;
  /** Submission ids disowned ("this wasn't me") by the owner of the e-mail address: left out. */
  readonly disowned: ReadonlySet<string>;
  /** Submission ids with a confirmation line whose secret does not hash to the envelope's `ch` (or it has none). */
  readonly forgedConfirmations: ReadonlySet<string>;
  /** Confirmation lines of a submission of which the file has no line. */
  readonly unmatchedConfirmations: number;
}

export const NO_WITHDRAWALS: Withdrawals = {
  withdrawn: new Set(),
  removed: new Set(),
  forged: new Set(),
  unmatched: 0,
  confirmed: new Map(),
  disowned: new Set(),
  forgedConfirmations: new Set(),
  unmatchedConfirmations: 0,
};

// The start of an event line as `pull` writes it; anything else is an envelope (or garbage, which
// the decryption step reports as usual).
const EVENT_PREFIX = /^\{"seq":\d{1,16},"receivedAt":"[0-9T:.Z-]{24}","(removed|withdrawal|removal|confirmation)":\{/;
// The sid, wh and ch of an envelope line (normalised member order v, campaign, kid, sid, wh, ch, ct).
const SID_WH_CH = /"sid":"([A-Za-z0-9_-]{22})"(?:,"wh":"([A-Za-z0-9_-]{43})")?(?:,"ch":"([A-Za-z0-9_-]{43})")?,"ct":/;

/** Whether a line is a withdrawal, removal, removed-envelope or confirmation line (not a record to decrypt). */
export function isEventLine(bytes: Uint8Array): boolean {
  return bytes.length > 40 && bytes[0] === 0x7b && bytes[2] === 0x73 && EVENT_PREFIX.test(Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 80)).toString('latin1'));
}

/** base64url of SHA-256 of a base64url secret: a `wh` or a `ch`. */
export const hashOf = (secret: string): string => createHash('sha256').update(Buffer.from(secret, 'base64url')).digest('base64url');

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

const add = <V>(map: Map<string, V[]>, key: string, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** Reads the withdrawals, removals, removed envelopes and confirmations of a pulled file. */
export async function scanWithdrawals(path: string): Promise<Withdrawals> {
  const secrets = new Map<string, string[]>();
  const decisions = new Map<string, { secret: string; decision: 'confirm' | 'disown' }[]>();
  const removed = new Set<string>();
  const stubs = new Map<string, { wh: string; ch: string | undefined }>();
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
    if ('withdrawal' in line) add(secrets, line.withdrawal.sid, line.withdrawal.secret);
    else if ('confirmation' in line) add(decisions, line.confirmation.sid, { secret: line.confirmation.secret, decision: line.confirmation.decision });
    else if ('removal' in line) removed.add(line.removal.sid);
    else stubs.set(line.removed.sid, { wh: line.removed.wh, ch: line.removed.ch });
  }
  if (secrets.size === 0 && decisions.size === 0) return { ...NO_WITHDRAWALS, removed };
  // The `wh` and `ch` of every envelope a withdrawal or confirmation names: from its `removed`
  // line, or its envelope line. An envelope without `ch` is held with an empty set of them.
  const whs = new Map<string, Set<string>>();
  const chs = new Map<string, Set<string>>();
  const hold = (sid: string, wh: string | undefined, ch: string | undefined): void => {
    if (secrets.has(sid)) {
      const set = whs.get(sid) ?? new Set<string>();
      if (wh !== undefined) set.add(wh);
      whs.set(sid, set);
    }
    if (decisions.has(sid)) {
      const set = chs.get(sid) ?? new Set<string>();
      if (ch !== undefined) set.add(ch);
      chs.set(sid, set);
    }
  };
  for (const [sid, stub] of stubs) hold(sid, stub.wh, stub.ch);
  for await (const bytes of lines(path)) {
    if (isEventLine(bytes)) continue;
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 400)).toString('latin1');
    const match = SID_WH_CH.exec(head);
    if (!match) continue;
    hold(match[1] as string, match[2], match[3]);
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
  // The first decision whose secret matches stands (the log allows no second one).
  const confirmed = new Map<string, string>();
  const disowned = new Set<string>();
  const forgedConfirmations = new Set<string>();
  let unmatchedConfirmations = 0;
  for (const [sid, list] of decisions) {
    const known = chs.get(sid);
    if (known === undefined) {
      unmatchedConfirmations++;
      continue;
    }
    const first = list.find(({ secret }) => known.has(hashOf(secret)));
    if (first === undefined) forgedConfirmations.add(sid);
    else if (first.decision === 'confirm') confirmed.set(sid, hashOf(first.secret));
    else disowned.add(sid);
  }
  return { withdrawn, removed, forged, unmatched, confirmed, disowned, forgedConfirmations, unmatchedConfirmations };
}

/** Whether a signature is left out as withdrawn, removed or disowned. */
export function isCancelled(w: Withdrawals, sid: string): boolean {
  return w.withdrawn.has(sid) || w.removed.has(sid) || w.disowned.has(sid);
}

/** Whether the file holds a forged withdrawal or confirmation (exit status 6). */
export function hasForgeries(w: Withdrawals): boolean {
  return w.forged.size > 0 || w.forgedConfirmations.size > 0;
}

/** The summary lines of what was left out (and of forged withdrawals and confirmations). */
export function withdrawalSummary(w: Withdrawals): string[] {
  const out: string[] = [];
  if (w.withdrawn.size + w.removed.size + w.disowned.size > 0) {
    const withdrawn = w.withdrawn.size === 1 ? '1 signature withdrawn by its signer' : `${w.withdrawn.size} signatures withdrawn by their signers`;
    const disowned = w.disowned.size === 0 ? '' : w.disowned.size === 1 ? ', 1 disowned by the owner of its e-mail address' : `, ${w.disowned.size} disowned by the owners of their e-mail addresses`;
    out.push(`${withdrawn}, ${w.removed.size} removed by the operator${disowned}, left out`);
  }
  if (w.unmatched > 0) out.push(`warning: ${w.unmatched === 1 ? '1 withdrawal names' : `${w.unmatched} withdrawals name`} a submission this file does not hold`);
  if (w.unmatchedConfirmations > 0) {
    out.push(`warning: ${w.unmatchedConfirmations === 1 ? '1 confirmation names' : `${w.unmatchedConfirmations} confirmations name`} a submission this file does not hold`);
  }
  if (w.forged.size > 0) {
    const names = [...w.forged].slice(0, 10).join(', ');
    out.push(`error: ${w.forged.size} forged withdrawals (the revealed secret does not hash to the envelope's wh), signatures kept: ${names}${w.forged.size > 10 ? ', ...' : ''}`);
    out.push('hint: only the signer knows the withdrawal secret: the collector logged withdrawals no signer made; keep the envelope file as proof');
  }
  if (w.forgedConfirmations.size > 0) {
    const n = w.forgedConfirmations.size;
    const names = [...w.forgedConfirmations].slice(0, 10).join(', ');
    out.push(`error: ${n} forged ${n === 1 ? 'confirmation' : 'confirmations'} (the revealed secret does not hash to the envelope's ch), not counted: ${names}${n > 10 ? ', ...' : ''}`);
    out.push('hint: only staff and the owner of the e-mail address know the confirmation secret: the collector logged decisions nobody made; keep the envelope file as proof');
  }
  return out;
}
