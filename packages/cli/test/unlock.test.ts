// Unlocking a key file runs Argon2id (256 MiB by design) in a short-lived child process: the
// decrypting process never carries that memory, and the secret comes back over the IPC channel,
// never through the child's arguments or environment.
import { sealSubmission } from '@secure-sign/crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyFilePublicKey } from '../src/keyfile.js';
import { BIN, PASSPHRASE, baseEnv, run, signer, tempDir } from './helpers.js';

/** Reads a /proc file, or undefined if the process is gone. */
function proc(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch {
    return undefined;
  }
}

describe('unlocking in a child process', () => {
  it('decrypt unlocks a 256 MiB Argon2id key file in a child, with nothing in its arguments or environment, and peaks far below 256 MiB itself', async () => {
    const t = await tempDir();
    try {
      // Real limits (libsodium's "moderate": 256 MiB, 3 passes), not the tests' fast ones.
      const made = await run(t.dir, ['keygen', '--out', 'strong.key'], { env: { SECURE_SIGN_INSECURE_FAST_KDF_FOR_TESTS: undefined } });
      expect(made.code, made.stderr).toBe(0);
      expect(JSON.parse(readFileSync(t.path('strong.key'), 'utf8')).kdf.memlimit).toBe(256 * 1024 * 1024);
      const publicKey = await keyFilePublicKey(t.path('strong.key'));
      const lines: string[] = [];
      for (let i = 0; i < 20; i++) lines.push(JSON.stringify(await sealSubmission({ publicKey, campaign: 'unlock-test', signer: signer(i) })));
      writeFileSync(t.path('in.ndjson'), lines.join('\n') + '\n');

      const child = spawn(process.execPath, [BIN, 'decrypt', '--key', 'strong.key', '-i', 'in.ndjson', '-o', 'out.ndjson'], {
        cwd: t.dir,
        env: baseEnv({ SECURE_SIGN_INSECURE_FAST_KDF_FOR_TESTS: undefined }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const pid = child.pid as number;
      let peakKb = 0;
      const children = new Map<number, { cmdline: string; environ: string; peakKb: number }>();
      const sample = (): void => {
        const status = proc(pid, 'status');
        const hwm = status && /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
        for (const id of (proc(pid, `task/${pid}/children`) ?? '').split(' ').filter(Boolean).map(Number)) {
          const cmdline = proc(id, 'cmdline');
          const environ = proc(id, 'environ');
          const childStatus = proc(id, 'status');
          const childHwm = childStatus && /VmHWM:\s+(\d+) kB/.exec(childStatus);
          if (cmdline === undefined || environ === undefined) continue;
          const seen = children.get(id);
          children.set(id, { cmdline, environ, peakKb: Math.max(seen?.peakKb ?? 0, childHwm ? Number(childHwm[1]) : 0) });
        }
      };
      const timer = setInterval(sample, 5);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearInterval(timer);
      expect(code, stderr).toBe(0);
      expect(readFileSync(t.path('out.ndjson'), 'utf8').trim().split('\n')).toHaveLength(20);

      // The unlock ran in a child of its own, which carried Argon2id's memory...
      const unlockers = [...children.values()].filter((c) => c.cmdline.includes('kdf-worker.js'));
      expect(unlockers).toHaveLength(1);
      const unlocker = unlockers[0] as { cmdline: string; environ: string; peakKb: number };
      expect(unlocker.peakKb / 1024).toBeGreaterThan(256);
      // ...with neither the passphrase nor any key in its arguments or environment.
      // (Node itself sets only the IPC channel's descriptor and serialization there.)
      const names = unlocker.environ.split('\0').filter(Boolean).map((entry) => entry.slice(0, entry.indexOf('=')));
      expect(names.sort()).toEqual(['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']);
      expect(unlocker.environ).not.toContain(PASSPHRASE);
      expect(unlocker.cmdline).not.toContain(PASSPHRASE);
      expect(unlocker.cmdline).not.toContain('sssk1');
      // The decrypting process (main thread and workers) never held those 256 MiB.
      expect(peakKb).toBeGreaterThan(0);
      expect(peakKb / 1024).toBeLessThan(200);
    } finally {
      await t.cleanup();
    }
  });

  it('a wrong passphrase fails in the child and is reported as such, with no key material in the message', async () => {
    const t = await tempDir();
    try {
      expect((await run(t.dir, ['keygen', '--out', 'c.key'])).code).toBe(0);
      writeFileSync(t.path('in.ndjson'), '');
      const result = await run(t.dir, ['decrypt', '--key', 'c.key', '-i', 'in.ndjson', '-o', 'out.ndjson'], { env: { SECURE_SIGN_PASSPHRASE: 'not the passphrase' } });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('wrong passphrase for key file c.key');
      expect(result.stderr).not.toContain('sssk1');
      expect(result.stderr).not.toContain('not the passphrase');
    } finally {
      await t.cleanup();
    }
  });
});
