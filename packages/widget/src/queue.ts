// The offline retry queue. Rules:
// - It holds sealed envelopes only. Plaintext never reaches this module: its only input type is
//   `Envelope`, and what it reads back is checked to be nothing but envelope-shaped strings.
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

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Object.keys(v).length === 5 &&
    v['v'] === 1 &&
    typeof v['campaign'] === 'string' &&
    FIELD.test(v['campaign']) &&
    typeof v['kid'] === 'string' &&
    FIELD.test(v['kid']) &&
    typeof v['sid'] === 'string' &&
    FIELD.test(v['sid']) &&
    typeof v['ct'] === 'string' &&
    FIELD.test(v['ct'])
  );
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

  /** The queued envelopes, oldest first. */
  list(): Envelope[] {
    const raw = storage()?.getItem(this.key);
    if (!raw) return [];
    try {
      const value: unknown = JSON.parse(raw);
      return Array.isArray(value) ? value.filter(isEnvelope).map((e) => ({ v: 1, campaign: e.campaign, kid: e.kid, sid: e.sid, ct: e.ct })) : [];
    } catch {
      return [];
    }
  }

  #write(envelopes: Envelope[]): boolean {
    const store = storage();
    if (!store) return false;
    try {
      if (envelopes.length === 0) store.removeItem(this.key);
      else store.setItem(this.key, JSON.stringify(envelopes.slice(-MAX_QUEUED)));
      return true;
    } catch {
      return false; // quota exceeded
    }
  }

  /** Keeps an envelope for a later retry; returns false if it could not be stored. */
  add(envelope: Envelope): boolean {
    if (!isEnvelope(envelope)) throw new TypeError('envelope: expected a sealed envelope');
    const rest = this.list().filter((e) => e.sid !== envelope.sid);
    return this.#write([...rest, { v: 1, campaign: envelope.campaign, kid: envelope.kid, sid: envelope.sid, ct: envelope.ct }]);
  }

  /** Forgets an envelope (sent, or refused for good). */
  remove(sid: string): void {
    this.#write(this.list().filter((e) => e.sid !== sid));
  }
}
