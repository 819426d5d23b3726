// The storage interface. One implementation per engine (SQLite, PostgreSQL); the app sees only
// this. Every method that acknowledges a write returns after the write is durable.

/** A registered campaign as stored. */
export interface CampaignRecord {
  readonly id: string;
  /** The public campaign key string (`sspk1...`). */
  readonly key: string;
  /** Key id of that key, the `kid` envelopes must carry. */
  readonly keyId: string;
  /** Origins allowed to POST from browsers; empty means any. */
  readonly origins: readonly string[];
  readonly goal: number | null;
  /** ISO 8601 UTC, or null. */
  readonly opensAt: string | null;
  readonly closesAt: string | null;
  /** SHA-256 of the staff token, hex. */
  readonly tokenHash: string;
  /** Number of stored submissions (envelopes stored minus those withdrawn or removed). */
  readonly count: number;
  /**
   * Number of entries in the campaign's log: every event (envelope stored, withdrawn, removed by
   * the operator), each with its own seq. Leaf index = seq - 1.
   */
  readonly logSize: number;
  /** Set once the campaign is closed with a retention period (`campaign close`); null before. */
  readonly retention: Retention | null;
  /**
   * Number of confirmed signatures: stored, not withdrawn, removed or disowned, and confirmed by
   * the owner of their e-mail address (a 0x04 entry).
   */
  readonly confirmed: number;
  /** Which count the campaign asks widgets to show: every signature, or the confirmed ones. */
  readonly countShown: CountShown;
}

/** The values of a campaign's `countShown`. */
export type CountShown = 'all' | 'confirmed';

/**
 * The retention of a closed campaign (docs/operations.md "Retention"). ISO 8601 UTC instants as
 * `Date.prototype.toISOString` writes them (so they compare as strings).
 */
export interface Retention {
  /** When it was first closed: from then on it refuses new signatures, for good. */
  readonly closedAt: string;
  /** When its ciphertexts are to be deleted (the earliest of every close). */
  readonly deleteAt: string;
  /** When they were deleted; null until then. */
  readonly deletedAt: string | null;
}

/** A new campaign. */
export type NewCampaign = Omit<CampaignRecord, 'count' | 'logSize' | 'retention' | 'confirmed' | 'countShown'> & {
  /** `all` when left out. */
  readonly countShown?: CountShown;
};

/** Outcome of {@link Store.deleteExpired}: what one campaign's deletion did. */
export interface RetentionDeletion {
  readonly campaign: string;
  /** Ciphertexts deleted by this call. */
  readonly deleted: number;
  readonly deletedAt: string;
}

/** The settings of a campaign that can change after it is registered. */
export type CampaignSettings = Pick<CampaignRecord, 'origins' | 'goal' | 'opensAt' | 'closesAt'> & {
  /** Left as it is when left out. */
  readonly countShown?: CountShown;
};

/**
 * One event of a campaign's sequence as exported (docs/api.md "Export"): every seq has exactly
 * one, in the same order as the log.
 */
export type ExportedEvent =
  /** An envelope (kind 0x01 entry); `envelope` is null once its ciphertext is gone. */
  | {
      readonly kind: 'stored';
      readonly seq: number;
      readonly sid: string;
      readonly receivedAt: string;
      /** The envelope as stored (its normalised JSON text), or null once withdrawn or removed. */
      readonly envelope: string | null;
      /** SHA-256 of the stored envelope text, hex (the value of its log entry). */
      readonly envelopeHash: string;
      /** The envelope's withdrawal hash; null for an envelope stored before withdrawal existed. */
      readonly wh: string | null;
      /** The envelope's confirmation hash; null when it has none. */
      readonly ch: string | null;
    }
  /** A withdrawal by the signer (kind 0x02), with the secret it revealed. */
  | { readonly kind: 'withdrawal'; readonly seq: number; readonly sid: string; readonly receivedAt: string; readonly secret: string }
  /** A removal by the collector's operator (kind 0x03). */
  | { readonly kind: 'removal'; readonly seq: number; readonly sid: string; readonly receivedAt: string }
  /** A decision of the e-mail's owner (kind 0x04 confirm, 0x05 disown), with the secret it revealed. */
  | { readonly kind: 'confirmation'; readonly seq: number; readonly sid: string; readonly receivedAt: string; readonly secret: string; readonly decision: Decision };

/** A decision of the owner of a signature's e-mail address. */
export type Decision = 'confirm' | 'disown';

