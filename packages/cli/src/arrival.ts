// Choosing between records the way the collector saw them arrive (docs/cli.md, "Arrival order,
// replays and conflicts"). Used by `decrypt` and by `wall build`.
//
// Rules for this file:
// - Arrival order is the collector's export `seq`. A record without one (a line written by an
//   older `pull`, or a bare envelope) counts as earlier than every record with one, in input order.
//   `createdAt` (the signer's clock, so the sender's choice) never decides anything.
// - The same submission id twice with the same ciphertext is a replay: dropped, counted. With
//   another ciphertext it is a conflict: the first line is kept, the other goes to the review file.
// - The same e-mail key twice: with the same content (kind, name, organisation, role, country,
//   comment) the records merge into the first arrival; with other content they conflict, the first
//   arrival is kept and every variant goes to the review file. Either way, consents only narrow:
//   `listPublicly` and `contactLater` are true only if true in every record of that address.
// - Nothing here is ever chosen silently: every drop is counted, every conflict written out.

import type { Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentKey, emailKey, type DecryptedRecord } from './records.js';
import { createPrivateFile, finish, write } from './io.js';

/** A position in arrival order: `[0, line]` without a seq, `[1, seq]` with one. Smaller is earlier. */
export type Rank = readonly [0 | 1, number];

export function rankOf(seq: number | undefined, line: number): Rank {
  return seq === undefined ? [0, line] : [1, seq];
}

function earlier(a: Rank, b: Rank): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1];
}

/** One line of the conflicts file (NDJSON). */
export interface ConflictEntry {
  readonly conflict: 'submission-id' | 'e-mail';
  /** The submission id, or the normalised e-mail address, the records share. */
  readonly key: string;
  /** Whether this record is the one kept in the output. */
  readonly kept: boolean;
  /** Its input line. */
  readonly line: number;
  readonly seq?: number;
  /** For e-mail conflicts: how many records had exactly this content (merged into this one). */
  readonly records?: number;
  /** The record; left out for the kept side of a submission-id conflict, which is in the output as written. */
  readonly record?: DecryptedRecord;
}

/**
 * What both submission-id tables do with an id they already hold: a replay when the envelope is
 * the kept one again or a conflicting one already reported; otherwise a conflict, reported with
 * the kept entry the first time only.
 */
/** The conflicts-file entry of the kept record (seq NaN: none). */
function keptEntry(sid: string, line: number, seq: number): ConflictEntry {
  return { conflict: 'submission-id', key: sid, kept: true, line, ...(Number.isNaN(seq) ? {} : { seq }) };
}

class Repeats<K> {
  replays = 0;
  conflicts = 0;
  /** Only for ids seen with more than one digest: the other digests. */
  readonly #conflicted = new Map<K, Set<string>>();

  judge(key: K, digest: string, same: boolean, kept: () => ConflictEntry): 'replay' | { kept: ConflictEntry | undefined } {
    const others = this.#conflicted.get(key);
    if (same || others?.has(digest)) {
      this.replays++;
      return 'replay';
    }
    this.conflicts++;
    if (others) {
      others.add(digest);
      return { kept: undefined };
    }
    this.#conflicted.set(key, new Set([digest]));
    return { kept: kept() };
  }
}

/**
 * The submission-id step: replays dropped, conflicts reported. Every distinct id is remembered in
 * typed arrays outside the JavaScript heap, in an open-addressing hash table: its 16 bytes, the
 * first 8 bytes of its digest, its line and seq, 36 bytes with about as much again of slack, so a
 * million records cost some 50 MB (a Map of strings would cost twice that, on the heap).
 */
export class SubmissionIds implements SubmissionIdTable {
  #count = 0;
  #sids = new Uint32Array(4 * 1024);
  #digests = new Uint32Array(2 * 1024);
  #lines = new Uint32Array(1024);
  #seqs = new Float64Array(1024);
  /** Slot of each bucket, -1 when empty; at most half full. */
  #table = new Int32Array(2048).fill(-1);
  /** A random key, so that ids chosen by senders cannot pile up in one bucket. */
  readonly #key = crypto.getRandomValues(new Uint32Array(4));
  readonly #repeats = new Repeats<number>();

  get replays(): number {
    return this.#repeats.replays;
  }

  get conflicts(): number {
    return this.#repeats.conflicts;
  }

