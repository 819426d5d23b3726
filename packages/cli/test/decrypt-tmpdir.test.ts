// decrypt keeps the submission ids it has seen in a temporary file (arrival.ts, SubmissionIdFile).
// If none can be created, it says so and stops: no hang (no worker left running), no output file.
// The same for an input it cannot read (read first, for withdrawals and confirmations). An input
// that can be read only once (a named pipe, a shell's <(…)) is copied to that folder first.
import { execFileSync, spawn } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopes, keygen, ndjson, run, tempDir } from './helpers.js';

let t: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  t = await tempDir();
  const keys = await keygen(t.dir);
  await writeFile(t.path('few.ndjson'), ndjson(await envelopes(keys, 'open-letter', 3)));
});
afterAll(() => t.cleanup());

describe('decrypt without a usable temporary folder', () => {
  it('fails with a clear error, writes no output file, and exits', async () => {
    const missing = t.path('no-such-folder');
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'few.ndjson', '-o', 'few.csv'], { env: { TMPDIR: missing } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`secure-sign: error: cannot create a temporary file in ${missing}: no such file or directory\nsecure-sign: hint: check the path\n`);
    await expect(access(t.path('few.csv'))).rejects.toThrow();
  }, 60_000);

  it('works again with one', async () => {
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'few.ndjson', '-o', 'few.csv'], { env: { TMPDIR: t.dir } });
    expect(r).toMatchObject({ code: 0, stderr: 'secure-sign: opened 3 of 3 records\n' });
  }, 60_000);
});

describe('decrypt of an input it cannot read', () => {
  it('fails with a clear error, writes no output file, and exits', async () => {
    await mkdir(t.path('a-folder'));
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'a-folder', '-o', 'folder.csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('secure-sign: error: cannot read a-folder: is a directory\n');
    await expect(access(t.path('folder.csv'))).rejects.toThrow();
  }, 60_000);
});

describe('decrypt of a named pipe', () => {
  it("reads it once into a temporary file and opens every record (it used to hang; a shell's <(…) gave 0 of 0 records)", async () => {
    execFileSync('mkfifo', [t.path('envelopes.pipe')]);
    const writer = spawn('sh', ['-c', 'cat few.ndjson > envelopes.pipe'], { cwd: t.dir, stdio: 'ignore' });
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'envelopes.pipe', '-o', 'piped.csv']);
    writer.kill();
    expect(r).toMatchObject({ code: 0, stderr: 'secure-sign: opened 3 of 3 records\n' });
    expect((await readFile(t.path('piped.csv'), 'utf8')).trim().split('\n')).toHaveLength(4);
  }, 60_000);
});
