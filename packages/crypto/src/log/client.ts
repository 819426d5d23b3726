/**
 * A client of a transparency log served over HTTP in the c2sp.org/tlog-tiles layout: the latest
 * signed checkpoint, hash tiles and entry bundles under one base URL. Browser-safe (it uses only
 * `fetch`, streams and the pure core), so staff's CLI, a signer's `receipt check` and the widget
 * can share it.
 *
 * Rules for this file:
 * - Everything the server sends is hostile until checked. Every body is read with a byte limit
 *   (a lying server cannot make a client read more than a tile, a bundle or a note is allowed to
 *   be), tiles and bundles must have exactly the length their width implies.
 * - The client does not trust tiles: it only reads hashes. Only the checkpoint is verified here
 *   (its signature, with the caller's trust); proofs built from tiles are checked by the caller
 *   with {@link verifyInclusion} / {@link verifyConsistency} against the signed root, and
 *   {@link LogClient.verifyEntries} checks entries the same way. A wrong tile thus ends as
 *   `PROOF_MISMATCH`, never as a wrong answer.
 * - Tiles are cached per reader (per tree size), never across sizes: a partial tile grows.
 *
 * @packageDocumentation
 */
import { bytesEqual } from './bytes.js';
import { checkpointConfirmed, checkpointCount, openCheckpoint, type Checkpoint, type CheckpointTrust, type VerifiedCheckpoint } from './checkpoint.js';
import { ENTRY_SIZE, tallyEntries, type EntryTally } from './entry.js';
import { LogError } from './errors.js';
import { HASH_SIZE, leafHash, nodeHash } from './hash.js';
import { MAX_NOTE_BYTES } from './note.js';
import { MAX_BUNDLE_ENTRY_BYTES, TILE_HEIGHT, TILE_WIDTH, entryBundlePath, parseEntryBundle, tilePath, tileWidth } from './tiles.js';
import { consistencyProof, inclusionProof, type HashReader, type NodeId } from './tree.js';

/** Why a {@link LogClient} request failed (as opposed to a proof that does not verify: that is a LogError). */
export type LogClientErrorCode =
  /** The server answered with another status than 200 (see `status`). */
  | 'HTTP_STATUS'
  /** The body is larger than the limit for what was asked. */
  | 'TOO_LARGE'
  /** A tile or bundle does not have the length its width implies, or an entry is too long. */
  | 'BAD_RESPONSE'
  /** `fetch` failed: no connection, aborted, timed out. */
  | 'NETWORK';

/** A failed request of a {@link LogClient}. Messages name the resource path and sizes only. */
export class LogClientError extends Error {
  readonly code: LogClientErrorCode;
  /** The HTTP status, for `HTTP_STATUS`. */
  readonly status: number | undefined;

  constructor(code: LogClientErrorCode, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogClientError';
    this.code = code;
    this.status = status;
  }
}

/** Tells whether `error` is a {@link LogClientError}, optionally of one code. */
export function isLogClientError(error: unknown, code?: LogClientErrorCode): error is LogClientError {
  return error instanceof LogClientError && (code === undefined || error.code === code);
}

/** Options of {@link createLogClient}. */
export interface LogClientOptions {
  /**
   * The log's prefix: `checkpoint` and `tile/...` are resolved against it, e.g.
   * `https://collector.example/v1/campaigns/open-letter/log/` (a missing final `/` is added).
   */
  readonly url: string | URL;
  /** Whom to trust for checkpoints: origin, log key, witnesses. */
  readonly trust: CheckpointTrust;
  /** The fetch to use (default: the global one). Injected to add timeouts or for tests. */
  readonly fetch?: (input: URL, init: RequestInit) => Promise<Response>;
  /** Largest entry accepted in a bundle, in bytes (default: {@link ENTRY_SIZE}, secure-sign's entries). */
  readonly maxEntryBytes?: number;
}

