// A small tlog-tiles client for tests: what a signer's `receipt check`, staff's `pull` or a
// witness does with the collector's public log endpoints, using only the core's verifiers.
import {
  decodeEntry,
  ed25519NoteVerifier,
  entryBundlePath,
  inclusionProof,
  consistencyProof,
  leafHash,
  nodeHash,
  openCheckpoint,
  parseEntryBundle,
  tilePath,
  tileWidth,
  type HashReader,
  type NodeId,
  type VerifiedCheckpoint,
} from '@secure-sign/crypto/log';
import { createPublicKey, verify } from 'node:crypto';
import { expect } from 'vitest';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Ed25519 verification with node:crypto, in the shape the core takes. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return verify(null, message, key, signature);
}

/** Fetches a path of the collector (app.request or fetch against a server). */
export type Get = (path: string) => Promise<Response>;

/** The public log of one campaign, read over HTTP. */
export function logClient(get: Get, campaign: string) {
  const base = `/v1/campaigns/${campaign}/log/`;
  const bytes = async (path: string): Promise<Uint8Array> => {
    const response = await get(base + path);
    expect(response.status, path).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    return new Uint8Array(await response.arrayBuffer());
  };

  /** The verifier key and origin the campaign answer publishes. */
  async function identity(): Promise<{ origin: string; vkey: string; size: number }> {
    const response = await get(`/v1/campaigns/${campaign}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { log: { origin: string; vkey: string; size: number } }).log;
  }

  /** The latest checkpoint, opened with the published verifier key (throws if it does not verify). */
  async function checkpoint(): Promise<VerifiedCheckpoint & { text: string }> {
    const { origin, vkey } = await identity();
    const response = await get(`${base}checkpoint`);
    expect(response.status).toBe(200);
    const note = await response.text();
    return { ...(await openCheckpoint(note, { origin, log: ed25519NoteVerifier(vkey, ed25519Verify) })), text: note };
  }

  /** Polls until a checkpoint of at least `size` entries is served; how long it took. */
  async function waitForCheckpoint(size: number, timeoutMs = 10_000): Promise<{ checkpoint: VerifiedCheckpoint; ms: number }> {
    const started = performance.now();
    for (;;) {
      const response = await get(`${base}checkpoint`);
      if (response.status === 200) {
        await response.body?.cancel();
        const latest = await checkpoint();
        if (latest.checkpoint.size >= size) return { checkpoint: latest, ms: performance.now() - started };
      } else {
        await response.body?.cancel();
      }
      if (performance.now() - started > timeoutMs) throw new Error(`no checkpoint of size ${size} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Hashes of the tree of `size` entries, from hash tiles only (as Go's tlog.TileHashReader). */
  function reader(size: number): HashReader {
    const tiles = new Map<string, Promise<Uint8Array>>();
    const tile = (level: number, index: number) => {
      const path = tilePath(level, index, tileWidth(level, index, size));
      if (!tiles.has(path)) tiles.set(path, bytes(path));
      return tiles.get(path)!;
    };
    return {
      async readHashes(ids: readonly NodeId[]) {
        return Promise.all(
          ids.map(async ({ level, index }) => {
            const tileLevel = Math.floor(level / 8);
            const span = 2 ** (level - tileLevel * 8);
            const first = index * span;
            const body = await tile(tileLevel, Math.floor(first / 256));
            const at = first % 256;
            let hashes = Array.from({ length: span }, (_, i) => body.slice((at + i) * 32, (at + i + 1) * 32));
            while (hashes.length > 1) hashes = hashes.flatMap((h, i) => (i % 2 === 0 ? [nodeHash(h, hashes[i + 1]!)] : []));
            return hashes[0]!;
          }),
        );
      },
    };
  }

  /** Every entry of the tree of `size` entries, from entry bundles. */
  async function entries(size: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let n = 0; n * 256 < size; n++) {
      const width = Math.min(256, size - n * 256);
      out.push(...parseEntryBundle(await bytes(entryBundlePath(n, width)), width));
    }
    return out;
  }

  return {
    identity,
    checkpoint,
    waitForCheckpoint,
    reader,
    entries,
    inclusion: (index: number, size: number) => inclusionProof(reader(size), index, size),
    consistency: (size1: number, size2: number) => consistencyProof(reader(size2), size1, size2),
  };
}

/** The submission ids of entries, in log order. */
export const sidsOf = (entries: readonly Uint8Array[]) => entries.map((e) => decodeEntry(e).submissionId);

export { leafHash };
