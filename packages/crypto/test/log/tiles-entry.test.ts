// tlog-tiles paths and contents, and the entry encoding.
import { describe, expect, it } from 'vitest';
import {
  ENTRY_SIZE,
  LogError,
  MemoryTree,
  decodeEntry,
  encodeEntry,
  entryBundlePath,
  envelopeHash,
  formatEntryBundle,
  leafHash,
  parseEntryBundle,
  parseTilePath,
  readTile,
  rootHash,
  tileNodeIds,
  tilePath,
  tileWidth,
} from '../../src/log/index.js';
import { entries, fromHex, hex } from './support.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof LogError) return error.code;
    return (error as Error).name;
  }
  return 'accepted';
}

describe('tlog-tiles paths', () => {
  it('encodes indexes as the specification shows', () => {
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(tilePath(0, 0)).toBe('tile/0/000');
    expect(tilePath(3, 999)).toBe('tile/3/999');
    expect(tilePath(1, 1000)).toBe('tile/1/x001/000');
    expect(tilePath(63, 5, 255)).toBe('tile/63/005.p/255');
    expect(tilePath(1, 3, 17)).toBe('tile/1/003.p/17');
    expect(tilePath(0, 7, 256)).toBe('tile/0/007');
    expect(entryBundlePath(1234067)).toBe('tile/entries/x001/x234/067');
    expect(entryBundlePath(0, 5)).toBe('tile/entries/000.p/5');
    expect(tilePath(0, 2 ** 53 - 1)).toBe('tile/0/x009/x007/x199/x254/x740/991');
  });

  it('refuses arguments outside the specification', () => {
    expect(() => tilePath(64, 0)).toThrow(RangeError);
    expect(() => tilePath(-1, 0)).toThrow(RangeError);
    expect(() => tilePath(0, -1)).toThrow(RangeError);
    expect(() => tilePath(0, 0, 0)).toThrow(RangeError);
    expect(() => tilePath(0, 0, 257)).toThrow(RangeError);
    expect(() => entryBundlePath(1.5)).toThrow(RangeError);
  });

  it('parses what it writes, and only that', () => {
    for (const [level, index, width] of [[0, 0, 256], [0, 1234067, 256], [5, 1000, 1], [63, 999_999, 255]] as const) {
      expect(parseTilePath(tilePath(level, index, width))).toEqual({ kind: 'hashes', level, index, width });
      expect(parseTilePath(entryBundlePath(index, width))).toEqual({ kind: 'entries', index, width });
    }
    for (const path of [
      'tile/0/x000/001', // a superfluous leading group
      'tile/0/1', // not three digits
      'tile/0/0001',
      'tile/00/001',
      'tile/64/001',
      'tile/0/001.p/256',
      'tile/0/001.p/0',
      'tile/0/001.p/010',
      'tile/0/001.p/',
      'tile/0/x001',
      'tile/0/001/x002',
      '/tile/0/001',
      'tile/0/001/',
      'tile/entry/001',
      'tile/entries/x000/001',
      'tile/0/x009/x007/x199/x254/x740/992', // 2^53
      'tile/0/０01',
    ]) {
      expect(codeOf(() => parseTilePath(path)), path).toBe('MALFORMED_TILE_PATH');
    }
  });

  it('counts tile widths as the specification example (a tree of 70,000 entries)', () => {
    const size = 70_000;
    expect(tileWidth(0, 272, size)).toBe(256);
    expect(tileWidth(0, 273, size)).toBe(112);
    expect(tileWidth(0, 274, size)).toBe(0);
    expect(tileWidth(1, 0, size)).toBe(256);
    expect(tileWidth(1, 1, size)).toBe(17);
    expect(tileWidth(2, 0, size)).toBe(1);
    expect(tileWidth(3, 0, size)).toBe(0);
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1"
    expect([tileWidth(0, 0, 256), tileWidth(0, 1, 256), tileWidth(1, 0, 256)]).toEqual([256, 0, 1]);
  });

  it('serves tile contents from stored hashes: level-0 leaf hashes, level-1 hashes of full tiles', async () => {
    const items = entries(600);
    const tree = new MemoryTree();
    items.forEach((item) => tree.appendEntry(item));
    const leaves = items.map(leafHash);
    const level0 = await readTile(tree, 0, 2, tileWidth(0, 2, 600));
    expect(level0.length).toBe(88 * 32);
    expect(hex(level0.slice(0, 32))).toBe(hex(leaves[512]!));
    expect(hex(level0.slice(-32))).toBe(hex(leaves[599]!));
    const level1 = await readTile(tree, 1, 0, tileWidth(1, 0, 600));
    expect(level1.length).toBe(2 * 32);
    expect(hex(level1.slice(32))).toBe(hex(rootHash(leaves.slice(256, 512))));
    expect(tileNodeIds(1, 2, 2)).toEqual([{ level: 8, index: 512 }, { level: 8, index: 513 }]);
    await expect(readTile(tree, 0, 2)).rejects.toMatchObject({ code: 'MISSING_HASH' }); // not full yet
  });

  it('writes and reads entry bundles of uint16 length-prefixed entries', () => {
    const bundle = formatEntryBundle([new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(9)]);
    expect(hex(bundle.slice(0, 8))).toBe('0003010203000001');
    expect(bundle.length).toBe(2 + 3 + 2 + 0 + 2 + 300);
    expect(parseEntryBundle(bundle, 3).map((e) => e.length)).toEqual([3, 0, 300]);
    expect(codeOf(() => parseEntryBundle(bundle, 2))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => parseEntryBundle(bundle.slice(0, -1)))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => parseEntryBundle(new Uint8Array([0])))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => parseEntryBundle(new Uint8Array(2 * 257)))).toBe('MALFORMED_ENTRY'); // 257 empty entries
    expect(() => formatEntryBundle([new Uint8Array(65536)])).toThrow(RangeError);
    expect(() => formatEntryBundle([])).toThrow(RangeError);
  });
});