/** A log read over HTTP. See {@link createLogClient}. */
export interface LogClient {
  /**
   * Fetches the latest checkpoint and opens it with the trust given.
   *
   * @throws LogClientError if it cannot be fetched (`HTTP_STATUS` 404 while a log has no checkpoint yet).
   * @throws LogError if it does not verify (`NOTE_NOT_VERIFIED`, `NOTE_BAD_SIGNATURE`, `WRONG_ORIGIN`, `MALFORMED_*`).
   */
  checkpoint(): Promise<VerifiedCheckpoint>;
  /**
   * A {@link HashReader} over the hash tiles of the tree of `size` leaves, as Go's
   * `tlog.TileHashReader`: hashes above a tile's level are computed from the tile's hashes.
   * Tiles are fetched once per reader. The hashes are unverified: check what you build from them.
   */
  hashReader(size: number): HashReader;
  /**
   * The entries `[start, end)` of the tree of `size` leaves, from entry bundles. Unverified:
   * pass them to {@link LogClient.verifyEntries}.
   */
  entries(start: number, end: number, size: number): Promise<Uint8Array[]>;
  /** The inclusion proof of `index` in the tree of `size` leaves; check it with {@link verifyInclusion}. */
  proveInclusion(index: number, size: number): Promise<Uint8Array[]>;
  /** The consistency proof from `size1` to `size2`; check it with {@link verifyConsistency}. */
  proveConsistency(size1: number, size2: number): Promise<Uint8Array[]>;
  /**
   * Checks that `entries` are the leaves `[start, start + entries.length)` of the tree of
   * `size` leaves whose root is `root`: the root is recomputed from their leaf hashes and the
   * tiles' hashes of every other complete subtree, and must be `root`.
   *
   * @throws LogError `PROOF_MISMATCH` if they are not (an entry or a tile is not what the log signed).
   */
  verifyEntries(start: number, entries: readonly Uint8Array[], size: number, root: Uint8Array): Promise<void>;
  /**
   * Reads every entry of the checkpoint's tree, checks them against its root (as
   * {@link LogClient.verifyEntries}), recounts them ({@link tallyEntries}: every entry kind,
   * 0x01 to 0x05) and checks the checkpoint's `count` and `confirmed` lines, when it has them,
   * against the recount. Pass a checkpoint from {@link LogClient.checkpoint} (signature checked).
   *
   * @returns the verified count and confirmed count.
   * @throws LogError `PROOF_MISMATCH` (entries not what the log signed), `MALFORMED_ENTRY`,
   *   `INCONSISTENT_ENTRIES`, `MALFORMED_CHECKPOINT`, or `COUNT_MISMATCH` (a line is false);
   *   LogClientError if a bundle cannot be read.
   */
  tally(checkpoint: Checkpoint): Promise<EntryTally>;
}

function checkCount(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
}

/**
 * Reads a response body, refusing more than `max` bytes (whatever Content-Length claims).
 *
 * @throws LogClientError `TOO_LARGE` past the limit, `NETWORK` if the stream fails.
 */
