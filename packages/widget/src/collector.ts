// The collector's HTTP API (docs/api.md) as the widget uses it. Every answer is hostile until
// checked: only the fields the widget needs are read, each with its type checked.
//
// Requests carry no cookies (`credentials: 'omit'`) and no referrer, and bodies only ever hold a
// sealed envelope and a proof of work, never plaintext.

import { say } from './say.js';

/** Public facts about a campaign (GET /v1/campaigns/{id}). */
export interface CampaignInfo {
  readonly count: number;
  readonly goal: number | null;
  readonly open: boolean;
  /** The key id of the campaign's registered key (absent from older collectors). */
  readonly keyId?: string;
  /**
   * Whether the page's origin is registered for the campaign (the collector says so when the
   * request carried an `Origin` header; absent from older collectors).
   */
  readonly originAllowed?: boolean;
  /** The answer's `log` member as it came (`{ origin, vkey, size }`): checked where it is used. */
  readonly log?: unknown;
  /** True when the collector says no wall is published (absent from older collectors: ask). */
  readonly noWall?: boolean;
  /**
   * Signatures whose e-mail address was confirmed (issue 16), present only when the campaign
   * shows them (`countShown: "confirmed"`) instead of all signatures.
   */
  readonly confirmed?: number;
}

/** A receipt for a stored submission. */
export interface Receipt {
  readonly sid: string;
  readonly receivedAt: string;
  /** The answer's `log` member as it came (`{ origin, index, entry, promise }`): checked where it is used. */
  readonly log?: unknown;
}

/** An ALTCHA v2 challenge as the collector issues it (checked only for what the solver reads). */
export interface Challenge {
  readonly parameters: {
    readonly algorithm: string;
    readonly nonce: string;
    readonly salt: string;
    readonly cost: number;
    readonly keyPrefix: string;
    readonly keyLength?: number;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** A solved challenge: the counter and the derived key, as altcha-lib's solver returns them. */
export interface Solution {
  readonly counter: number;
  readonly derivedKey: string;
  readonly time?: number;
}

/** The collector refused a request with an RFC 9457 problem, or could not be reached. */
export class CollectorError extends Error {
  /**
   * The problem's `code`, `network` when unreachable, `bad-response` when the answer was garbage,
   * `too-large` when it was larger than the widget reads.
   */
  readonly code: string;
  /** HTTP status, 0 when unreachable. */
  readonly status: number;
  constructor(code: string, status: number) {
    super(`collector: ${code} (${status})`);
    this.name = 'CollectorError';
    this.code = code;
    this.status = status;
  }
  /** Whether trying again later with the same envelope may succeed. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const CODE = /^[a-z0-9-]{1,64}$/;

/** The answer's JSON object; anything else is a `bad-response`. */
export function json(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // fall through
  }
  throw new CollectorError('bad-response', 200);
}

/**
 * A small client for one collector and one campaign. Asking for a proof-of-work challenge and
 * posting an envelope (send.ts) ride in the proof of work's chunk instead of the first load.
 */
export class CollectorClient {
  readonly #base: string;

  /**
   * @param collector - the collector's origin (and optional path prefix), `https:` (or `http:` on
   *   localhost only).
   * @param campaign - a campaign id, already validated.
   */
  constructor(collector: string, campaign: string) {
    const url = new URL(collector);
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
      throw new TypeError('collector: must be an https: URL');
    }
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1/campaigns/${encodeURIComponent(campaign)}`;
  }

  /**
   * One request; the answer is read with a byte limit: streamed, and dropped as soon as it exceeds
   * `maxBytes` (a hostile or broken collector cannot make the page hold megabytes), which the
   * partner is told on the console.
   */
  async request(path: string, init: RequestInit = {}, maxBytes = 64 * 1024): Promise<{ status: number; text: string }> {
    let response: Response;
    const chunks: BlobPart[] = [];
    try {
      response = await fetch(this.#base + path, {
        ...init,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
        headers: init.body ? { 'content-type': 'application/json' } : {},
      });
      const reader = response.body?.getReader();
      for (let size = 0, part; reader && !(part = await reader.read()).done; ) {
        if ((size += part.value.length) > maxBytes) {
          void reader.cancel();
          say('error', 'tooLarge', path || '/', String(maxBytes));
          throw new CollectorError('too-large', response.status);
        }
        chunks.push(part.value);
      }
    } catch (error) {
      throw error instanceof CollectorError ? error : new CollectorError('network', 0);
    }
    const text = await new Blob(chunks).text();
    if (!response.ok) {
      let code = 'http-error';
      try {
        const problem: unknown = JSON.parse(text);
        if (isObject(problem) && typeof problem['code'] === 'string' && CODE.test(problem['code'])) code = problem['code'];
      } catch {
        // Not a problem document (a proxy's HTML error page, say): keep the generic code.
      }
      throw new CollectorError(code, response.status);
    }
    return { status: response.status, text };
  }

  /** GET the campaign's public facts and live count. */
  async campaign(): Promise<CampaignInfo> {
    const body = json((await this.request('')).text);
    const count = body['count'];
    const goal = body['goal'];
    const open = body['open'];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || typeof open !== 'boolean') {
      throw new CollectorError('bad-response', 200);
    }
    const validGoal = typeof goal === 'number' && Number.isSafeInteger(goal) && goal > 0 ? goal : null;
    const keyId = body['keyId'];
    const originAllowed = body['originAllowed'];
    // A confirmed count that is not a number from 0 to `count` is ignored, and so is then the wish
    // to show it: the widget shows the total, worded as the total, rather than a number it cannot read.
    const confirmed = body['confirmed'] as number;
    return {
      count,
      goal: validGoal,
      open,
      ...(typeof keyId === 'string' && /^[a-z2-7]{16}$/.test(keyId) ? { keyId } : {}),
      ...(typeof originAllowed === 'boolean' ? { originAllowed } : {}),
      log: body['log'],
      ...(body['wall'] === null ? { noWall: true } : {}),
      ...(body['countShown'] === 'confirmed' && Number.isSafeInteger(confirmed) && confirmed >= 0 && confirmed <= count ? { confirmed } : {}),
    };
  }

  /** GET a published file's text, or `undefined` when none is published (404). */
  async file(name: string): Promise<string | undefined> {
    try {
      return (await this.request(`/files/${encodeURIComponent(name)}`, {}, 4 * 1024 * 1024)).text;
    } catch (error) {
      if (error instanceof CollectorError && error.status === 404) return undefined;
      throw error;
    }
  }
}