  /**
   * Looks at one record's submission id (22 characters, 16 bytes) and a digest of what it was
   * opened from (base64url, at least 8 bytes). On a conflict, returns the entry for the kept
   * record the first time.
   */
  admit(sid: string, digest: string, line: number, seq: number | undefined): 'new' | 'replay' | { kept: ConflictEntry | undefined } {
    const id = Buffer.from(sid, 'base64url');
    const d = Buffer.from(digest, 'base64url');
    if (id.length !== 16 || d.length < 8) throw new Error('a submission id is 16 bytes, a digest at least 8');
    const w0 = id.readUInt32LE(0), w1 = id.readUInt32LE(4), w2 = id.readUInt32LE(8), w3 = id.readUInt32LE(12);
    const d0 = d.readUInt32LE(0), d1 = d.readUInt32LE(4);
    const mask = this.#table.length - 1;
    let bucket = this.#hash(w0, w1, w2, w3) & mask;
    for (;;) {
      const slot = this.#table[bucket] as number;
      if (slot === -1) break;
      const s = this.#sids;
      if (s[slot * 4] === w0 && s[slot * 4 + 1] === w1 && s[slot * 4 + 2] === w2 && s[slot * 4 + 3] === w3) return this.#again(slot, sid, d0, d1, digest);
      bucket = (bucket + 1) & mask;
    }
    const slot = this.#count++;
    if (slot === this.#lines.length) this.#grow();
    this.#sids.set([w0, w1, w2, w3], slot * 4);
    this.#digests[slot * 2] = d0;
    this.#digests[slot * 2 + 1] = d1;
    this.#lines[slot] = Math.min(line, 0xffffffff);
    this.#seqs[slot] = seq ?? Number.NaN;
    this.#table[bucket] = slot;
    if (this.#count * 2 > this.#table.length) this.#rehash();
    return 'new';
  }

  #again(slot: number, sid: string, d0: number, d1: number, digest: string): 'replay' | { kept: ConflictEntry | undefined } {
    const same = this.#digests[slot * 2] === d0 && this.#digests[slot * 2 + 1] === d1;
    return this.#repeats.judge(slot, digest, same, () => keptEntry(sid, this.#lines[slot] as number, this.#seqs[slot] as number));
  }

  #hash(w0: number, w1: number, w2: number, w3: number): number {
    const k = this.#key;
    let h = Math.imul(w0 ^ (k[0] as number), 0x9e3779b1) ^ Math.imul(w1 ^ (k[1] as number), 0x85ebca77) ^ Math.imul(w2 ^ (k[2] as number), 0xc2b2ae3d) ^ Math.imul(w3 ^ (k[3] as number), 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return (h ^ (h >>> 13)) >>> 0;
  }

  #grow(): void {
    const size = this.#lines.length * 2;
    const grow = <T extends Uint32Array | Float64Array>(old: T, make: (n: number) => T, per: number): T => {
      const next = make(size * per);
      next.set(old);
      return next;
    };
    this.#sids = grow(this.#sids, (n) => new Uint32Array(n), 4);
    this.#digests = grow(this.#digests, (n) => new Uint32Array(n), 2);
    this.#lines = grow(this.#lines, (n) => new Uint32Array(n), 1);
    this.#seqs = grow(this.#seqs, (n) => new Float64Array(n), 1);
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2).fill(-1);
    const mask = table.length - 1;
    const s = this.#sids;
    for (let slot = 0; slot < this.#count; slot++) {
      let bucket = this.#hash(s[slot * 4] as number, s[slot * 4 + 1] as number, s[slot * 4 + 2] as number, s[slot * 4 + 3] as number) & mask;
      while (table[bucket] !== -1) bucket = (bucket + 1) & mask;
      table[bucket] = slot;
    }
    this.#table = table;
  }
}

/** What decrypt needs of a submission-id table ({@link SubmissionIds} or {@link SubmissionIdFile}). */
export interface SubmissionIdTable {
  admit(sid: string, digest: string, line: number, seq: number | undefined): 'new' | 'replay' | { kept: ConflictEntry | undefined };
  readonly replays: number;
  readonly conflicts: number;
}

