// The offline retry queue. Rules:
// - It holds sealed envelopes only, each with its withdrawal secret (issue 11: the secret must
//   survive exactly as long as the envelope does, so that the receipt shown when a kept signature
//   is finally sent can still withdraw it; it goes when the envelope goes). Plaintext never reaches
//   this module: its only inputs are an `Envelope` and a secret, and what it reads back is checked
//   to be nothing but envelope-shaped strings and a 43-character secret.
// - An envelope is kept until the collector answers 2xx (or refuses it for good), and is resent
//   with the same submission id, so a retry can never create a second signature.
// - localStorage may be missing or full (private browsing, quotas): the queue then does nothing
//   rather than break the form.

import type { Envelope } from '@secure-sign/crypto';

/** Prefix of the localStorage keys the widget uses. */
export const QUEUE_KEY_PREFIX = 'secure-sign:queue:v1:';
/** At most this many envelopes are kept per collector and campaign. */
export const MAX_QUEUED = 20;

const FIELD = /^[A-Za-z0-9_-]{1,65536}$/;
// `ch`, the confirmation hash (issue 16), is optional: an envelope without it has six members.
const ENVELOPE = ['v', 'campaign', 'kid', 'sid', 'wh', 'ch', 'ct'] as const;

/** A kept signature: the sealed envelope and, when the widget made one, its withdrawal secret. */
export interface Queued {
  readonly envelope: Envelope;
  readonly secret?: string;
}

/**
 * The kept signature, its envelope normalised (member order v, campaign, kid, sid, wh, ch when
 * present, ct), or undefined if it is not one: nothing but envelope-shaped strings and a secret
 * of 43 characters.
 */
function queuedOf(value: unknown): Queued | undefined {
  const { envelope: e, secret } = (value ?? {}) as { envelope?: Record<string, unknown>; secret?: unknown };
  const members = ENVELOPE.filter((k) => k !== 'ch' || e?.['ch'] !== undefined);
  if (
    typeof e !== 'object' ||
    e === null ||
    Object.keys(e).length !== members.length ||
    e['v'] !== 1 ||
    // Every member but v a string of the base64url alphabet; wh and ch (second letter h) 43 long.
    !members.every((k) => k === 'v' || (typeof e[k] === 'string' && FIELD.test(e[k]) && (k[1] !== 'h' || e[k].length === 43)))
  ) {
    return undefined;
  }
  const envelope = Object.fromEntries(members.map((k) => [k, e[k]])) as unknown as Envelope;
  return typeof secret === 'string' && /^[\w-]{43}$/.test(secret) ? { envelope, secret } : { envelope };
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined; // storage disabled by the browser's settings
  }
}

/** The queue of one collector and campaign. */
export class RetryQueue {
  readonly key: string;

  constructor(collectorOrigin: string, campaign: string) {
    this.key = `${QUEUE_KEY_PREFIX}${collectorOrigin}|${campaign}`;
  }

  /** The kept signatures, oldest first. */
  list(): Queued[] {
    const raw = storage()?.getItem(this.key);
    if (!raw) return [];
    try {
      const value: unknown = JSON.parse(raw);
      return Array.isArray(value) ? value.map(queuedOf).filter((q): q is Queued => q !== undefined) : [];
    } catch {
      return [];
    }
  }

  #write(items: Queued[]): boolean {
    const store = storage();
    if (!store) return false;
    try {
      if (items.length === 0) store.removeItem(this.key);
      else store.setItem(this.key, JSON.stringify(items.slice(-MAX_QUEUED)));
      return true;
    } catch {
      return false; // quota exceeded
    }
  }

  /** Keeps an envelope (and its withdrawal secret) for a later retry; returns false if it could not be stored. */
  add(envelope: Envelope, secret?: string): boolean {
    const item = queuedOf({ envelope, secret });
    if (!item) throw new TypeError('envelope: expected a sealed envelope');
    return this.#write([...this.list().filter((q) => q.envelope.sid !== envelope.sid), item]);
  }

  /** Forgets an envelope and its secret (sent, or refused for good). */
  remove(sid: string): void {
    this.#write(this.list().filter((q) => q.envelope.sid !== sid));
  }
}
