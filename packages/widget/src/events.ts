// Every event the widget dispatches, in one place. Rules: events bubble and are composed (so a host
// page can listen on `document`), and their `detail` never carries personal data: only the campaign
// id, random submission ids, timestamps and stable codes.

/** Fired once the widget has loaded the campaign and shows the form. */
export interface SecureSignReadyDetail {
  readonly campaign: string;
  /** Whether the campaign currently accepts signatures. */
  readonly open: boolean;
}

/** Fired on the signer's first interaction with the form (encryption starts loading then). */
export interface SecureSignStartDetail {
  readonly campaign: string;
}

/** Fired when a signature was received by the collector. */
export interface SecureSignSuccessDetail {
  readonly campaign: string;
  /** Random submission id (not personal data): the receipt. */
  readonly sid: string;
  readonly receivedAt: string;
  /** True when this was a signature saved earlier and sent on a later retry. */
  readonly retried: boolean;
}

/** Fired when a sealed signature could not be sent and was kept for a retry. */
export interface SecureSignQueuedDetail {
  readonly campaign: string;
  readonly sid: string;
}

/** Stable codes of {@link SecureSignErrorDetail}. */
export type SecureSignErrorCode =
  | 'invalid-config'
  | 'invalid-key'
  | 'campaign-closed'
  | 'rejected'
  | 'encryption-failed'
  | 'network';

/** Fired when something went wrong. `code` is stable; no message text, no input values. */
export interface SecureSignErrorDetail {
  readonly campaign: string;
  readonly code: SecureSignErrorCode;
  /** The collector's problem code, when the collector refused the request. */
  readonly problem?: string;
}

/** Names and detail types of every event. */
export interface SecureSignEventMap {
  'secure-sign-ready': CustomEvent<SecureSignReadyDetail>;
  'secure-sign-start': CustomEvent<SecureSignStartDetail>;
  'secure-sign-success': CustomEvent<SecureSignSuccessDetail>;
  'secure-sign-queued': CustomEvent<SecureSignQueuedDetail>;
  'secure-sign-error': CustomEvent<SecureSignErrorDetail>;
}

declare global {
  interface GlobalEventHandlersEventMap extends SecureSignEventMap {}
}

/** Creates one of the widget's events: bubbling, composed, with a frozen detail. */
export function secureSignEvent<K extends keyof SecureSignEventMap>(
  name: K,
  detail: SecureSignEventMap[K]['detail'],
): SecureSignEventMap[K] {
  return new CustomEvent(name, { detail: Object.freeze({ ...detail }), bubbles: true, composed: true }) as unknown as SecureSignEventMap[K];
}
