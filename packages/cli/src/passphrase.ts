// Where a key file's passphrase comes from, in this order: --passphrase-file, the
// SECURE_SIGN_PASSPHRASE environment variable, or a prompt on the terminal that does not echo.
// A passphrase is never printed, logged or put into an error message.

import { openSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ReadStream, WriteStream } from 'node:tty';
import { CliError, EXIT } from './errors.js';
import { readSmallFile, say } from './io.js';

/** Where to look for a passphrase. */
export interface PassphraseSource {
  /** --passphrase-file: the first line of this file is the passphrase. */
  readonly file?: string | undefined;
}

/** The environment variable that may hold the passphrase (for automation). */
export const PASSPHRASE_ENV = 'SECURE_SIGN_PASSPHRASE';

/**
 * Gets the passphrase for a key file.
 *
 * @param confirm - ask twice on a terminal (when creating a key).
 * @throws {@link CliError} if there is no source, the source is empty, or the two entries differ.
 */
export async function getPassphrase(source: PassphraseSource, purpose: string, confirm = false): Promise<string> {
  let passphrase: string;
  if (source.file !== undefined) {
    const text = await readSmallFile(source.file, 64 * 1024, 'passphrase file');
    if (((await stat(source.file)).mode & 0o077) !== 0) say(`warning: passphrase file ${source.file} can be read by other users (chmod 600 ${source.file})`);
    passphrase = text.split(/\r?\n/, 1)[0] ?? '';
  } else if (process.env[PASSPHRASE_ENV] !== undefined) {
    passphrase = process.env[PASSPHRASE_ENV] ?? '';
  } else if ((terminal ??= openTerminal()) !== undefined) {
    passphrase = await prompt(terminal, `Passphrase for ${purpose}: `);
    if (confirm) {
      const again = await prompt(terminal, 'Same passphrase again: ');
      if (again !== passphrase) throw new CliError('the two passphrases differ', 'run the command again and type the same passphrase twice');
    }
  } else {
    throw new CliError(
      'no passphrase: not on a terminal, and neither --passphrase-file nor ' + PASSPHRASE_ENV + ' is given',
      'run it in a terminal, or pass --passphrase-file FILE',
      EXIT.USAGE,
    );
  }
  if (passphrase.length === 0) throw new CliError('the passphrase is empty', 'use a long passphrase, e.g. five random words');
  return passphrase;
}

interface Terminal {
  readonly input: ReadStream;
  readonly output: NodeJS.WritableStream;
}

let terminal: Terminal | undefined;

/**
 * The terminal to prompt on: stdin when it is one, else the controlling terminal (/dev/tty), so
 * that `cat envelopes.ndjson | secure-sign decrypt ...` can still ask for the passphrase.
 */
function openTerminal(): Terminal | undefined {
  if (process.stdin.isTTY) return { input: process.stdin, output: process.stderr };
  try {
    const fd = openSync('/dev/tty', 'r+');
    const input = new ReadStream(fd);
    return { input, output: new WriteStream(fd) };
  } catch {
    return undefined;
  }
}

/** Reads one line from the terminal without echoing it. */
function prompt(terminal: Terminal, question: string): Promise<string> {
  const stdin = terminal.input;
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (stdin !== process.stdin) stdin.unref();
      terminal.output.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('interrupted', undefined, 130));
        if (char === '\u0004') return finish();
        if (char === '\u007f' || char === '\b') answer = Array.from(answer).slice(0, -1).join('');
        else if (char >= ' ') answer += char;
      }
    };
    // Echo goes off before the question appears, so nothing typed after it can be echoed.
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
    terminal.output.write(question);
  });
}
