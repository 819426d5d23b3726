// SHA-256 (FIPS 180-4) of many messages that differ only in their last four bytes: the proof of
// work's `salt || nonce || counter` (altcha-lib's SHA-256 key derivation at cost 1, counter as a
// 32-bit big-endian integer), synchronously, with no allocation per message.
//
// Why not WebCrypto: `crypto.subtle.digest` answers through a promise, and each answer is a hop
// between threads and event-loop turns that costs far more than one hash of one block (about 10
// microseconds against well under one on the benchmark's machine, and much worse when the CPU is
// busy). The solver needs millions of tiny hashes, not one large one.
//
// Work per message: the blocks before the counter are hashed once (the "midstate"), and so are
// the rounds of the counter's block that come before the counter's word; each counter then costs
// the rest of one block (or two, when the counter or the padding does not fit in one). The tests
// (test/pow-sha256.test.ts, test/browser/pow.test.ts) compare every output with node:crypto or
// WebCrypto over all prefix lengths where the counter and the padding fall differently.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** Computes W[from..63] of a message schedule from the words before them. */
function expand(w: Int32Array, from: number): void {
  for (let t = from; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (s1 + w[t - 7]! + s0 + w[t - 16]!) | 0;
  }
}

/**
 * Runs rounds `from` to 63 of a block whose schedule `w` is expanded, on `s` (the eight working
 * variables after round `from` - 1), then adds `h` (the chaining value the block started from)
 * into `s`.
 */