/** One entry of {@link SubmissionIdFile}: the id's 16 bytes, 8 of its digest, its line, its seq (NaN: none). */
const ENTRY_BYTES = 36;
/** Entries gathered in memory before they are appended to the file in one write. */
const PENDING_ENTRIES = 2048;
/**
 * The most buckets of {@link SubmissionIdFile} in use before it grows. Linear probing at this load
 * walks a few buckets more than at one half, but only in memory: the tags rule out all but about
 * one bucket in 255 that is not the id's.
 */
const MAX_LOAD = 0.75;

/**
 * The submission-id step of {@link SubmissionIds}, exactly (the same ids, digests, lines and seqs
 * compared the same way), with the entries themselves in a temporary file instead of memory.
 * Entries are appended to the file in arrival order (a batch at a time); memory holds only the
 * open-addressing hash table over them: per bucket, a tag (0: empty, else 8 bits of the id's
 * hash) and the entry's number. Only an entry whose tag matches is read back, so a new id costs
 * no read and an id seen before about one. The table is sized from the input's size at the start:
 * 5 bytes per bucket, 4/3 of a bucket per record the input can hold, some 7.5 MB for a million
 * records where the entries in memory took some 50 MB (docs/benchmarks.md, cli.decrypt_rss_growth).
 * The file is created 0600 in a private directory and unlinked at once, so nothing is left behind
 * even if the process is killed; it holds submission ids, ciphertext digests, line numbers and
 * seqs, never plaintext. Call {@link close} when done.
 */
export class SubmissionIdFile implements SubmissionIdTable {
  #fd: number;
  #capacity: number;
  #tags: Uint8Array;
  #slots: Uint32Array;
  #count = 0;
  /** Entries [0, #flushed) are in the file; the others in #pending. */
  #flushed = 0;
  readonly #pending = Buffer.alloc(ENTRY_BYTES * PENDING_ENTRIES);
  readonly #entry = Buffer.alloc(ENTRY_BYTES);
  readonly #key = crypto.getRandomValues(new Uint32Array(4));
  readonly #repeats = new Repeats<string>();

  get replays(): number {
    return this.#repeats.replays;
  }

  get conflicts(): number {
    return this.#repeats.conflicts;
  }

  /** `expected`: about how many ids will come (only sizes the table: more grows it, at the cost of a rehash). */
  constructor(expected = 0) {
    this.#capacity = Math.max(1024, Math.ceil(expected / MAX_LOAD));
    this.#tags = new Uint8Array(this.#capacity);
    this.#slots = new Uint32Array(this.#capacity);
    this.#fd = temporaryFile();
  }