/** What {@link Store.insertSubmission} needs. */
export interface SubmissionInsert {
  readonly campaign: string;
  readonly sid: string;
  /** Normalised envelope JSON text. */
  readonly envelope: string;
  /** SHA-256 of `envelope`, hex: what retries are compared with, kept after a deletion. */
  readonly envelopeHash: string;
  /** The envelope's `wh` (base64url SHA-256 of its withdrawal secret), kept in its own column. */
  readonly wh: string;
  /** The envelope's `ch` (base64url SHA-256 of its confirmation secret), or null when it has none. */
  readonly ch: string | null;
  readonly receivedAt: string;
  /** Identity of the proof-of-work challenge spent on it (single use across processes). */
  readonly powId: string;
  /** When that challenge expires (ms since the epoch); the used mark may be pruned after. */
  readonly powExpiresAt: number;
  /**
   * The campaign's settings the caller decided with (a copy it may have kept from an earlier
   * request). Checked against the campaign's row inside the write's transaction, which holds that
   * row: if any of them changed, nothing is stored, no challenge is spent, and the result is
   * `stale` (the caller reads the campaign again and decides again). Left out: not checked.
   */
  readonly expect?: CampaignTerms;
}

/** The settings of a campaign a submission is accepted or refused on (besides being closed). */
export type CampaignTerms = Pick<CampaignRecord, 'keyId' | 'origins' | 'opensAt' | 'closesAt'>;

/** Whether a campaign's row still has the settings `terms` (the same key id, origins in the same order, dates). */
export function sameTerms(terms: CampaignTerms, row: CampaignTerms): boolean {
  if (terms.keyId !== row.keyId || terms.opensAt !== row.opensAt || terms.closesAt !== row.closesAt) return false;
  if (terms.origins.length !== row.origins.length) return false;
  return terms.origins.every((origin, i) => origin === row.origins[i]);
}

/** Outcome of {@link Store.insertSubmission}. */
export type InsertResult =
  /** Stored, and appended to the campaign's log at index `seq - 1` in the same transaction. */
  | { readonly status: 'created'; readonly seq: number; readonly receivedAt: string }
  /** The campaign was closed (`campaign close`) before this transaction: nothing stored. */
  | { readonly status: 'closed' }
  /** The same envelope was already stored (a concurrent retry won the race). */
  | { readonly status: 'duplicate'; readonly receivedAt: string }
  /** Another envelope holds this submission id. */
  | { readonly status: 'conflict' }
  /** The challenge was already spent. */
  | { readonly status: 'pow-replayed' }
  | { readonly status: 'unknown-campaign' }
  /** The campaign's settings are no longer those of `expect`: nothing stored, no challenge spent. */
  | { readonly status: 'stale' };

/** What {@link Store.findSubmission} returns. */
export interface SubmissionTrace {
  readonly seq: number;
  readonly envelopeHash: string;
  readonly receivedAt: string;
  readonly deleted: boolean;
}

/** What {@link Store.withdrawSubmission} needs. */
export interface WithdrawalRequest {
  readonly campaign: string;
  readonly sid: string;
  /** The withdrawal secret the signer revealed (base64url, 43 characters). */
  readonly secret: string;
  /** Its hash as envelopes carry it (`wh`): compared with the stored one inside the transaction. */
  readonly secretHash: string;
  /** The 49-byte 0x02 entry for it. */
  readonly entry: Uint8Array;
  readonly receivedAt: string;
}

/** Outcome of {@link Store.withdrawSubmission}. */
export type WithdrawalResult =
  /** Withdrawn now: ciphertext deleted, entry appended at index `seq - 1`, count lowered. */
  | { readonly status: 'withdrawn'; readonly seq: number; readonly receivedAt: string }
  /** Withdrawn before with this same secret: nothing changed; the original event. */
  | { readonly status: 'already-withdrawn'; readonly seq: number; readonly receivedAt: string }
  /** No submission has this id. */
  | { readonly status: 'not-found' }
  /** The secret's hash is not the envelope's `wh` (or the envelope has none). */
  | { readonly status: 'refused' }
  /** The operator removed this submission already (a 0x03 entry): nothing to withdraw. */
  | { readonly status: 'removed' }
  /** The campaign's ciphertexts were deleted at the end of its retention period: nothing changes any more. */
  | { readonly status: 'deleted'; readonly deletedAt: string }
  /** The owner of the e-mail address disowned this signature already (a 0x05 entry): nothing to withdraw. */
  | { readonly status: 'disowned' };