describe('entry encoding (format.md §8)', () => {
  // Vectors: submission id = bytes 00..0f, withdrawal secret = 32 bytes f0, envelope text as below
  // (its wh is the hash of that secret).
  const submissionId = 'AAECAwQFBgcICQoLDA0ODw';
  const envelope =
    '{"v":1,"campaign":"open-letter","kid":"aaaaaaaaaaaaaaaa","sid":"AAECAwQFBgcICQoLDA0ODw","wh":"guVifxGSzJKvW26TVjXyF1dWR9Of3bhJ7JMBMxP0D5w","ct":"AA"}';
  const secret = fromHex('f0'.repeat(32));

  it('encodes a stored envelope as 0x01 || sid || SHA-256(envelope bytes)', () => {
    const hash = envelopeHash(envelope);
    expect(hex(hash)).toBe(hex(envelopeHash(new TextEncoder().encode(envelope))));
    const entry = encodeEntry({ kind: 'stored', submissionId, envelopeHash: hash });
    expect(entry.length).toBe(ENTRY_SIZE);
    expect(hex(entry)).toBe(`01000102030405060708090a0b0c0d0e0f${hex(hash)}`);
    expect(hex(hash)).toBe('8e80c3c437740e854b59e29534b049f48c892f810258842af50034053d30243d');
    expect(hex(leafHash(entry))).toBe('e614f20c0f4314b6cdfe79c700402c59ff259899fcc2b49248a0cc666e0b7e0f');
    expect(decodeEntry(entry)).toEqual({ kind: 'stored', submissionId, envelopeHash: hash });
  });

  it('encodes a withdrawal as 0x02 || sid || the revealed secret', () => {
    const entry = encodeEntry({ kind: 'withdrawal', submissionId, withdrawalSecret: secret });
    expect(hex(entry)).toBe(`02000102030405060708090a0b0c0d0e0f${'f0'.repeat(32)}`);
    expect(hex(leafHash(entry))).toBe('def7243e6d7349ad33d7be678c90eba1e5570f4c68e9583d906d354bdad4f77f');
    expect(decodeEntry(entry)).toEqual({ kind: 'withdrawal', submissionId, withdrawalSecret: secret });
  });

  it('encodes a removal by the operator as 0x03 || sid || 32 zero bytes', () => {
    const entry = encodeEntry({ kind: 'removed', submissionId });
    expect(hex(entry)).toBe(`03000102030405060708090a0b0c0d0e0f${'00'.repeat(32)}`);
    expect(hex(leafHash(entry))).toBe('389cd4d636cfc3bfa8c20d34f8a437f6002901ed23344362e95dbc90cf523104');
    expect(decodeEntry(entry)).toEqual({ kind: 'removed', submissionId });
  });

  it('refuses malformed entries and arguments', () => {
    const entry = encodeEntry({ kind: 'withdrawal', submissionId, withdrawalSecret: secret });
    expect(codeOf(() => decodeEntry(entry.slice(1)))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => decodeEntry(new Uint8Array([...entry, 0])))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => decodeEntry(new Uint8Array([6, ...entry.slice(1)])))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => decodeEntry(new Uint8Array([0, ...entry.slice(1)])))).toBe('MALFORMED_ENTRY');
    // Kind 0x03 carries nothing: any non-zero value byte is refused.
    const removed = encodeEntry({ kind: 'removed', submissionId });
    for (const at of [17, 30, 48]) {
      const bad = removed.slice();
      bad[at] = 1;
      expect(codeOf(() => decodeEntry(bad)), String(at)).toBe('MALFORMED_ENTRY');
    }
    expect(codeOf(() => decodeEntry(new Uint8Array([3, ...entry.slice(1)])))).toBe('MALFORMED_ENTRY');
    expect(() => encodeEntry({ kind: 'stored', submissionId: 'AAECAwQFBgcICQoLDA0ODx', envelopeHash: secret })).toThrow(TypeError);
    expect(() => encodeEntry({ kind: 'stored', submissionId: 'AAECAwQFBgcICQoLDA0OD', envelopeHash: secret })).toThrow(TypeError);
    expect(() => encodeEntry({ kind: 'stored', submissionId, envelopeHash: secret.slice(1) })).toThrow(TypeError);
    expect(() => encodeEntry({ kind: 'removed', submissionId: 'short' })).toThrow(TypeError);
    expect(() => encodeEntry({ kind: 'other', submissionId } as never)).toThrow(TypeError);
  });
});
