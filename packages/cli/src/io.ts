// File and terminal helpers shared by the commands.
//
// Rules for this file:
// - Files that may hold plaintext or secrets are created with mode 0600, and never overwritten
//   unless the user said --force (then their mode is reset to 0600 too).
// - Everything read from a file or the network is bounded: lines have a maximum length, and a
//   longer line is reported (and skipped), never buffered whole.
// - Messages go to stderr, prefixed `secure-sign:`. Data goes to stdout.

import { constants, createReadStream, type WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CliError } from './errors.js';

/** Writes one message line to stderr with the `secure-sign:` prefix. */
export function say(message: string): void {
  process.stderr.write(`secure-sign: ${message}\n`);
}

/**
 * Opens a file for writing, created 0600, refusing to replace an existing regular file unless
 * `force` (which then truncates it and resets its mode to 0600). An existing non-regular file
 * (a pipe, /dev/null, a terminal) is opened as it is: nothing to overwrite, and its mode is not
 * ours to change.
 */
export async function createPrivateFile(path: string, force: boolean, what = 'output file'): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    return handle;
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw fileError(error, path, `cannot create ${what}`);
  }
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw fileError(error, path, `cannot open ${what}`);
  }
  try {
    if (!(await handle.stat()).isFile()) return handle;
    if (!force) throw new CliError(`${what} ${path} already exists`, 'choose another name, or pass --force to overwrite it');
    await handle.truncate(0);
    // An existing file keeps its old mode: make sure it is private now.
    await handle.chmod(0o600);
    return handle;
  } catch (error) {
    await handle.close();
    if (error instanceof CliError) throw error;
    throw fileError(error, path, `cannot write ${what}`);
  }
}

/** The `code` of a Node system error, if any. */
export function errno(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Turns a file system error into a {@link CliError} naming the path. */
export function fileError(error: unknown, path: string, doing: string): CliError {
  const code = errno(error);
  const why =
    code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : code === 'ELOOP' ? 'is a symbolic link (refused: give the real path)'
    : code ?? (error instanceof Error ? error.message : String(error));
  return new CliError(`${doing} ${path}: ${why}`, code === 'ENOENT' ? 'check the path' : undefined, undefined, { cause: error });
}

/** Reads a small text file (a token, a passphrase, an allow list), refusing anything larger than `max`. */
export async function readSmallFile(path: string, max: number, what: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CliError(`${what} ${path} is not a regular file`);
    if (info.size > max) throw new CliError(`${what} ${path} is larger than ${max} bytes`, `is this the right file?`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw fileError(error, path, `cannot read ${what}`);
  }
}

/** Opens an input: a path, or stdin for `-` or undefined. */
export function openInput(path: string | undefined): Readable {
  if (path === undefined || path === '-') return process.stdin;
  return createReadStream(path);
}

/** Waits until `stream` can take more data (backpressure); rejects if it fails or closes first. */
export function drain(stream: Writable | WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', done);
      stream.off('error', fail);
      stream.off('close', closed);
    };
    const done = (): void => {
      cleanup();
      resolve();
    };
    const fail = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const closed = (): void => fail(stream.errored ?? Object.assign(new Error('output closed'), { code: 'EPIPE', syscall: 'write' }));
    stream.once('drain', done);
    stream.once('error', fail);
    stream.once('close', closed);
  });
}

/**
 * Writes to a stream, waiting when its buffer is full. A stream that already failed (e.g. the
 * reader of a pipe went away) makes this throw rather than wait for a drain that never comes.
 */
export async function write(stream: Writable, text: string | Uint8Array): Promise<void> {
  if (stream.errored) throw stream.errored;
  if (stream.destroyed) throw Object.assign(new Error('output closed'), { code: 'EPIPE', syscall: 'write' });
  if (!stream.write(text)) await drain(stream);
}

/** Whether an error came from writing (a closed pipe, a full disk), not from reading. */
export function isWriteError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'syscall' in error && error.syscall === 'write';
}

/** Ends a stream and waits until everything is flushed (and, for a file, closed). */
export function finish(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** One line of input: its 1-based number, and its bytes, or `undefined` if it was too long. */
export interface Line {
  readonly number: number;
  readonly bytes: Uint8Array | undefined;
  /** True for a last line that did not end with a line break (a stream cut short?). */
  readonly unterminated?: boolean;
}

/**
 * Splits a byte stream into lines of at most `maxBytes` bytes (without the line break). A longer
 * line is yielded with `bytes: undefined` and its content dropped as it streams past, so a
 * hostile file with a gigabyte-long line costs no memory. Pauses the stream while the consumer
 * is busy (backpressure comes from the async iteration). A trailing `\r` is removed.
 */
export async function* splitLines(input: AsyncIterable<Uint8Array | string>, maxBytes: number): AsyncGenerator<Line> {
  let parts: Uint8Array[] = [];
  let length = 0;
  let overflow = false;
  let number = 0;
  const emit = (): Line => {
    number++;
    if (overflow) {
      overflow = false;
      parts = [];
      length = 0;
      return { number, bytes: undefined };
    }
    // A fresh, exactly sized copy: a line must not keep a whole read chunk alive, and a line sent
    // to a worker is cloned with its whole underlying buffer (a pooled Buffer's is 8 KiB).
    let end = length;
    const last = parts.at(-1);
    if (last && last.length > 0 && last[last.length - 1] === 0x0d) end--;
    const bytes = new Uint8Array(end);
    let offset = 0;
    for (const part of parts) {
      const n = Math.min(part.length, end - offset);
      bytes.set(n === part.length ? part : part.subarray(0, n), offset);
      offset += n;
    }
    parts = [];
    length = 0;
    return { number, bytes: bytes.length > maxBytes ? undefined : bytes };
  };
  const take = (piece: Uint8Array): void => {
    if (overflow) return;
    // One byte of slack for a trailing \r.
    if (length + piece.length > maxBytes + 1) {
      overflow = true;
      parts = [];
      length = 0;
      return;
    }
    if (piece.length > 0) {
      parts.push(piece);
      length += piece.length;
    }
  };
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const end = buffer.indexOf(0x0a, start);
      if (end === -1) {
        take(buffer.subarray(start));
        break;
      }
      take(buffer.subarray(start, end));
      yield emit();
      start = end + 1;
    }
  }
  if (length > 0 || overflow) yield { ...emit(), unterminated: true };
}

/** Whether a line holds only white space (such lines are skipped, not counted as records). */
export function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

/**
 * Replaces a small file atomically (0600): temporary file, fsync, rename, fsync of the folder.
 * The temporary name is random and the file is created with O_EXCL | O_NOFOLLOW, so nothing
 * planted in the folder beforehand (a symbolic link to another file, say) is ever written through;
 * the rename replaces a link at `path` itself rather than following it.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(12).toString('base64url')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw fileError(error, temp, 'cannot create');
  }
  try {
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  const dir = await open(dirname(path), constants.O_RDONLY);
  try {
    await dir.sync();
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic.
  } finally {
    await dir.close();
  }
}