/** What {@link Store.decideSubmission} needs. */
export interface DecisionRequest {
  readonly campaign: string;
  readonly sid: string;
  readonly decision: Decision;
  /** The confirmation secret the e-mail's owner revealed (base64url, 43 characters). */
  readonly secret: string;
  /** Its hash as envelopes carry it (`ch`): compared with the stored one inside the transaction. */
  readonly secretHash: string;
  /** The 49-byte 0x04 (confirm) or 0x05 (disown) entry for it. */
  readonly entry: Uint8Array;
  readonly receivedAt: string;
}

/** Outcome of {@link Store.decideSubmission}. */
export type DecisionResult =
  /** Decided now: entry appended at index `seq - 1`; confirmed count raised (confirm) or count lowered and ciphertext deleted (disown). */
  | { readonly status: 'decided'; readonly seq: number; readonly receivedAt: string }
  /** The same decision was made before: nothing changed; the original event. */
  | { readonly status: 'repeated'; readonly seq: number; readonly receivedAt: string }
  /** The other decision was made before: the first decision stands. */
  | { readonly status: 'already-decided' }
  /** No submission has this id. */
  | { readonly status: 'not-found' }
  /** The secret's hash is not the envelope's `ch` (or the envelope has none). */
  | { readonly status: 'refused' }
  /** The signer withdrew this submission (a 0x02 entry). */
  | { readonly status: 'withdrawn' }
  /** The collector's operator removed this submission (a 0x03 entry). */
  | { readonly status: 'removed' }
  /** The campaign's ciphertexts were deleted at the end of its retention period. */
  | { readonly status: 'deleted'; readonly deletedAt: string };

/** A published file. */
export interface StoredFile {
  readonly body: string;
  /**
   * The signed document's serial (a safe integer from 1). A file stored before serials existed
   * reads as 0, so any signed document replaces it.
   */
  readonly serial: number;
  readonly issuedAt: string;
  readonly updatedAt: string;
}

/** Outcome of {@link Store.putFile}. */
export type PutFileResult =
  | { readonly status: 'stored' }
  /** The file served under that name has a serial greater than or equal to the one offered: nothing changed. */
  | { readonly status: 'stale'; readonly currentSerial: number };

/** A signed checkpoint of a campaign's log as stored (the latest one only). */
export interface StoredCheckpoint {
  readonly size: number;
  /** The root hash of the tree of `size` entries. */
  readonly root: Uint8Array;
  /** The C2SP signed note, as served. */
  readonly note: string;
  readonly signedAt: string;
}

