import { formatCampaignSecretKey, parseCampaignPublicKey } from '@secure-sign/crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSPHRASE, run, tempDir } from './helpers.js';
import { unlockKeyFile } from '../src/keyfile.js';

let t: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(() => t.cleanup());

describe('keygen', () => {
  it('writes a 0600 key file, prints the public key on stdout and the fingerprint on stderr', async () => {
    const r = await run(t.dir, ['keygen', '--out', 'campaign.key']);
    expect(r.code).toBe(0);
    const keyString = r.stdout.trim();
    const publicKey = await parseCampaignPublicKey(keyString);
    expect(r.stderr).toContain(`secure-sign: fingerprint: ${publicKey.fingerprint}\n`);
    expect((await stat(t.path('campaign.key'))).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(t.path('campaign.key'), 'utf8'));
    expect(file).toMatchObject({ type: 'secure-sign campaign key', v: 1, publicKey: keyString, fingerprint: publicKey.fingerprint });
    expect(file.kdf.alg).toBe('argon2id13');
    const text = await readFile(t.path('campaign.key'), 'utf8');
    expect(text).not.toContain('sssk1');
    expect(text).not.toContain(PASSPHRASE);
    expect(r.stdout + r.stderr).not.toContain(PASSPHRASE);
  });

  it('uses moderate Argon2id limits unless the test-only variable is set', async () => {
    const r = await run(t.dir, ['keygen', '--out', 'real.key'], { env: { SECURE_SIGN_INSECURE_FAST_KDF_FOR_TESTS: undefined } });
    expect(r.code).toBe(0);
    const file = JSON.parse(await readFile(t.path('real.key'), 'utf8'));
    expect(file.kdf).toMatchObject({ opslimit: 3, memlimit: 256 * 1024 * 1024 });
  });

  it('refuses to overwrite a key file without --force', async () => {
    expect((await run(t.dir, ['keygen', '--out', 'campaign.key'])).code).toBe(0);
    const before = await readFile(t.path('campaign.key'), 'utf8');
    const r = await run(t.dir, ['keygen', '--out', 'campaign.key']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('secure-sign: error: key file campaign.key already exists\nsecure-sign: hint: choose another name, or pass --force to overwrite it\n');
    expect(await readFile(t.path('campaign.key'), 'utf8')).toBe(before);
    const forced = await run(t.dir, ['keygen', '--out', 'campaign.key', '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(t.path('campaign.key'), 'utf8')).not.toBe(before);
  });

  it('reads the passphrase from --passphrase-file, and fails without any source', async () => {
    await writeFile(t.path('pass.txt'), 'file passphrase, long enough\n');
    expect((await run(t.dir, ['keygen', '--out', 'k.key', '--passphrase-file', 'pass.txt'], { env: { SECURE_SIGN_PASSPHRASE: undefined } })).code).toBe(0);
    const ok = await run(t.dir, ['pubkey', '--key', 'k.key', '--check', '--passphrase-file', 'pass.txt']);
    expect(ok.code).toBe(0);
    const none = await run(t.dir, ['keygen', '--out', 'k2.key'], { env: { SECURE_SIGN_PASSPHRASE: undefined } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^secure-sign: error: no passphrase: .*\nsecure-sign: hint: /);
  });
});

describe('pubkey, fingerprint and a wrong passphrase', () => {
  it('prints the public part without a passphrase and checks it with one', async () => {
    const gen = await run(t.dir, ['keygen', '--out', 'campaign.key']);
    const publicKey = await parseCampaignPublicKey(gen.stdout.trim());
    const noPass = { SECURE_SIGN_PASSPHRASE: undefined };
    expect(await run(t.dir, ['pubkey', '--key', 'campaign.key'], { env: noPass })).toMatchObject({ code: 0, stdout: publicKey.keyString + '\n' });
    expect(await run(t.dir, ['fingerprint', '--key', 'campaign.key'], { env: noPass })).toMatchObject({ code: 0, stdout: publicKey.fingerprint + '\n' });
    expect(await run(t.dir, ['fingerprint', '--public-key', publicKey.keyString])).toMatchObject({ code: 0, stdout: publicKey.fingerprint + '\n' });
    expect(await run(t.dir, ['pubkey', '--key', 'campaign.key', '--check'])).toMatchObject({ code: 0, stdout: publicKey.keyString + '\n' });
  });

  it('says clearly that the passphrase is wrong, without echoing it', async () => {
    await run(t.dir, ['keygen', '--out', 'campaign.key']);
    const r = await run(t.dir, ['pubkey', '--key', 'campaign.key', '--check'], { env: { SECURE_SIGN_PASSPHRASE: 'not the passphrase' } });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('secure-sign: error: wrong passphrase for key file campaign.key (or the file is damaged)\nsecure-sign: hint: check the passphrase and try again\n');
  });

  it('refuses a key file whose clear public key was swapped for another', async () => {
    await run(t.dir, ['keygen', '--out', 'a.key']);
    const other = await run(t.dir, ['keygen', '--out', 'b.key']);
    const file = JSON.parse(await readFile(t.path('a.key'), 'utf8'));
    const otherKey = await parseCampaignPublicKey(other.stdout.trim());
    await writeFile(t.path('a.key'), JSON.stringify({ ...file, publicKey: otherKey.keyString, fingerprint: otherKey.fingerprint }));
    const r = await run(t.dir, ['pubkey', '--key', 'a.key', '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('secure-sign: error: key file a.key: the public key stored in it does not match its secret key\n');
  });

  it('shows the fingerprint @secure-sign/crypto computes from the key, whatever the file stores (a file from before the 160-bit fingerprint opens)', async () => {
    const gen = await run(t.dir, ['keygen', '--out', 'older.key']);
    const publicKey = await parseCampaignPublicKey(gen.stdout.trim());
    const file = JSON.parse(await readFile(t.path('older.key'), 'utf8'));
    expect(file.fingerprint).toBe(publicKey.fingerprint);
    // As keygen wrote it before the fingerprint grew: a shorter prefix of groups.
    const groups = publicKey.fingerprint.split(' ');
    expect(groups.length).toBeGreaterThan(4);
    await writeFile(t.path('older.key'), JSON.stringify({ ...file, fingerprint: groups.slice(0, 4).join(' ') }), { mode: 0o600 });
    expect(await run(t.dir, ['fingerprint', '--key', 'older.key'])).toMatchObject({ code: 0, stdout: publicKey.fingerprint + '\n' });
    const checked = await run(t.dir, ['fingerprint', '--key', 'older.key', '--check']);
    expect(checked).toMatchObject({ code: 0, stdout: publicKey.fingerprint + '\n' });
  });

  it('refuses a file that is not a key file, and warns when a key file is readable by others', async () => {
    await writeFile(t.path('x.key'), '{"hello":1}', { mode: 0o644 });
    const r = await run(t.dir, ['pubkey', '--key', 'x.key']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'secure-sign: warning: key file x.key can be read by other users (chmod 600 x.key)\n' +
        'secure-sign: error: x.key is not a valid secure-sign key file\nsecure-sign: hint: pass the file written by `secure-sign keygen`\n',
    );
  });
});

describe('Argon2id limits of a key file (issue 15)', () => {
  /** A key file that really opens with PASSPHRASE, but whose Argon2id limits are the ones given. */
  async function weakKeyFile(opslimit: number, memlimit: number): Promise<string> {
    expect((await run(t.dir, ['keygen', '--out', 'strong.key', '--force'])).code).toBe(0);
    const strong = JSON.parse(await readFile(t.path('strong.key'), 'utf8'));
    const keys = await unlockKeyFile(t.path('strong.key'), PASSPHRASE);
    const { default: sodium } = await import('libsodium-wrappers-sumo');
    await sodium.ready;
    const b64 = (bytes: Uint8Array): string => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
    const salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
    const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
    const key = sodium.crypto_pwhash(32, sodium.from_string(PASSPHRASE), salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
    const weak = {
      ...strong,
      kdf: { alg: 'argon2id13', opslimit, memlimit, salt: b64(salt) },
      cipher: { alg: 'xsalsa20poly1305', nonce: b64(nonce) },
      secretKey: b64(sodium.crypto_secretbox_easy(sodium.from_string(formatCampaignSecretKey(keys)), nonce, key)),
    };
    await writeFile(t.path('weak.key'), JSON.stringify(weak, null, 2) + '\n', { mode: 0o600 });
    return 'weak.key';
  }

  it('refuses to unlock a file whose limits are below libsodium\'s interactive ones, before asking for the passphrase', async () => {
    for (const [opslimit, memlimit] of [[1, 8192], [1, 64 * 1024 * 1024], [2, 64 * 1024 * 1024 - 1024]] as const) {
      const file = await weakKeyFile(opslimit, memlimit);
      const r = await run(t.dir, ['pubkey', '--key', file, '--check']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `secure-sign: error: key file ${file} asks for Argon2id limits below libsodium's interactive ones (opslimit ${opslimit}, memlimit ${memlimit}; at least 2 and 67108864 (64 MiB) are required): it is broken or was tampered with\n` +
          'secure-sign: hint: use your backup of the file written by secure-sign keygen\n',
      );
      // No passphrase source at all: still this error (status 1), not "no passphrase" (status 2).
      const asked = await run(t.dir, ['decrypt', '--key', file, '-i', '/dev/null'], { env: { SECURE_SIGN_PASSPHRASE: undefined } });
      expect(asked.code).toBe(1);
      expect(asked.stderr).toContain('below libsodium\'s interactive ones');
      // Its public part still reads: nothing is derived from the passphrase for that.
      expect((await run(t.dir, ['pubkey', '--key', file])).code).toBe(0);
    }
  });

  it('unlocks files at the interactive limits, which the test-only variable writes', async () => {
    await weakKeyFile(2, 64 * 1024 * 1024);
    const file = JSON.parse(await readFile(t.path('strong.key'), 'utf8'));
    expect(file.kdf).toMatchObject({ opslimit: 2, memlimit: 64 * 1024 * 1024 });
    expect((await run(t.dir, ['pubkey', '--key', 'strong.key', '--check'])).code).toBe(0);
    expect((await run(t.dir, ['pubkey', '--key', 'weak.key', '--check'])).code).toBe(0);
  });
});
