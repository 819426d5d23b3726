// Byte ranges of an input file, read and split into lines by the decryption workers themselves, so
// that the main thread never touches the envelopes' bytes: it hands out ranges, then orders and
// writes what comes back.
//
// Rules for this file:
// - A line belongs to the range in which it starts (position 0, or just after a `\n`); a worker
//   reads past its range's end to finish its last line, and skips the tail of a line that began
//   in the range before. So every line is read exactly once, whatever the range size.
// - The lines are exactly those `splitLines` (io.ts) yields for the same bytes: one trailing `\r`
//   removed, a line longer than the limit stands as `null` (read no further than the limit), an
//   unterminated last line counts. test/decrypt-native-ranges.test.ts checks it on hostile files.
import { MAX_ENVELOPE_BYTES } from '@secure-sign/crypto';
import { readSync } from 'node:fs';
import type { LineResult } from './protocol.js';

/** Longest input line read: an envelope of the largest size, inside a collector export line. */
export const MAX_LINE_BYTES = MAX_ENVELOPE_BYTES + 4096;

/** How much of the input one request covers. About 180 typical envelopes. */
export const RANGE_BYTES = 512 * 1024;

/** One line of a range: its number within the range (from 1, blank lines counted), where it starts, and its bytes (`null` if too long). */
export interface RangeLine {
  readonly number: number;
  readonly at: number;
  readonly bytes: Uint8Array | null;
}

/** Asks a worker to read, split and open the lines that start in [start, end) of a file. */
export interface RangeRequest {
  readonly id: number;
  readonly range: { readonly path: string; readonly start: number; readonly end: number };
  readonly as: 'text' | 'record';
}

/**
 * What a worker answers for a range: how many lines start in it (blank ones too), then for each
 * line that is not blank its number within the range, where it starts, its outcome, and, only if
 * it was rejected, its bytes (for --rejects).
 */
export interface RangeResponse {
  readonly id: number;
  readonly count: number;
  readonly numbers: readonly number[];
  readonly at: readonly number[];
  readonly results: readonly LineResult[];
  readonly rejected: readonly (Uint8Array | null)[];
}

const READ = 64 * 1024;

/**
 * The read buffer of the last call, used again by the next one in the same thread, instead of a
 * fresh one (about 600 KB) per range. Kept only up to MAX_SPARE bytes.
 */
let spare: Buffer | undefined;
const MAX_SPARE = 4 * 1024 * 1024;

/**
 * Reads the lines that start in [start, end) of the open file `fd`, at most `maxBytes` each.
 * Calls `each` for every line, in order; returns how many lines start in the range. With `views`,
 * a line's bytes are a view of the read buffer, valid only until `each` returns (copy them to keep
 * them); otherwise each line's bytes are its own.
 */
export function readRange(fd: number, start: number, end: number, maxBytes: number, each: (line: RangeLine) => void, views = false): number {
  let position = start;
  let count = 0;
  // Find the first line start at or after `start`.
  if (start > 0) {
    const before = Buffer.alloc(1);
    if (readSync(fd, before, 0, 1, start - 1) !== 1) return 0;
    if (before[0] !== 0x0a) {
      const next = findNewline(fd, start, end);
      if (next === -1) return 0;
      position = next + 1;
    }
  }
  const size = Math.min(end - position, READ * 16) + READ;
  let held = spare !== undefined && spare.length >= size ? spare : Buffer.allocUnsafe(size);
  let buffer = held.length === size ? held : held.subarray(0, size);
  // Not shared while in use (a callback could, in theory, read another range).
  spare = undefined;
  try {
    let have = 0; // bytes of buffer filled, starting at file offset `base`
    let base = position;
    let eof = false;
    const fill = (): void => {
      if (have === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, have);
        buffer = held = bigger;
      }
      const n = readSync(fd, buffer, have, buffer.length - have, base + have);
      if (n === 0) eof = true;
      have += n;
    };
    while (position < end) {
      // The line starting at `position`: find its `\n` within maxBytes + 2 bytes (the line, one `\r`, the `\n`).
      let offset = position - base;
      let newline = -1;
      let searched = offset;
      for (;;) {
        newline = buffer.indexOf(0x0a, searched);
        if (newline !== -1 && newline < have) break;
        newline = -1;
        searched = have;
        if (have - offset > maxBytes + 1 || eof) break;
        if (have === buffer.length && offset > 0) {
          // Drop what was consumed before reading more.
          buffer.copy(buffer, 0, offset, have);
          have -= offset;
          base += offset;
          searched -= offset;
          offset = 0;
        }
        fill();
      }
      if (newline === -1 && eof && have === offset) break; // no line here: the file ended
      count++;
      if (newline === -1 && !eof) {
        // Too long: skip to the end of this line (it may run far beyond the range).
        each({ number: count, at: position, bytes: null });
        const next = findNewline(fd, base + have, Number.MAX_SAFE_INTEGER);
        if (next === -1) return count;
        position = next + 1;
        have = 0;
        base = position;
        continue;
      }
      const stop = newline === -1 ? have : newline;
      let length = stop - offset;
      if (length > 0 && buffer[stop - 1] === 0x0d) length--;
      const bytes = length > maxBytes ? null : views ? buffer.subarray(offset, offset + length) : new Uint8Array(buffer.subarray(offset, offset + length));
      each({ number: count, at: position, bytes });
      if (newline === -1) break; // the unterminated last line
      position = base + newline + 1;
    }
    return count;
  } finally {
    if (held.length <= MAX_SPARE) spare = held;
  }
}

let newlineChunk: Buffer | undefined;

/** File offset of the first `\n` at or after `from` and before `limit`, or -1. */
function findNewline(fd: number, from: number, limit: number): number {
  const chunk = (newlineChunk ??= Buffer.allocUnsafe(READ));
  for (let at = from; at < limit; ) {
    const n = readSync(fd, chunk, 0, Math.min(READ, limit - at), at);
    if (n === 0) return -1;
    const i = chunk.indexOf(0x0a);
    if (i !== -1 && i < n) return at + i;
    at += n;
  }
  return -1;
}