/** Storage of one collector deployment. Methods reject only when the database itself fails. */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly engine: 'sqlite' | 'postgres';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * A secret shared by every process on this database, created on first use (32 random bytes,
   * hex). Signs proof-of-work challenges so that any process can verify what another issued.
   */
  sharedSecret(name: string): Promise<string>;
  /** Creates a campaign; false if the id is taken. */
  createCampaign(campaign: NewCampaign): Promise<boolean>;
  getCampaign(id: string): Promise<CampaignRecord | undefined>;
  listCampaigns(): Promise<CampaignRecord[]>;
  /** Replaces a campaign's changeable settings; false if the campaign does not exist. */
  updateCampaign(id: string, settings: CampaignSettings): Promise<boolean>;
  /**
   * Closes a campaign with a deletion date, in one atomic step: the first close sets `closedAt`;
   * `deleteAt` becomes the earlier of the stored one and the one given (a second close can bring
   * the deletion forward, never push it back); once deleted nothing changes. Undefined if the
   * campaign does not exist. Inserts that commit after this refuse the campaign (`closed`).
   */
  closeCampaign(id: string, closedAt: string, deleteAt: string): Promise<Retention | undefined>;
  /**
   * The retention job's step, for every campaign whose `deleteAt` is at or before `now` (ISO) and
   * not yet deleted: in one transaction per campaign (rechecked under the campaign's lock, so of
   * processes racing on one database exactly one deletes), sets every stored envelope to NULL
   * (sid, hash, wh, seq, receipt time and the log stay), sets `deletedAt = now`. The count and
   * the log do not change. Returns what this call deleted.
   */
  deleteExpired(now: string): Promise<RetentionDeletion[]>;
  /** Replaces the staff token hash; false if the campaign does not exist. */
  setTokenHash(id: string, tokenHash: string): Promise<boolean>;
  /**
   * What is known of the submission with this id, if any. A deleted submission keeps its id,
   * hash and receipt time (its envelope is gone), so a retry of it is not stored again.
   */
  findSubmission(campaign: string, sid: string): Promise<SubmissionTrace | undefined>;
  /**
   * In one transaction: spends the challenge, assigns the next `seq` of the campaign (in commit
   * order: concurrent inserts into one campaign are serialised), stores the envelope and appends
   * its entry to the campaign's log at index `seq - 1` (its hashes included). Resolves after
   * commit (durable): an acknowledged envelope is in the log, and no entry exists without it.
   */
  insertSubmission(insert: SubmissionInsert): Promise<InsertResult>;
  /**
   * Every event with `seq > after` (at most `limit`), oldest first, one per seq with no gap, read
   * in pages so memory stays bounded.
   */
  exportEvents(campaign: string, after: number, limit: number): AsyncIterable<ExportedEvent>;
  /**
   * The operator's removal, in one transaction: deletes one submission's envelope (its id stays
   * reserved), appends a 0x03 entry with the next seq, lowers the count. False if there was no
   * envelope to delete (unknown, withdrawn or removed already).
   */
  deleteSubmission(campaign: string, sid: string, receivedAt?: string): Promise<boolean>;
  /**
   * The signer's withdrawal, in one transaction: checks the secret's hash against the stored
   * `wh`, deletes the envelope, appends the 0x02 entry with the next seq, lowers the count.
   * Idempotent: a repeat answers the original event.
   */
  withdrawSubmission(request: WithdrawalRequest): Promise<WithdrawalResult>;
  /**
   * The decision of the e-mail's owner, in one transaction (checks in this order: the submission
   * exists, the secret's hash is its `ch`, an earlier decision, a withdrawal or removal, the
   * retention deletion): appends the 0x04 or 0x05 entry with the next seq; a confirmation raises
   * the confirmed count, a disowning deletes the ciphertext and lowers the count. The first
   * decision stands: a repeat answers the original event, the other decision `already-decided`.
   */
  decideSubmission(request: DecisionRequest): Promise<DecisionResult>;
  /**
   * Stores a file only if its serial is strictly greater than that of the file stored under this
   * name (if any), as one atomic step: of concurrent puts with the same serial, from any number
   * of processes sharing the database, exactly one is stored. Resolves after commit (durable).
   */
  putFile(campaign: string, name: string, file: StoredFile): Promise<PutFileResult>;
  getFile(campaign: string, name: string): Promise<StoredFile | undefined>;
  /** The serial of the file stored under this name, without its body; undefined if there is none. */
  fileSerial(campaign: string, name: string): Promise<number | undefined>;
  /**
   * Stored hashes of the campaign's log tree, one 32-byte hash per id in order (a missing one is
   * left out, which the log core reports as `MISSING_HASH`).
   */
  readLogHashes(campaign: string, ids: readonly { readonly level: number; readonly index: number }[]): Promise<Uint8Array[]>;
  /** The log entries with indexes `[start, start + count)` that exist, in order. */
  readLogEntries(campaign: string, start: number, count: number): Promise<Uint8Array[]>;
  /**
   * Campaigns whose log has grown past their stored checkpoint (or that have none), with the log
   * size and the public count at exactly that size (stored envelopes minus withdrawals and
   * removals among the first `size` entries) and the confirmed count at that size. They are fixed
   * once an entry is committed, so whatever commits after this read, (size, root of size, count,
   * confirmed) stay consistent.
   */
  pendingCheckpoints(): Promise<{ readonly campaign: string; readonly size: number; readonly count: number; readonly confirmed: number }[]>;
  /**
   * Stores a checkpoint only if it is larger than the stored one (or there is none), as one atomic
   * step across processes; true if stored.
   */
  putCheckpoint(campaign: string, checkpoint: StoredCheckpoint): Promise<boolean>;
  getCheckpoint(campaign: string): Promise<StoredCheckpoint | undefined>;
  /** Forgets spent challenges that expired before `now` (ms); returns how many. */
  pruneSpentChallenges(now: number): Promise<number>;
  close(): Promise<void>;
}

/** Rows fetched per page by the export iterators. */
export const EXPORT_PAGE_SIZE = 1000;
