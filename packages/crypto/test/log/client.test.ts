// The HTTP log client against a fake tlog-tiles server backed by MemoryTree: the checkpoint it
// signs, the tiles and bundles it serves; and the same server lying in the ways a hostile log can.
import { describe, expect, it } from 'vitest';
import {
  LogClientError,
  LogError,
  MemoryTree,
  checkpointConfirmed,
  createLogClient,
  encodeEntry,
  formatConfirmedLine,
  formatCountLine,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  entryBundlePath,
  formatCheckpoint,
  formatEntryBundle,
  formatVerifierKey,
  leafHash,
  readTile,
  signNote,
  tilePath,
  tileWidth,
  verifyConsistency,
  verifyInclusion,
  type LogClient,
} from '../../src/log/index.js';
import { ed25519Key, ed25519Verify } from './support.js';

const ORIGIN = 'collector.example/open-letter';
const BASE = 'https://collector.example/v1/campaigns/open-letter/log/';

interface FakeLog {
  tree: MemoryTree;
  entries: Uint8Array[];
  vkey: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Replaces the answer to a path when it returns a Response. */
  lie: (path: string, honest: () => Promise<Response>) => Promise<Response>;
  /** Signs a checkpoint of the current tree (or of `size`). */
  sign(size?: number): Promise<void>;
  fetch: (input: URL, init: RequestInit) => Promise<Response>;
}

/** `n` distinct 49-byte entries, like the collector's. */
function logEntries(n: number, from = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const entry = new Uint8Array(49);
    entry[0] = 1;
    new DataView(entry.buffer).setUint32(1, from + i);
    return entry;
  });
}

async function fakeLog(n: number, options: { entries?: Uint8Array[]; extensions?: () => string[] } = {}): Promise<FakeLog> {
  const key = ed25519Key();
  const signer = ed25519NoteSigner(ORIGIN, key.publicKey, key.sign);
  const tree = new MemoryTree();
  const entries = options.entries ?? logEntries(n);
  tree.appendAll(entries.map((e) => leafHash(e)));
  let note = '';
  const log: FakeLog = {
    tree,
    entries,
    vkey: formatVerifierKey(ORIGIN, key.publicKey),
    requests: [],
    lie: (_path, honest) => honest(),
    async sign(size = tree.size) {
      const extensions = options.extensions?.() ?? [];
      note = await signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: tree.root(size), ...(extensions.length > 0 ? { extensions } : {}) }), [signer]);
    },
    async fetch(input) {
      const path = input.href.slice(BASE.length);
      log.requests.push(path);
      const honest = async (): Promise<Response> => {
        if (path === 'checkpoint') return new Response(note, { status: 200 });
        const tile = /^tile\/(\d+)\/(\d+)(?:\.p\/(\d+))?$/.exec(path);
        if (tile) {
          const [level, index, width] = [Number(tile[1]), Number(tile[2]), tile[3] === undefined ? 256 : Number(tile[3])];
          if (tileWidth(level, index, tree.size) < width) return new Response('not yet', { status: 404 });
          return new Response(await readTile(tree, level, index, width));
        }
        const bundle = /^tile\/entries\/(\d+)(?:\.p\/(\d+))?$/.exec(path);
        if (bundle) {
          const [index, width] = [Number(bundle[1]), bundle[2] === undefined ? 256 : Number(bundle[2])];
          return new Response(formatEntryBundle(log.entries.slice(index * 256, index * 256 + width)));
        }
        return new Response('no', { status: 404 });
      };
      return log.lie(path, honest);
    },
  };
  await log.sign();
  return log;
}

