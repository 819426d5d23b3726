// How output files are created: 0600, never replaced without --force, never through a symbolic
// link, and special files (/dev/null, pipes) written as they are without touching their mode.
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, tempDir } from './helpers.js';

let t: Awaited<ReturnType<typeof tempDir>>;
const record = JSON.stringify({
  campaign: 'open-letter',
  submissionId: 'q3V8rS0pXb8nR2oVb6Q3Eg',
  createdAt: '2026-11-27T10:00:00.000Z',
  signer: { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } },
}) + '\n';
beforeAll(async () => {
  t = await tempDir();
});
afterAll(() => t.cleanup());

describe('output files', () => {
  it('with --force, replaces a world-readable file and makes it 0600', async () => {
    await writeFile(t.path('wall-data.json'), 'old content', { mode: 0o644 });
    const refused = await run(t.dir, ['wall', 'build', '-o', 'wall-data.json'], { stdin: record });
    expect(refused.code).toBe(1);
    expect(await readFile(t.path('wall-data.json'), 'utf8')).toBe('old content');
    const forced = await run(t.dir, ['wall', 'build', '-o', 'wall-data.json', '--force'], { stdin: record });
    expect(forced.code).toBe(0);
    expect(JSON.parse(await readFile(t.path('wall-data.json'), 'utf8'))).toEqual({ entries: [{ name: 'Ada', kind: 'individual' }] });
    expect((await stat(t.path('wall-data.json'))).mode & 0o777).toBe(0o600);
  });

  it('refuses to write through a symbolic link, even with --force', async () => {
    await writeFile(t.path('target.txt'), 'keep me', { mode: 0o644 });
    await symlink(t.path('target.txt'), t.path('link.json'));
    const r = await run(t.dir, ['wall', 'build', '-o', 'link.json', '--force'], { stdin: record });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('secure-sign: error: cannot open output file link.json: is a symbolic link (refused: give the real path)\n');
    expect(await readFile(t.path('target.txt'), 'utf8')).toBe('keep me');
    expect((await stat(t.path('target.txt'))).mode & 0o777).toBe(0o644);
  });

  it('writes to /dev/null without --force and leaves its mode alone', async () => {
    const before = (await stat('/dev/null')).mode;
    const r = await run(t.dir, ['wall', 'build', '-o', '/dev/null', '--force'], { stdin: record });
    expect(r).toMatchObject({ code: 0, stdout: '' });
    const plain = await run(t.dir, ['wall', 'build', '-o', '/dev/null'], { stdin: record });
    expect(plain.code).toBe(0);
    expect((await stat('/dev/null')).mode).toBe(before);
  });
});
