/**
 * Building a log's Merkle tree and its proofs from stored hashes.
 *
 * Storage model (the one tlog-tiles serves): the log stores the hash of every *complete* subtree,
 * named by a {@link NodeId} `(level, index)`: the Merkle Tree Hash of the 2^level leaves
 * `[index·2^level, (index+1)·2^level)`. Level 0 holds the leaf hashes. These hashes never change
 * once written, so an append only adds rows, and a tile of tlog-tiles at level L is 256
 * consecutive stored hashes at level 8·L.
 *
 * Every root and proof for any tree size is computed from such hashes: each hash a proof needs is
 * the hash of a range of leaves, and each range splits into at most ~2·log2(size) complete
 * subtrees. The functions below first list the ids they need, ask the {@link HashReader} for all
 * of them at once (one database round trip), then hash.
 *
 * Sizes and indexes are JavaScript numbers, so they are limited to 2^53 - 1; no arithmetic here
 * uses 32-bit bit operators.
 *
 * @packageDocumentation
 */
import { LogError } from './errors.js';
import { checkHashArgument, emptyRootHash, HASH_SIZE, leafHash, nodeHash, splitPoint } from './hash.js';

/** The id of a stored hash: the complete subtree of 2^level leaves starting at leaf index·2^level. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A stored hash and its id, as {@link hashesToAppend} returns them for the log to store. */
export interface StoredHash {
  readonly id: NodeId;
  readonly hash: Uint8Array;
}

/**
 * Reads stored hashes of complete subtrees. The collector backs it with its database; the answer
 * has one 32-byte hash per id, in the order asked.
 */
export interface HashReader {
  readHashes(ids: readonly NodeId[]): readonly Uint8Array[] | PromiseLike<readonly Uint8Array[]>;
}

/** A {@link HashReader} that answers synchronously (an in-memory tree, a synchronous SQLite driver). */
export interface SyncHashReader extends HashReader {
  readHashes(ids: readonly NodeId[]): readonly Uint8Array[];
}

type Range = readonly [start: number, end: number];