function client(log: FakeLog, vkey = log.vkey): LogClient {
  return createLogClient({ url: BASE, trust: { origin: ORIGIN, log: ed25519NoteVerifier(vkey, ed25519Verify) }, fetch: log.fetch });
}

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof LogError || error instanceof LogClientError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('log client against an honest log', () => {
  it('opens the checkpoint with the pinned key and refuses another key', async () => {
    const log = await fakeLog(5);
    const { checkpoint } = await client(log).checkpoint();
    expect(checkpoint.size).toBe(5);
    expect(checkpoint.rootHash).toEqual(log.tree.root());
    const other = formatVerifierKey(ORIGIN, ed25519Key().publicKey);
    expect(await failure(() => client(log, other).checkpoint())).toBe('NOTE_NOT_VERIFIED');
  });

  it('builds inclusion and consistency proofs that verify, across partial and full tiles and tile levels', async () => {
    const log = await fakeLog(70_000);
    const c = client(log);
    for (const size of [1, 2, 255, 256, 257, 1000, 65_536, 65_537, 70_000]) {
      const root = log.tree.root(size);
      for (const index of new Set([0, size - 1, Math.floor(size / 2), Math.min(size - 1, 256), Math.min(size - 1, 65_535)])) {
        const proof = await c.proveInclusion(index, size);
        expect(proof).toEqual(log.tree.inclusionProof(index, size));
        verifyInclusion(leafHash(log.entries[index]!), index, size, proof, root);
      }
      for (const size1 of new Set([1, Math.max(1, size - 1), Math.ceil(size / 3)])) {
        const proof = await c.proveConsistency(size1, size);
        verifyConsistency(size1, size, proof, log.tree.root(size1), root);
      }
    }
  });

  it('reads entries from bundles and verifies ranges of them against the signed root', async () => {
    const log = await fakeLog(600);
    const c = client(log);
    for (const size of [1, 255, 256, 257, 600]) {
      for (const [start, end] of [[0, size], [0, 1], [size - 1, size], [Math.floor(size / 3), Math.ceil((2 * size) / 3)]] as const) {
        const entries = await c.entries(start, end, size);
        expect(entries).toEqual(log.entries.slice(start, end));
        await c.verifyEntries(start, entries, size, log.tree.root(size));
      }
    }
  });

  it('fetches each tile once per reader', async () => {
    const log = await fakeLog(1000);
    const c = client(log);
    await c.verifyEntries(0, log.entries.slice(0, 1000), 1000, log.tree.root());
    const reader = c.hashReader(1000);
    log.requests.length = 0;
    await reader.readHashes([{ level: 0, index: 3 }, { level: 1, index: 7 }, { level: 0, index: 9 }]);
    await reader.readHashes([{ level: 2, index: 1 }]);
    expect(log.requests).toEqual([tilePath(0, 0)]);
  });
});

describe('log client against a lying log', () => {
  it('a wrong tile byte makes the proofs built from it fail with PROOF_MISMATCH', async () => {
    const log = await fakeLog(300);
    log.lie = async (path, honest) => {
      const response = await honest();
      if (path !== tilePath(0, 0)) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      bytes[5 * 32] = (bytes[5 * 32] as number) ^ 1; // the leaf hash of entry 5
      return new Response(bytes);
    };
    const c = client(log);
    const { checkpoint } = await c.checkpoint();
    // Entry 4's proof starts with entry 5's (lying) leaf hash.
    const proof = await c.proveInclusion(4, checkpoint.size);
    expect(await failure(async () => verifyInclusion(leafHash(log.entries[4]!), 4, checkpoint.size, proof, checkpoint.rootHash))).toBe('PROOF_MISMATCH');
    const consistency = await c.proveConsistency(5, checkpoint.size);
    expect(await failure(async () => verifyConsistency(5, checkpoint.size, consistency, log.tree.root(5), checkpoint.rootHash))).toBe('PROOF_MISMATCH');
    // Entries checked with the lying hash among the tile hashes cannot come out right either.
    expect(await failure(() => c.verifyEntries(100, log.entries.slice(100, 300), checkpoint.size, checkpoint.rootHash))).toBe('PROOF_MISMATCH');
    // (Entries 256 to 299 use the level-1 tile for the first 256 leaves: the lie is not read, and they verify.)
    await c.verifyEntries(256, log.entries.slice(256, 300), checkpoint.size, checkpoint.rootHash);
  });

  it('an entry bundle with a changed, missing or extra entry does not verify', async () => {
    const log = await fakeLog(40);
    const c = client(log);
    const { checkpoint } = await c.checkpoint();
    const changed = log.entries.slice();
    changed[7] = logEntries(1, 1_000)[0]!;
    log.entries = changed;
    expect(await failure(async () => c.verifyEntries(0, await c.entries(0, 40, 40), checkpoint.size, checkpoint.rootHash))).toBe('PROOF_MISMATCH');
    // A bundle of another width than the tree implies is refused when read.
    log.entries = changed.slice(0, 39);
    expect(await failure(() => c.entries(0, 40, 40))).toBe('BAD_RESPONSE');
  });

  it('refuses bodies past their limit, tiles of the wrong length, and error statuses', async () => {
    const log = await fakeLog(10);
    const c = client(log);
    log.lie = async (path, honest) => {
      if (path === 'checkpoint') {
        // An endless stream: the client must stop reading.
        let sent = 0;
        return new Response(
          new ReadableStream({
            pull(controller) {
              sent += 65_536;
              if (sent > 50 * 1024 * 1024) throw new Error('the client read far past its limit');
              controller.enqueue(new Uint8Array(65_536).fill(0x41));
            },
          }),
        );
      }
      if (path === tilePath(0, 0, 10)) return new Response(new Uint8Array(9 * 32));
      if (path === entryBundlePath(0, 10)) return new Response(new Uint8Array(10 * 51 + 1), { headers: { 'content-length': String(10 * 51 + 1) } });
      return honest();
    };
    expect(await failure(() => c.checkpoint())).toBe('TOO_LARGE');
    expect(await failure(() => c.proveInclusion(3, 10))).toBe('BAD_RESPONSE');
    expect(await failure(() => c.entries(0, 10, 10))).toBe('TOO_LARGE');
    log.lie = async () => new Response('gone', { status: 404 });
    const error = await c.checkpoint().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogClientError);
    expect((error as LogClientError).status).toBe(404);
    log.lie = () => Promise.reject(new TypeError('fetch failed'));
    expect(await failure(() => c.checkpoint())).toBe('NETWORK');
  });

  it('asks for no hash beyond the tree it was given', async () => {
    const log = await fakeLog(10);
    const reader = client(log).hashReader(10);
    expect(await failure(async () => reader.readHashes([{ level: 0, index: 10 }]))).toBe('MISSING_HASH');
    expect(await failure(async () => reader.readHashes([{ level: 4, index: 0 }]))).toBe('MISSING_HASH');
  });
});

