// Resource paths and contents of c2sp.org/tlog-tiles:
//   tile/<L>/<N>[.p/<W>]        hashes: 256 (or W) consecutive stored hashes at tree level 8·L
//   tile/entries/<N>[.p/<W>]    entry bundles: big-endian uint16 length-prefixed entries
// <N> is the index in zero-padded groups of three digits, all but the last prefixed with `x`
// (1234067 → x001/x234/067). Parsing accepts only the canonical spelling of a path.
import { concat } from './bytes.js';
import { LogError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import type { HashReader, NodeId } from './tree.js';

/** Hashes (or entries) in a full tile. */
export const TILE_WIDTH = 256;
/** Tree levels spanned by one tile level (256 = 2^8). */
export const TILE_HEIGHT = 8;
/** The largest tile level the spec allows. */
export const MAX_TILE_LEVEL = 63;
/** The largest entry an entry bundle can carry (uint16 length). */
export const MAX_BUNDLE_ENTRY_BYTES = 65535;

/** A parsed tile path. `width` is 256 for a full tile. */
export type TilePath =
  | { readonly kind: 'hashes'; readonly level: number; readonly index: number; readonly width: number }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

function checkIndex(index: unknown): asserts index is number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw new RangeError('index must be a non-negative safe integer');
}

function checkLevel(level: unknown): asserts level is number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new RangeError(`level must be an integer from 0 to ${MAX_TILE_LEVEL}`);
  }
}

function checkWidth(width: unknown): asserts width is number {
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new RangeError(`width must be an integer from 1 to ${TILE_WIDTH}`);
  }
}