function rounds(s: Int32Array, h: Int32Array, w: Int32Array, from: number): void {
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  let e = s[4]!;
  let f = s[5]!;
  let g = s[6]!;
  let hh = s[7]!;
  for (let t = from; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (a + h[0]!) | 0;
  s[1] = (b + h[1]!) | 0;
  s[2] = (c + h[2]!) | 0;
  s[3] = (d + h[3]!) | 0;
  s[4] = (e + h[4]!) | 0;
  s[5] = (f + h[5]!) | 0;
  s[6] = (g + h[6]!) | 0;
  s[7] = (hh + h[7]!) | 0;
}

/**
 * The first schedule index from 16 that depends on one of the words `variable` (the others are
 * the same for every counter and need computing only once).
 */
function firstVarying(variable: readonly number[]): number {
  const depends = new Array<boolean>(64).fill(false);
  for (const i of variable) depends[i] = true;
  for (let t = 16; t < 64; t++) {
    depends[t] = depends[t - 2]! || depends[t - 7]! || depends[t - 15]! || depends[t - 16]!;
    if (depends[t]) return t;
  }
  return 64;
}

/** Runs rounds 0 to `to` - 1 of one block on the working variables `s` (reads W[0..to-1] only). */
function firstRounds(s: Int32Array, w: Int32Array, to: number): void {
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  let e = s[4]!;
  let f = s[5]!;
  let g = s[6]!;
  let hh = s[7]!;
  for (let t = 0; t < to; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
  s[4] = e;
  s[5] = f;
  s[6] = g;
  s[7] = hh;
}

/** Big-endian 32-bit words of 64 bytes of `bytes` from `offset`. */
function words(bytes: Uint8Array, offset: number, into: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    into[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
}

/**
 * SHA-256 of `prefix` followed by a counter, for any number of counters.
 *
 * @example
 * ```ts
 * const hasher = new CounterHasher(saltThenNonce);
 * const digest = hasher.hash(42); // the eight big-endian words of SHA-256(saltThenNonce || 00 00 00 2a)
 * ```
 */
export class CounterHasher {
  /** The chaining value after the blocks that lie wholly before the counter. */
  readonly #mid = new Int32Array(8);
  /** The working variables after the rounds of the counter's block that precede the counter's word. */
  readonly #early = new Int32Array(8);
  /** The schedules of the counter's block and of the padding's block when it is another one. */
  readonly #w0 = new Int32Array(64);
  readonly #w1: Int32Array | undefined;
  /** Index of the word the counter starts in (rounds before it are in #early). */
  readonly #word: number;
  /** Bits the counter is shifted right by in that word (0 when it starts on a word boundary). */
  readonly #shift: number;
  /** That word and the next with the counter's bytes zero (when the counter straddles them). */
  readonly #high: number;
  readonly #low: number;
  /** The first schedule index of each block that changes with the counter (64: none). */
  readonly #from0: number;
  readonly #from1: number;
  readonly #state = new Int32Array(8);
  readonly #chain = new Int32Array(8);

  /** @param prefix - the bytes before the counter (any length). */
  constructor(prefix: Uint8Array) {
    const length = prefix.length + 4;
    const whole = Math.floor(prefix.length / 64);
    const rest = prefix.length - 64 * whole;
    const blocks = rest + 4 + 9 <= 64 ? 1 : 2;
    // The last one or two blocks: the rest of the prefix, four zero bytes for the counter, 0x80,
    // zeros, and the message length in bits, big-endian, in the last eight bytes.
    const tail = new Uint8Array(64 * blocks);
    tail.set(prefix.subarray(64 * whole), 0);
    tail[rest + 4] = 0x80;
    const bits = length * 8;
    const end = tail.length;
    tail[end - 5] = Math.floor(bits / 2 ** 32) & 0xff;
    tail[end - 4] = (bits >>> 24) & 0xff;
    tail[end - 3] = (bits >>> 16) & 0xff;
    tail[end - 2] = (bits >>> 8) & 0xff;
    tail[end - 1] = bits & 0xff;

    const word = rest >> 2;
    const shift = 8 * (rest & 3);
    this.#word = word;
    this.#shift = shift;
    const straddles = shift !== 0;
    words(tail, 0, this.#w0);
    expand(this.#w0, 16);
    this.#high = this.#w0[word]!;
    this.#from0 = firstVarying(straddles && word < 15 ? [word, word + 1] : [word]);
    if (blocks === 2) {
      this.#w1 = new Int32Array(64);
      words(tail, 64, this.#w1);
      expand(this.#w1, 16);
      this.#from1 = straddles && word === 15 ? firstVarying([0]) : 64;
      this.#low = straddles && word === 15 ? this.#w1[0]! : this.#w0[word + 1] ?? 0;
    } else {
      this.#w1 = undefined;
      this.#from1 = 64;
      this.#low = straddles ? this.#w0[word + 1]! : 0;
    }

    const mid = this.#mid;
    mid.set(IV);
    const scratch = new Int32Array(64);
    for (let b = 0; b < whole; b++) {
      words(prefix, 64 * b, scratch);
      expand(scratch, 16);
      const s = this.#state;
      s.set(mid);
      rounds(s, mid, scratch, 0);
      mid.set(s);
    }
    this.#early.set(mid);
    firstRounds(this.#early, this.#w0, word);
  }

  /**
   * The digest of the prefix followed by `counter` (0 to 2^32 - 1, big-endian), as eight signed
   * 32-bit words (big-endian word order). The array is reused by the next call.
   */
  hash(counter: number): Int32Array {
    const w0 = this.#w0;
    const w1 = this.#w1;
    const s = this.#state;
    const word = this.#word;
    const shift = this.#shift;
    if (shift === 0) {
      w0[word] = counter | 0;
    } else {
      // The counter straddles two words (across the two blocks when it starts in the last word).
      w0[word] = this.#high | (counter >>> shift);
      const low = this.#low | (counter << (32 - shift));
      if (word < 15) w0[word + 1] = low;
      else w1![0] = low;
    }
    expand(w0, this.#from0);
    s.set(this.#early);
    rounds(s, this.#mid, w0, word);
    if (w1) {
      const chain = this.#chain;
      chain.set(s);
      expand(w1, this.#from1);
      rounds(s, chain, w1, 0);
    }
    return s;
  }
}
