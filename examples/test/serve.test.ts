// The example server serves the widget's files as docs/embedding.md tells self-hosting partners to:
// compressed by Accept-Encoding (brotli, else gzip), Vary: Accept-Encoding, and the hashed chunks
// cached for a year (issue 19). Needs the widget's build (dist/).
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleServer } from '../serve.mjs';

const dist = fileURLToPath(new URL('../../packages/widget/dist/', import.meta.url));

function get(url: string, acceptEncoding?: string): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('example server: the widget files', () => {
  let server: { url: string; close: () => Promise<void> };
  const lazy = readdirSync(dist).find((name) => /^ss-lazy-.*\.js$/.test(name))!;
  beforeAll(async () => {
    server = await startExampleServer({ campaign: 'open-letter', campaignKey: 'sspk1x', collectorUrl: 'http://127.0.0.1:1' });
  });
  afterAll(() => server.close());

  it('compresses by Accept-Encoding, brotli first, and says Vary', async () => {
    const original = readFileSync(`${dist}${lazy}`);
    const br = await get(`${server.url}/widget/${lazy}`, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    expect(br.body.length).toBeLessThan(original.length / 2);
    const gz = await get(`${server.url}/widget/${lazy}`, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);
    const plain = await get(`${server.url}/widget/${lazy}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
  });

  it('caches hashed chunks for a year, and the entry, whose name stays, never without asking', async () => {
    const chunks = readdirSync(dist).filter((name) => /^ss-.*\.js$/.test(name));
    expect(chunks).toEqual(expect.arrayContaining([expect.stringMatching(/^ss-log-count-/), expect.stringMatching(/^ss-worker-code-/)]));
    for (const chunk of chunks) {
      expect((await get(`${server.url}/widget/${chunk}`, 'br')).headers['cache-control'], chunk).toBe('public, max-age=31536000, immutable');
    }
    expect((await get(`${server.url}/widget/secure-sign.js`, 'br')).headers['cache-control']).toBe('no-cache');
    expect((await get(`${server.url}/widget/pow-worker.js`, 'br')).headers['cache-control']).toBe('no-cache');
  });
});