function encodeIndex(index: number): string {
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

function suffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/**
 * The path of a hash tile, relative to the log's prefix.
 *
 * @param width - hashes in the tile: 256 (the default) for a full tile, 1 to 255 for a partial one.
 * @throws RangeError if level is not 0-63, index is negative, or width is not 1-256.
 * @example
 * ```ts
 * tilePath(0, 1234067);     // 'tile/0/x001/x234/067'
 * tilePath(1, 3, 17);       // 'tile/1/003.p/17'
 * ```
 */
export function tilePath(level: number, index: number, width: number = TILE_WIDTH): string {
  checkLevel(level);
  checkIndex(index);
  checkWidth(width);
  return `tile/${level}/${encodeIndex(index)}${suffix(width)}`;
}

/**
 * The path of an entry bundle, relative to the log's prefix.
 *
 * @example
 * ```ts
 * entryBundlePath(1234067);  // 'tile/entries/x001/x234/067'
 * entryBundlePath(0, 5);     // 'tile/entries/000.p/5'
 * ```
 */
export function entryBundlePath(index: number, width: number = TILE_WIDTH): string {
  checkIndex(index);
  checkWidth(width);
  return `tile/entries/${encodeIndex(index)}${suffix(width)}`;
}

const PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses a tile or entry-bundle path (relative to the log's prefix, as {@link tilePath} writes it).
 * Only the canonical spelling is accepted: `tile/0/x000/001` and `tile/0/001.p/256` are refused.
 *
 * @throws LogError `MALFORMED_TILE_PATH` for anything else.
 * @example
 * ```ts
 * parseTilePath('tile/2/000.p/1'); // { kind: 'hashes', level: 2, index: 0, width: 1 }
 * ```
 */
export function parseTilePath(path: string): TilePath {
  const malformed = () => new LogError('MALFORMED_TILE_PATH', 'not a canonical tlog-tiles path');
  if (typeof path !== 'string' || path.length > 200) throw malformed();
  const match = PATH.exec(path);
  if (!match) throw malformed();
  const [, levelText, indexText, widthText] = match as unknown as [string, string, string, string | undefined];
  const index = Number(indexText.replaceAll('x', '').replaceAll('/', ''));
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (!Number.isSafeInteger(index) || width > TILE_WIDTH) throw malformed();
  if (levelText === 'entries') {
    if (entryBundlePath(index, width) !== path) throw malformed();
    return { kind: 'entries', index, width };
  }
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL || tilePath(level, index, width) !== path) throw malformed();
  return { kind: 'hashes', level, index, width };
}

/**
 * How many hashes tile `index` at `level` has in a tree of `treeSize` leaves: 256 for a full tile,
 * 1 to 255 for the partial tile at the right edge, 0 if the tile does not exist (yet).
 * The same holds for entry bundles at level 0.
 *
 * @example
 * ```ts
 * tileWidth(0, 273, 70_000); // 112
 * tileWidth(1, 1, 70_000);   // 17
 * ```
 */
export function tileWidth(level: number, index: number, treeSize: number): number {
  checkLevel(level);
  checkIndex(index);
  checkIndex(treeSize);
  const below = Math.floor(treeSize / TILE_WIDTH ** level); // complete entries of this level
  return Math.max(0, Math.min(TILE_WIDTH, below - index * TILE_WIDTH));
}

/** The ids of the stored hashes that make up a tile, in order. */
export function tileNodeIds(level: number, index: number, width: number = TILE_WIDTH): NodeId[] {
  checkLevel(level);
  checkIndex(index);
  checkWidth(width);
  if (!Number.isSafeInteger(index * TILE_WIDTH + width)) throw new RangeError('index is too large');
  return Array.from({ length: width }, (_, i) => ({ level: level * TILE_HEIGHT, index: index * TILE_WIDTH + i }));
}

/**
 * The content of a hash tile: `width` concatenated 32-byte hashes read from stored hashes.
 *
 * @throws LogError `MISSING_HASH` if the reader does not return every hash.
 * @example
 * ```ts
 * const body = await readTile(store, 0, 0, tileWidth(0, 0, checkpoint.size));
 * ```
 */
export async function readTile(reader: HashReader, level: number, index: number, width: number = TILE_WIDTH): Promise<Uint8Array> {
  const ids = tileNodeIds(level, index, width);
  const hashes = await reader.readHashes(ids);
  if (!Array.isArray(hashes) || hashes.length !== ids.length || hashes.some((h) => !(h instanceof Uint8Array) || h.length !== HASH_SIZE)) {
    throw new LogError('MISSING_HASH', `the hash reader did not return the ${ids.length} hashes of the tile`);
  }
  return concat(hashes);
}

/**
 * An entry bundle: each entry as a big-endian uint16 length and its bytes.
 *
 * @throws RangeError if there are more than 256 entries or one is longer than 65535 bytes.
 */
export function formatEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 0 || entries.length > TILE_WIDTH) throw new RangeError(`a bundle has 1 to ${TILE_WIDTH} entries`);
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    if (!(entry instanceof Uint8Array) || entry.length > MAX_BUNDLE_ENTRY_BYTES) throw new RangeError(`an entry must be a Uint8Array of at most ${MAX_BUNDLE_ENTRY_BYTES} bytes`);
    parts.push(new Uint8Array([entry.length >> 8, entry.length & 0xff]), entry);
  }
  return concat(parts);
}

/**
 * Splits an entry bundle into its entries.
 *
 * @param width - if given, the number of entries the bundle must hold.
 * @throws LogError `MALFORMED_ENTRY` if the bundle is truncated, has trailing bytes, or holds another number of entries.
 */
export function parseEntryBundle(bundle: Uint8Array, width?: number): Uint8Array[] {
  if (!(bundle instanceof Uint8Array)) throw new TypeError('bundle must be a Uint8Array');
  if (width !== undefined) checkWidth(width);
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bundle.length) {
    if (entries.length === TILE_WIDTH) throw new LogError('MALFORMED_ENTRY', `the bundle holds more than ${TILE_WIDTH} entries`);
    if (at + 2 > bundle.length) throw new LogError('MALFORMED_ENTRY', 'the bundle ends inside a length');
    const length = ((bundle[at] as number) << 8) | (bundle[at + 1] as number);
    at += 2;
    if (at + length > bundle.length) throw new LogError('MALFORMED_ENTRY', 'the bundle ends inside an entry');
    entries.push(bundle.slice(at, at + length));
    at += length;
  }
  if (width !== undefined && entries.length !== width) throw new LogError('MALFORMED_ENTRY', `the bundle holds ${entries.length} entries, not ${width}`);
  return entries;
}