function checkSize(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer`);
  }
}

/** The complete subtrees that make up `[start, end)`, left to right, largest first. */
function rangeNodes([start, end]: Range, out: NodeId[]): void {
  let at = start;
  while (at < end) {
    let size = 1;
    let level = 0;
    while (at % (size * 2) === 0 && at + size * 2 <= end) {
      size *= 2;
      level++;
    }
    out.push({ level, index: at / size });
    at += size;
  }
}

/** RFC 6962 §2.1.1 PATH(index, D[start:end]), as ranges whose hashes are the proof, bottom up. */
function inclusionRanges(index: number, start: number, end: number): Range[] {
  const out: Range[] = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      out.push([start + k, end]);
      end = start + k;
    } else {
      out.push([start, start + k]);
      start += k;
    }
  }
  return out.reverse();
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), as ranges, bottom up. */
function consistencyRanges(m: number, n: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  let end = n;
  let complete = true;
  for (;;) {
    if (m === end - start) {
      if (!complete) out.push([start, end]);
      break;
    }
    const k = splitPoint(end - start);
    if (m <= k) {
      out.push([start + k, end]);
      end = start + k;
    } else {
      out.push([start, start + k]);
      m -= k;
      start += k;
      complete = false;
    }
  }
  return out.reverse();
}

function idKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/** The ids to read for `ranges`, without duplicates. */
function idsFor(ranges: readonly Range[]): NodeId[] {
  const seen = new Set<string>();
  const ids: NodeId[] = [];
  const nodes: NodeId[] = [];
  for (const range of ranges) rangeNodes(range, nodes);
  for (const id of nodes) {
    const key = idKey(id);
    if (!seen.has(key)) {
      seen.add(key);
      ids.push(id);
    }
  }
  return ids;
}

function checkAnswer(ids: readonly NodeId[], hashes: readonly Uint8Array[]): Map<string, Uint8Array> {
  if (!Array.isArray(hashes) || hashes.length !== ids.length) {
    throw new LogError('MISSING_HASH', `the hash reader returned ${Array.isArray(hashes) ? hashes.length : 'no'} hashes for ${ids.length} ids`);
  }
  const map = new Map<string, Uint8Array>();
  ids.forEach((id, i) => {
    const hash = hashes[i];
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
      throw new LogError('MISSING_HASH', `the hash reader returned no ${HASH_SIZE}-byte hash for level ${id.level} index ${id.index}`);
    }
    map.set(idKey(id), hash);
  });
  return map;
}

/** The Merkle Tree Hash of each range: the right-to-left fold of its complete subtrees. */
function hashRanges(ranges: readonly Range[], hashes: Map<string, Uint8Array>): Uint8Array[] {
  return ranges.map((range) => {
    const nodes: NodeId[] = [];
    rangeNodes(range, nodes);
    let hash = hashes.get(idKey(nodes[nodes.length - 1] as NodeId)) as Uint8Array;
    for (let i = nodes.length - 2; i >= 0; i--) hash = nodeHash(hashes.get(idKey(nodes[i] as NodeId)) as Uint8Array, hash);
    return hash.slice();
  });
}

// A plan: the ranges whose hashes make the answer. Executed synchronously or not.
type Plan = { ranges: Range[]; ids: NodeId[] };

function plan(ranges: Range[]): Plan {
  return { ranges, ids: idsFor(ranges) };
}

function rootPlan(size: number): Plan {
  checkSize('size', size);
  return plan(size === 0 ? [] : [[0, size]]);
}

function inclusionPlan(index: number, size: number): Plan {
  checkSize('index', index);
  checkSize('size', size);
  if (index >= size) throw new RangeError('index must be less than size');
  return plan(inclusionRanges(index, 0, size));
}

function consistencyPlan(size1: number, size2: number): Plan {
  checkSize('size1', size1);
  checkSize('size2', size2);
  if (size1 === 0) throw new RangeError('size1 must be at least 1 (every tree is consistent with the empty tree; there is no proof to make)');
  if (size1 > size2) throw new RangeError('size1 must not exceed size2');
  return plan(size1 === size2 ? [] : consistencyRanges(size1, size2));
}

function run(p: Plan, hashes: readonly Uint8Array[]): Uint8Array[] {
  return hashRanges(p.ranges, checkAnswer(p.ids, hashes));
}

function read(reader: SyncHashReader, ids: readonly NodeId[]): readonly Uint8Array[] {
  return ids.length === 0 ? [] : reader.readHashes(ids);
}

async function readAsync(reader: HashReader, ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
  return ids.length === 0 ? [] : await reader.readHashes(ids);
}

/**
 * The root hash of the tree of the first `size` leaves.
 *
 * @throws RangeError if `size` is not a non-negative safe integer.
 * @throws LogError `MISSING_HASH` if the reader does not return every hash asked for.
 * @example
 * ```ts
 * const root = await treeRoot(store, 1234);
 * ```
 */
export async function treeRoot(reader: HashReader, size: number): Promise<Uint8Array> {
  const p = rootPlan(size);
  return size === 0 ? emptyRootHash() : (run(p, await readAsync(reader, p.ids))[0] as Uint8Array);
}

/** {@link treeRoot} with a synchronous reader. */
export function treeRootSync(reader: SyncHashReader, size: number): Uint8Array {
  const p = rootPlan(size);
  return size === 0 ? emptyRootHash() : (run(p, read(reader, p.ids))[0] as Uint8Array);
}

/**
 * The inclusion proof (RFC 6962 §2.1.1 audit path, bottom up) of leaf `index` in the tree of
 * `size` leaves.
 *
 * @throws RangeError unless 0 <= index < size.
 * @throws LogError `MISSING_HASH` if the reader does not return every hash asked for.
 * @example
 * ```ts
 * const proof = await inclusionProof(store, 7, checkpoint.size);
 * verifyInclusion(leafHash(entry), 7, checkpoint.size, proof, checkpoint.rootHash);
 * ```
 */
export async function inclusionProof(reader: HashReader, index: number, size: number): Promise<Uint8Array[]> {
  const p = inclusionPlan(index, size);
  return run(p, await readAsync(reader, p.ids));
}

/** {@link inclusionProof} with a synchronous reader. */
export function inclusionProofSync(reader: SyncHashReader, index: number, size: number): Uint8Array[] {
  const p = inclusionPlan(index, size);
  return run(p, read(reader, p.ids));
}

/**
 * The consistency proof (RFC 6962 §2.1.2) from the tree of `size1` leaves to the tree of `size2`
 * leaves. Empty when the sizes are equal.
 *
 * @throws RangeError unless 1 <= size1 <= size2 (no proof exists from the empty tree).
 * @throws LogError `MISSING_HASH` if the reader does not return every hash asked for.
 * @example
 * ```ts
 * const proof = await consistencyProof(store, previous.size, latest.size);
 * ```
 */
export async function consistencyProof(reader: HashReader, size1: number, size2: number): Promise<Uint8Array[]> {
  const p = consistencyPlan(size1, size2);
  return run(p, await readAsync(reader, p.ids));
}

/** {@link consistencyProof} with a synchronous reader. */
export function consistencyProofSync(reader: SyncHashReader, size1: number, size2: number): Uint8Array[] {
  const p = consistencyPlan(size1, size2);
  return run(p, read(reader, p.ids));
}

/** The ids of the largest complete subtrees of a tree of `size` leaves, left to right. */
function peakIds(size: number): NodeId[] {
  const ids: NodeId[] = [];
  rangeNodes([0, size], ids);
  return ids;
}

function appendWithPeaks(size: number, peaks: readonly Uint8Array[], leafHashes: readonly Uint8Array[]): StoredHash[] {
  const ids = peakIds(size);
  const map = checkAnswer(ids, peaks);
  type Peak = { level: number; index: number; hash: Uint8Array };
  const stack: Peak[] = ids.map((id) => ({ ...id, hash: map.get(idKey(id)) as Uint8Array }));
  const out: StoredHash[] = [];
  leafHashes.forEach((hash, i) => {
    let node: Peak = { level: 0, index: size + i, hash: hash.slice() };
    out.push({ id: { level: 0, index: node.index }, hash: node.hash });
    // The new leaf completes a subtree for each trailing 1 bit of its index.
    for (;;) {
      const left = stack[stack.length - 1];
      if (left === undefined || left.level !== node.level) break;
      stack.pop();
      node = { level: node.level + 1, index: left.index / 2, hash: nodeHash(left.hash, node.hash) };
      out.push({ id: { level: node.level, index: node.index }, hash: node.hash });
    }
    stack.push(node);
  });
  return out;
}

function appendPlan(size: number, leafHashes: readonly Uint8Array[]): NodeId[] {
  checkSize('size', size);
  if (!Array.isArray(leafHashes)) throw new TypeError('leafHashes must be an array');
  leafHashes.forEach((hash, i) => checkHashArgument(`leafHashes[${i}]`, hash));
  if (!Number.isSafeInteger(size + leafHashes.length)) throw new RangeError('the tree would exceed 2^53 - 1 leaves');
  return peakIds(size);
}

/**
 * The hashes a log must store to append `leafHashes` to its tree of `size` leaves: every new
 * complete subtree, leaves first. It reads the few stored hashes it needs (the largest complete
 * subtrees of the current tree). Storing them and the new size in one transaction keeps the
 * stored tree consistent.
 *
 * @throws TypeError if a leaf hash is not 32 bytes.
 * @throws LogError `MISSING_HASH` if the reader does not return every hash asked for.
 * @example
 * ```ts
 * for (const { id, hash } of await hashesToAppend(store, size, [leafHash(entry)])) {
 *   await db.insertHash(campaign, id.level, id.index, hash);
 * }
 * ```
 */
export async function hashesToAppend(reader: HashReader, size: number, leafHashes: readonly Uint8Array[]): Promise<StoredHash[]> {
  const ids = appendPlan(size, leafHashes);
  if (leafHashes.length === 0) return [];
  return appendWithPeaks(size, await readAsync(reader, ids), leafHashes);
}

/** {@link hashesToAppend} with a synchronous reader. */
export function hashesToAppendSync(reader: SyncHashReader, size: number, leafHashes: readonly Uint8Array[]): StoredHash[] {
  const ids = appendPlan(size, leafHashes);
  if (leafHashes.length === 0) return [];
  return appendWithPeaks(size, read(reader, ids), leafHashes);
}

/**
 * An in-memory log tree: the stored hashes of every complete subtree, and the proofs for any
 * size up to the current one. It is also the reference {@link SyncHashReader}.
 *
 * @example
 * ```ts
 * const tree = new MemoryTree();
 * tree.appendEntry(entry1);
 * tree.appendEntry(entry2);
 * const proof = tree.inclusionProof(0, tree.size);
 * verifyInclusion(leafHash(entry1), 0, tree.size, proof, tree.root());
 * ```
 */
export class MemoryTree implements SyncHashReader {
  readonly #levels: Uint8Array[][] = [];
  #size = 0;

  /** Number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf by its leaf hash; returns its index. */
  append(leafHashValue: Uint8Array): number {
    this.appendAll([leafHashValue]);
    return this.#size - 1;
  }

  /** Appends one entry (hashed with {@link leafHash}); returns its index. */
  appendEntry(entry: Uint8Array): number {
    return this.append(leafHash(entry));
  }

  /** Appends leaves by their leaf hashes; returns the stored hashes that were added. */
  appendAll(leafHashes: readonly Uint8Array[]): StoredHash[] {
    const added = hashesToAppendSync(this, this.#size, leafHashes);
    for (const { id, hash } of added) {
      let level = this.#levels[id.level];
      if (level === undefined) this.#levels[id.level] = level = [];
      level[id.index] = hash;
    }
    this.#size += leafHashes.length;
    return added;
  }

  /** @throws LogError `MISSING_HASH` for an id of a subtree that is not complete yet. */
  readHashes(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map(({ level, index }) => {
      const hash = this.#levels[level]?.[index];
      if (hash === undefined) throw new LogError('MISSING_HASH', `no stored hash at level ${level} index ${index}`);
      return hash.slice();
    });
  }

  /** The root hash of the tree of the first `size` leaves (default: all). */
  root(size: number = this.#size): Uint8Array {
    this.#checkWithin('size', size);
    return treeRootSync(this, size);
  }

  /** The inclusion proof of leaf `index` in the tree of `size` leaves (default: all). */
  inclusionProof(index: number, size: number = this.#size): Uint8Array[] {
    this.#checkWithin('size', size);
    return inclusionProofSync(this, index, size);
  }

  /** The consistency proof from the tree of `size1` leaves to the tree of `size2` (default: all). */
  consistencyProof(size1: number, size2: number = this.#size): Uint8Array[] {
    this.#checkWithin('size2', size2);
    return consistencyProofSync(this, size1, size2);
  }

  #checkWithin(name: string, size: number): void {
    checkSize(name, size);
    if (size > this.#size) throw new RangeError(`${name} must not exceed the tree size`);
  }
}