async function readLimited(response: Response, max: number, path: string): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > max) {
    await response.body?.cancel().catch(() => {});
    throw new LogClientError('TOO_LARGE', `${path}: the log sent more than ${max} bytes`);
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > max) {
        await reader.cancel().catch(() => {});
        throw new LogClientError('TOO_LARGE', `${path}: the log sent more than ${max} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof LogClientError) throw error;
    throw new LogClientError('NETWORK', `${path}: the connection failed while reading`, undefined, { cause: error });
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * A client of the log at `options.url`.
 *
 * @throws TypeError if the URL is not absolute.
 * @example
 * ```ts
 * const log = createLogClient({
 *   url: 'https://collector.example/v1/campaigns/open-letter/log/',
 *   trust: { origin: vkey.name, log: ed25519NoteVerifier(vkey, sodium.crypto_sign_verify_detached) },
 * });
 * const { checkpoint } = await log.checkpoint();
 * const proof = await log.proveInclusion(receipt.index, checkpoint.size);
 * verifyInclusion(leafHash(entry), receipt.index, checkpoint.size, proof, checkpoint.rootHash);
 * ```
 */
export function createLogClient(options: LogClientOptions): LogClient {
  const base = new URL(String(options.url));
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const doFetch = options.fetch ?? ((input: URL, init: RequestInit) => globalThis.fetch(input, init));
  const maxEntryBytes = options.maxEntryBytes ?? ENTRY_SIZE;
  if (!Number.isInteger(maxEntryBytes) || maxEntryBytes < 1 || maxEntryBytes > MAX_BUNDLE_ENTRY_BYTES) {
    throw new RangeError(`maxEntryBytes must be an integer from 1 to ${MAX_BUNDLE_ENTRY_BYTES}`);
  }

  async function get(path: string, max: number): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await doFetch(new URL(path, base), { redirect: 'error' });
    } catch (error) {
      throw new LogClientError('NETWORK', `${path}: cannot reach the log`, undefined, { cause: error });
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new LogClientError('HTTP_STATUS', `${path}: the log answered ${response.status}`, response.status);
    }
    return readLimited(response, max, path);
  }

  async function checkpoint(): Promise<VerifiedCheckpoint> {
    return openCheckpoint(await get('checkpoint', MAX_NOTE_BYTES), options.trust);
  }

  function hashReader(size: number): HashReader {
    checkCount('size', size);
    const tiles = new Map<string, Promise<Uint8Array>>();
    const tile = (level: number, index: number): Promise<Uint8Array> => {
      const width = tileWidth(level, index, size);
      if (width === 0) return Promise.reject(new LogError('MISSING_HASH', `the tree of size ${size} has no tile ${index} at level ${level}`));
      const path = tilePath(level, index, width);
      let body = tiles.get(path);
      if (body === undefined) {
        body = get(path, width * HASH_SIZE).then((bytes) => {
          if (bytes.length !== width * HASH_SIZE) throw new LogClientError('BAD_RESPONSE', `${path}: a tile of ${width} hashes has ${width * HASH_SIZE} bytes, not ${bytes.length}`);
          return bytes;
        });
        // A failed fetch is not cached: the next call tries again.
        body.catch(() => tiles.delete(path));
        tiles.set(path, body);
      }
      return body;
    };
    const readHash = async ({ level, index }: NodeId): Promise<Uint8Array> => {
      checkCount('level', level);
      checkCount('index', index);
      const tileLevel = Math.floor(level / TILE_HEIGHT);
      const span = 2 ** (level - tileLevel * TILE_HEIGHT);
      const first = index * span; // at tree level tileLevel·8
      if (!Number.isSafeInteger(first + span) || (first + span) * TILE_WIDTH ** tileLevel > size) {
        throw new LogError('MISSING_HASH', `the tree of size ${size} has no complete subtree at level ${level} index ${index}`);
      }
      const tileIndex = Math.floor(first / TILE_WIDTH);
      const body = await tile(tileLevel, tileIndex);
      const at = first - tileIndex * TILE_WIDTH;
      let hashes = Array.from({ length: span }, (_, i) => body.subarray((at + i) * HASH_SIZE, (at + i + 1) * HASH_SIZE));
      while (hashes.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i < hashes.length; i += 2) next.push(nodeHash(hashes[i] as Uint8Array, hashes[i + 1] as Uint8Array));
        hashes = next;
      }
      return (hashes[0] as Uint8Array).slice();
    };
    return { readHashes: (ids) => Promise.all(ids.map(readHash)) };
  }

  async function entries(start: number, end: number, size: number): Promise<Uint8Array[]> {
    checkCount('start', start);
    checkCount('end', end);
    checkCount('size', size);
    if (start > end || end > size) throw new RangeError('entries: 0 <= start <= end <= size');
    const out: Uint8Array[] = [];
    for (let n = Math.floor(start / TILE_WIDTH); n * TILE_WIDTH < end; n++) {
      const width = tileWidth(0, n, size);
      const path = entryBundlePath(n, width);
      const bytes = await get(path, width * (2 + maxEntryBytes));
      let bundle: Uint8Array[];
      try {
        bundle = parseEntryBundle(bytes, width);
      } catch (error) {
        throw new LogClientError('BAD_RESPONSE', `${path}: not a bundle of ${width} entries`, undefined, { cause: error });
      }
      if (bundle.some((entry) => entry.length > maxEntryBytes)) throw new LogClientError('BAD_RESPONSE', `${path}: an entry is longer than ${maxEntryBytes} bytes`);
      const from = Math.max(start, n * TILE_WIDTH) - n * TILE_WIDTH;
      const to = Math.min(end, n * TILE_WIDTH + width) - n * TILE_WIDTH;
      out.push(...bundle.slice(from, to));
    }
    return out;
  }

  async function verifyEntries(start: number, list: readonly Uint8Array[], size: number, root: Uint8Array): Promise<void> {
    checkCount('start', start);
    checkCount('size', size);
    const end = start + list.length;
    if (end > size) throw new RangeError('verifyEntries: the entries must lie within the tree');
    if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw new TypeError(`root must be a ${HASH_SIZE}-byte Uint8Array`);
    if (list.length === 0) return;
    const leaves = list.map((entry) => leafHash(entry));
    // MTH(D[lo:hi]) as RFC 6962 splits it: complete subtrees outside [start, end) come from the
    // tiles, leaves inside from the entries, everything else is hashed here.
    const ids: NodeId[] = [];
    const plan = (lo: number, hi: number): void => {
      const n = hi - lo;
      const outside = hi <= start || lo >= end;
      if (outside && isPowerOfTwo(n) && lo % n === 0) {
        ids.push({ level: Math.log2(n), index: lo / n });
        return;
      }
      if (n === 1) return;
      const k = largestPowerOfTwoBelow(n);
      plan(lo, lo + k);
      plan(lo + k, hi);
    };
    plan(0, size);
    const read = await hashReader(size).readHashes(ids);
    let next = 0;
    const hash = (lo: number, hi: number): Uint8Array => {
      const n = hi - lo;
      const outside = hi <= start || lo >= end;
      if (outside && isPowerOfTwo(n) && lo % n === 0) return read[next++] as Uint8Array;
      if (n === 1) return leaves[lo - start] as Uint8Array;
      const k = largestPowerOfTwoBelow(n);
      const left = hash(lo, lo + k);
      return nodeHash(left, hash(lo + k, hi));
    };
    if (!bytesEqual(hash(0, size), root)) {
      throw new LogError('PROOF_MISMATCH', `entries ${start} to ${end - 1} do not lead to the root hash of size ${size}`);
    }
  }

  async function tally(head: Checkpoint): Promise<EntryTally> {
    const signedCount = checkpointCount(head);
    const signedConfirmed = checkpointConfirmed(head);
    const list = await entries(0, head.size, head.size);
    await verifyEntries(0, list, head.size, head.rootHash);
    const result = tallyEntries(list);
    if (signedCount !== undefined && signedCount !== result.count) {
      throw new LogError('COUNT_MISMATCH', `the checkpoint's count line says ${signedCount}, its ${head.size} entries count ${result.count}`);
    }
    if (signedConfirmed !== undefined && signedConfirmed !== result.confirmed) {
      throw new LogError('COUNT_MISMATCH', `the checkpoint's confirmed line says ${signedConfirmed}, its ${head.size} entries count ${result.confirmed} confirmed`);
    }
    return result;
  }

  return {
    checkpoint,
    tally,
    hashReader,
    entries,
    proveInclusion: (index, size) => inclusionProof(hashReader(size), index, size),
    proveConsistency: (size1, size2) => consistencyProof(hashReader(size2), size1, size2),
    verifyEntries,
  };
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
