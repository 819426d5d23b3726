// The passphrase prompt on a real terminal: util-linux `script` gives the binary a pseudo-terminal,
// and we type into it only after the prompt appears, as a person would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { unlockKeyFile } from '../src/keyfile.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, envelopes, ndjson, tempDir } from './helpers.js';

const SCRIPT = '/usr/bin/script';
let t: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  t = await tempDir();
});
afterAll(() => t.cleanup());

/** Runs `command` on a pseudo-terminal, answering each prompt (matched by text) in turn. */
function onTerminal(command: string, answers: [RegExp, string][]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env = baseEnv({ SECURE_SIGN_PASSPHRASE: undefined });
    const child = spawn(SCRIPT, ['-q', '-e', '-c', command, '/dev/null'], { cwd: t.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let next = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const answer = answers[next];
      if (answer && answer[0].test(output)) {
        next++;
        child.stdin.write(answer[1] + '\r');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!existsSync(SCRIPT))('passphrase prompt on a terminal', () => {
  it('asks twice without echoing, then the key opens with that passphrase; a pipe on stdin still gets the prompt', async () => {
    const secret = 'typed on the terminal 42';
    const gen = await onTerminal(`node ${BIN} keygen --out tty.key`, [
      [/Passphrase for the new key file tty\.key: $/, secret],
      [/Same passphrase again: $/, secret],
    ]);
    expect(gen.output).not.toContain(secret);
    expect(gen.output).toMatch(/sspk1[a-z2-7]+\r?\n/);
    expect(gen.code).toBe(0);
    expect((await stat(t.path('tty.key'))).mode & 0o777).toBe(0o600);

    // stdin is a pipe here (envelopes would come through it): the prompt goes to /dev/tty.
    const piped = await onTerminal(`printf '' | node ${BIN} decrypt --key tty.key --format csv --force`, [[/Passphrase for key file tty\.key: $/, secret]]);
    expect(piped.output).not.toContain(secret);
    expect(piped.output).toContain('secure-sign: opened 0 of 0 records');
    expect(piped.code).toBe(0);

    // On a terminal, decrypt shows a progress bar on stderr; the output file is unaffected.
    const keys = await unlockKeyFile(t.path('tty.key'), secret);
    await writeFile(t.path('in.ndjson'), ndjson(await envelopes(keys, 'open-letter', 300)));
    const bar = await onTerminal(`node ${BIN} decrypt --key tty.key -i in.ndjson -o out.csv`, [[/Passphrase for key file tty\.key: $/, secret]]);
    expect(bar.output).toContain('secure-sign: decrypting [');
    expect(bar.output).toContain('secure-sign: opened 300 of 300 records');
    expect(bar.code).toBe(0);
    expect((await readFile(t.path('out.csv'), 'utf8')).split('\n')).toHaveLength(302);

    // Envelopes from a terminal make no sense: say so before asking for anything.
    const noInput = await onTerminal(`node ${BIN} decrypt --key tty.key -o x.csv`, []);
    expect(noInput.output).toBe('secure-sign: error: no input: stdin is a terminal\r\nsecure-sign: hint: pass -i envelopes.ndjson, or pipe the envelopes in\r\n');
    expect(noInput.code).toBe(2);

    const differ = await onTerminal(`node ${BIN} keygen --out other.key`, [
      [/Passphrase for the new key file other\.key: $/, 'one passphrase here'],
      [/Same passphrase again: $/, 'another passphrase'],
    ]);
    expect(differ.output).toContain('secure-sign: error: the two passphrases differ');
    expect(differ.code).toBe(1);
  });
});