  admit(sid: string, digest: string, line: number, seq: number | undefined): 'new' | 'replay' | { kept: ConflictEntry | undefined } {
    const id = Buffer.from(sid, 'base64url');
    const d = Buffer.from(digest, 'base64url');
    if (id.length !== 16 || d.length < 8) throw new Error('a submission id is 16 bytes, a digest at least 8');
    const found = this.#find(id);
    if (found.hit) {
      // #entry holds the entry found.
      const entry = this.#entry;
      const keptLine = entry.readUInt32LE(24);
      const keptSeq = entry.readDoubleLE(28);
      return this.#repeats.judge(sid, digest, entry.compare(d, 0, 8, 16, 24) === 0, () => keptEntry(sid, keptLine, keptSeq));
    }
    if (this.#count >= 0xffffffff) throw new Error('too many submission ids');
    const slot = this.#count++;
    const at = (slot - this.#flushed) * ENTRY_BYTES;
    const pending = this.#pending;
    id.copy(pending, at, 0, 16);
    d.copy(pending, at + 16, 0, 8);
    pending.writeUInt32LE(Math.min(line, 0xffffffff), at + 24);
    pending.writeDoubleLE(seq ?? Number.NaN, at + 28);
    this.#tags[found.bucket] = found.tag;
    this.#slots[found.bucket] = slot;
    if (this.#count - this.#flushed === PENDING_ENTRIES) this.#flush();
    if (this.#count > this.#capacity * MAX_LOAD) this.#rehash();
    return 'new';
  }

  /** Releases the file (it is already unlinked). */
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }

  /** The bucket of `id` (hit: its entry is then in #entry), or the empty bucket where it would go. */
  #find(id: Buffer): { hit: boolean; bucket: number; tag: number } {
    const w0 = id.readUInt32LE(0), w1 = id.readUInt32LE(4), w2 = id.readUInt32LE(8), w3 = id.readUInt32LE(12);
    const { bucket: home, tag } = this.#place(w0, w1, w2, w3);
    const capacity = this.#capacity;
    const tags = this.#tags;
    for (let bucket = home; ; bucket = bucket + 1 === capacity ? 0 : bucket + 1) {
      const t = tags[bucket] as number;
      if (t === 0) return { hit: false, bucket, tag };
      if (t !== tag) continue;
      const entry = this.#read(this.#slots[bucket] as number);
      if (entry.readUInt32LE(0) === w0 && entry.readUInt32LE(4) === w1 && entry.readUInt32LE(8) === w2 && entry.readUInt32LE(12) === w3) {
        return { hit: true, bucket, tag };
      }
    }
  }

  /** Home bucket and tag: the hash's high bits choose the bucket (multiply-shift, any capacity), its low 8 bits the tag (1 to 255). */
  #place(w0: number, w1: number, w2: number, w3: number): { bucket: number; tag: number } {
    const k = this.#key;
    let h = Math.imul(w0 ^ (k[0] as number), 0x9e3779b1) ^ Math.imul(w1 ^ (k[1] as number), 0x85ebca77) ^ Math.imul(w2 ^ (k[2] as number), 0xc2b2ae3d) ^ Math.imul(w3 ^ (k[3] as number), 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h = (h ^ (h >>> 13)) >>> 0;
    return { bucket: Math.floor((h * this.#capacity) / 0x100000000), tag: ((h & 0xff) % 255) + 1 };
  }

  /** Entry number `slot`, into #entry. */
  #read(slot: number): Buffer {
    const entry = this.#entry;
    if (slot >= this.#flushed) {
      const at = (slot - this.#flushed) * ENTRY_BYTES;
      this.#pending.copy(entry, 0, at, at + ENTRY_BYTES);
    } else if (readSync(this.#fd, entry, 0, ENTRY_BYTES, slot * ENTRY_BYTES) !== ENTRY_BYTES) {
      throw new Error('short read from the submission-id table');
    }
    return entry;
  }

  /** Appends the pending entries to the file. */
  #flush(): void {
    const bytes = (this.#count - this.#flushed) * ENTRY_BYTES;
    let done = 0;
    while (done < bytes) done += writeSync(this.#fd, this.#pending, done, bytes - done, this.#flushed * ENTRY_BYTES + done);
    this.#flushed = this.#count;
  }

  /** Twice the buckets: every entry (read back in order, the file's in large reads) is placed again. */
  #rehash(): void {
    this.#flush();
    this.#capacity *= 2;
    const capacity = this.#capacity;
    const tags = (this.#tags = new Uint8Array(capacity));
    const slots = (this.#slots = new Uint32Array(capacity));
    const per = 4096;
    const chunk = Buffer.alloc(ENTRY_BYTES * per);
    for (let first = 0; first < this.#count; first += per) {
      const n = Math.min(per, this.#count - first);
      let read = 0;
      while (read < n * ENTRY_BYTES) {
        const got = readSync(this.#fd, chunk, read, n * ENTRY_BYTES - read, first * ENTRY_BYTES + read);
        if (got === 0) throw new Error('short read from the submission-id table');
        read += got;
      }
      for (let i = 0; i < n; i++) {
        const at = i * ENTRY_BYTES;
        // The ids are distinct: each goes to the first empty bucket from its home.
        const home = this.#place(chunk.readUInt32LE(at), chunk.readUInt32LE(at + 4), chunk.readUInt32LE(at + 8), chunk.readUInt32LE(at + 12));
        let bucket = home.bucket;
        while (tags[bucket] !== 0) bucket = bucket + 1 === capacity ? 0 : bucket + 1;
        tags[bucket] = home.tag;
        slots[bucket] = first + i;
      }
    }
  }
}

/** A new empty file, 0600 in a private directory, opened for reading and writing and unlinked at once. */
function temporaryFile(): number {
  const dir = mkdtempSync(join(tmpdir(), 'secure-sign-ids-'));
  const path = join(dir, 'ids');
  try {
    const fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
    return fd;
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // already unlinked
    }
    rmdirSync(dir);
  }
}

/** The entry for the left-out side of a submission-id conflict. */
export function sidConflict(record: DecryptedRecord, line: number): ConflictEntry {
  return { conflict: 'submission-id', key: record.submissionId, kept: false, line, ...(record.seq === undefined ? {} : { seq: record.seq }), record };
}

interface Variant {
  record: DecryptedRecord;
  rank: Rank;
  line: number;
  count: number;
  readonly sids: string[];
}

interface Group {
  readonly variants: Map<string, Variant>;
  listPublicly: boolean;
  contactLater: boolean;
}

/** A record kept by {@link EmailGroups}, with every submission id merged into it. */
export interface KeptRecord {
  readonly record: DecryptedRecord;
  readonly rank: Rank;
  /** Its own submission id and those of the records with the same e-mail and content. */
  readonly sids: readonly string[];
}

/** What {@link EmailGroups.finish} decided. */
export interface GroupResult {
  /** One record per e-mail key, in arrival order, consents merged. */
  readonly kept: KeptRecord[];
  /** Records merged into an earlier one with the same e-mail and content. */
  readonly merged: number;
  /** Records left out because an earlier one with the same e-mail had other content. */
  readonly conflicts: number;
  /** Entries for the conflicts file. */
  readonly entries: ConflictEntry[];
}

/** The e-mail step: one record per e-mail key (NFC, trimmed, lower-case). Holds one record per address and content. */
export class EmailGroups {
  readonly #groups = new Map<string, Group>();

  add(record: DecryptedRecord, line: number): void {
    const key = emailKey(record.signer.email);
    const rank = rankOf(record.seq, line);
    let group = this.#groups.get(key);
    if (!group) {
      group = { variants: new Map(), listPublicly: true, contactLater: true };
      this.#groups.set(key, group);
    }
    group.listPublicly &&= record.signer.consent.listPublicly;
    group.contactLater &&= record.signer.consent.contactLater;
    const content = contentKey(record.signer);
    const variant = group.variants.get(content);
    if (!variant) {
      group.variants.set(content, { record, rank, line, count: 1, sids: [record.submissionId] });
      return;
    }
    variant.count++;
    variant.sids.push(record.submissionId);
    if (earlier(rank, variant.rank)) Object.assign(variant, { record, rank, line });
  }

  finish(): GroupResult {
    const kept: KeptRecord[] = [];
    const entries: ConflictEntry[] = [];
    let merged = 0;
    let conflicts = 0;
    for (const [key, group] of this.#groups) {
      const variants = [...group.variants.values()].sort((a, b) => (earlier(a.rank, b.rank) ? -1 : 1));
      const first = variants[0] as Variant;
      const consent = { listPublicly: group.listPublicly, contactLater: group.contactLater };
      const record: DecryptedRecord = { ...first.record, signer: { ...first.record.signer, consent } };
      kept.push({ record, rank: first.rank, sids: first.sids });
      merged += first.count - 1;
      if (variants.length === 1) continue;
      for (const [i, v] of variants.entries()) {
        if (i > 0) conflicts += v.count;
        entries.push({
          conflict: 'e-mail',
          key,
          kept: i === 0,
          line: v.line,
          ...(v.record.seq === undefined ? {} : { seq: v.record.seq }),
          records: v.count,
          record: i === 0 ? record : v.record,
        });
      }
    }
    this.#groups.clear();
    kept.sort((a, b) => (earlier(a.rank, b.rank) ? -1 : 1));
    return { kept, merged, conflicts, entries };
  }
}

/** The conflicts file: created (0600, never over an existing file without --force) at the first conflict only. */
export class ConflictsFile {
  #handle: FileHandle | undefined;
  #stream: Writable | undefined;
  written = 0;

  constructor(readonly path: string, readonly force: boolean) {}

  async write(entries: readonly ConflictEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.#stream) {
      // Refused like any output if it exists (and --force is not given): an unread review is not overwritten.
      this.#handle = await createPrivateFile(this.path, this.force, 'conflicts file');
      this.#stream = this.#handle.createWriteStream();
    }
    for (const entry of entries) await write(this.#stream, JSON.stringify(entry) + '\n');
    this.written += entries.length;
  }

  /** Flushes and closes the file, if one was started. */
  async close(): Promise<void> {
    if (this.#stream) await finish(this.#stream);
  }

  /** Closes without waiting (after a failure). */
  abandon(): void {
    if (this.#stream && !this.#stream.writableFinished) this.#stream.destroy();
  }
}