describe('log client tally of the confirmed count (issue 16)', () => {
  const sid = (n: number) => Buffer.from(Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? n : 7))).toString('base64url');
  const secret = (n: number) => Uint8Array.from({ length: 32 }, () => n);
  // 3 stored; the first confirmed, the second disowned, the third confirmed then withdrawn: count 1, confirmed 1.
  const mixed = (): Uint8Array[] => [
    encodeEntry({ kind: 'stored', submissionId: sid(1), envelopeHash: secret(1) }),
    encodeEntry({ kind: 'stored', submissionId: sid(2), envelopeHash: secret(2) }),
    encodeEntry({ kind: 'stored', submissionId: sid(3), envelopeHash: secret(3) }),
    encodeEntry({ kind: 'confirmed', submissionId: sid(1), confirmationSecret: secret(11) }),
    encodeEntry({ kind: 'disowned', submissionId: sid(2), confirmationSecret: secret(12) }),
    encodeEntry({ kind: 'confirmed', submissionId: sid(3), confirmationSecret: secret(13) }),
    encodeEntry({ kind: 'withdrawal', submissionId: sid(3), withdrawalSecret: secret(23) }),
  ];

  it('reads entries of every kind, checks them against the root and gives the count and confirmed count', async () => {
    const log = await fakeLog(0, { entries: mixed(), extensions: () => [formatCountLine(1), formatConfirmedLine(1)] });
    const { checkpoint } = await client(log).checkpoint();
    expect(checkpointConfirmed(checkpoint)).toBe(1);
    expect(await client(log).tally(checkpoint)).toEqual({ count: 1, confirmed: 1 });
  });

  it('refuses a checkpoint whose confirmed line is not the recount', async () => {
    const log = await fakeLog(0, { entries: mixed(), extensions: () => [formatCountLine(1), formatConfirmedLine(0)] });
    const { checkpoint } = await client(log).checkpoint();
    expect(await failure(() => client(log).tally(checkpoint))).toBe('COUNT_MISMATCH');
  });

  it('refuses a checkpoint whose count line is not the recount', async () => {
    const log = await fakeLog(0, { entries: mixed(), extensions: () => [formatCountLine(2), formatConfirmedLine(1)] });
    const { checkpoint } = await client(log).checkpoint();
    expect(await failure(() => client(log).tally(checkpoint))).toBe('COUNT_MISMATCH');
  });

  it('refuses entries that are not the ones the checkpoint signs', async () => {
    const log = await fakeLog(0, { entries: mixed(), extensions: () => [formatCountLine(1), formatConfirmedLine(1)] });
    const { checkpoint } = await client(log).checkpoint();
    // The collector serves a bundle where the disowning is a confirmation (count 2, confirmed 2).
    const forged = mixed();
    (forged[4] as Uint8Array)[0] = 4;
    log.entries = forged;
    expect(await failure(() => client(log).tally(checkpoint))).toBe('PROOF_MISMATCH');
  });
});
