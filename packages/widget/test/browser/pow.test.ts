// The proof-of-work solver's bounds (src/pow/limits.ts) and its refusal to fall back to the main
// thread silently. Challenges are made by altcha-lib itself, as the collector makes them.
import { expect } from '@open-wc/testing';
import { createChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';
import type { Challenge } from '../../src/collector.js';
import { CounterHasher } from '../../src/pow/sha256.js';
import { solve } from '../../src/pow/solve.js';
import { MAIN_THREAD_WARNING, solveChallenge } from '../../src/pow/solver.js';
import { COLLECTOR, setupCampaign, waitUntil } from './helpers.js';

const collectorLike = async (counter: number): Promise<Challenge> =>
  (await createChallenge({ algorithm: 'SHA-256', cost: 1, counter, deriveKey, data: { campaign: 'c' }, hmacSignatureSecret: 'test-secret' })) as unknown as Challenge;

/** Runs `fn` with console.warn recorded. */
async function warnings<T>(fn: () => Promise<T>, win: Window & typeof globalThis = window): Promise<{ result: T; warned: string[] }> {
  const warned: string[] = [];
  const original = win.console.warn;
  win.console.warn = (...args: unknown[]) => void warned.push(args.map(String).join(' '));
  try {
    return { result: await fn(), warned };
  } finally {
    win.console.warn = original;
  }
}

describe('proof-of-work solver bounds', () => {
  it('solves a challenge whose counter is at the bound, and gives up on one past it without trying further', async () => {
    const at = await collectorLike(300);
    const solution = await solve(at, new AbortController().signal, 60_000, 300);
    expect(solution?.counter).to.equal(300);
    const past = await collectorLike(301);
    const t0 = performance.now();
    expect(await solve(past, new AbortController().signal, 60_000, 300)).to.equal(null);
    // It stopped at 300 attempts, it did not run on to the 60 s timeout.
    expect(performance.now() - t0).to.be.below(20_000);
  });

  for (const [name, change] of [
    ['a cost above 1 (more hashing per attempt)', { cost: 1_000_000 }],
    ['another algorithm (PBKDF2)', { algorithm: 'PBKDF2/SHA-256', cost: 5_000_000 }],
    ['a longer key', { keyLength: 64 }],
    ['a memory cost', { memoryCost: 1 << 20 }],
    ['no key prefix', { keyPrefix: '' }],
    ['a nonce that is not hex', { nonce: 'not hex' }],
    ['a salt longer than the collector accepts', { salt: 'ab'.repeat(5000) }],
  ] as const) {
    it(`refuses before it starts a challenge with ${name}, and says so on the console`, async () => {
      const challenge = await collectorLike(5);
      const hostile = { ...challenge, parameters: { ...challenge.parameters, ...change } } as Challenge;
      const t0 = performance.now();
      expect(await solve(hostile, new AbortController().signal, 60_000)).to.equal(null);
      const { result, warned } = await warnings(() => solveChallenge(hostile, new AbortController().signal));
      expect(result).to.equal(null);
      expect(performance.now() - t0).to.be.below(1000);
      expect(warned.join('\n')).to.include('asks for more work than a secure-sign collector ever issues');
    });
  }

  it('solves a collector-like challenge in a worker, with nothing said on the console, and altcha-lib verifies the solution', async () => {
    const challenge = await collectorLike(1000);
    const { result, warned } = await warnings(async () => solveChallenge(challenge, new AbortController().signal));
    expect(result?.counter).to.equal(1000);
    expect(warned).to.deep.equal([]);
    const verdict = await verifySolution({ challenge: challenge as never, solution: result!, deriveKey, hmacSignatureSecret: 'test-secret' });
    expect(verdict.verified).to.equal(true);
  });
});

describe('proof-of-work hashing', () => {
  const hex = (bytes: ArrayBuffer | Int32Array): string =>
    bytes instanceof Int32Array
      ? Array.from(bytes, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('')
      : Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

  it('hashes as WebCrypto does, for every prefix length from 0 to 140 bytes', async () => {
    for (let length = 0; length <= 140; length++) {
      const prefix = crypto.getRandomValues(new Uint8Array(length));
      const hasher = new CounterHasher(prefix);
      for (const counter of [0, 1, 0xabcdef, 0xffffffff, Math.floor(Math.random() * 2 ** 32)]) {
        const message = new Uint8Array(length + 4);
        message.set(prefix);
        new DataView(message.buffer).setUint32(length, counter, false);
        expect(hex(hasher.hash(counter)), `length ${length}, counter ${counter}`).to.equal(hex(await crypto.subtle.digest('SHA-256', message)));
      }
    }
  });

  it('on the main thread, lets the page run between slices of hashing', async () => {
    // Deterministic counter 20,000: many batches; with slices of 0 ms it yields after each.
    const challenge = await collectorLike(20_000);
    let ran = false;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      ran = true;
    };
    channel.port2.postMessage(null);
    const solving = solve(challenge, new AbortController().signal, 60_000, undefined, 0);
    expect(ran).to.equal(false);
    const solution = await solving;
    expect(solution?.counter).to.equal(20_000);
    expect(ran).to.equal(true);
    channel.port1.close();
  });

  it('stops when aborted while it solves, with no solution', async () => {
    const challenge = await collectorLike(15_000_000);
    const controller = new AbortController();
    const solving = solve(challenge, controller.signal, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    expect(await solving).to.equal(null);
  });
});

describe('proof-of-work fallback to the main thread', () => {
  async function partnerPage(query: Record<string, string>): Promise<HTMLIFrameElement> {
    const frame = document.createElement('iframe');
    frame.src = `${COLLECTOR}/__page?${new URLSearchParams(query)}`;
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    await loaded;
    return frame;
  }

  // The built CDN bundle (as bundle.test.ts), on a page whose CSP forbids workers or allows them.
  // 'self' was the advice while the worker started from its own URL; it does not allow blob: workers.
  for (const [worker, directive, expected] of [
    ['none', "'none'", 'warns, naming worker-src blob:'],
    ['self', "'self'", 'warns, naming worker-src blob:'],
    ['blob', 'blob:', 'says nothing'],
  ] as const) {
    it(`with worker-src ${directive}, it ${expected}`, async () => {
      const setup = await setupCampaign();
      const frame = await partnerPage({ campaign: setup.campaign, key: setup.keys.publicKey.keyString, collector: COLLECTOR, ...(worker === 'blob' ? {} : { worker }) });
      const win = frame.contentWindow as Window & typeof globalThis;
      const warned: string[] = [];
      const original = win.console.warn.bind(win.console);
      win.console.warn = (...args: unknown[]) => {
        warned.push(args.map(String).join(' '));
        original(...args);
      };
      const element = frame.contentDocument!.querySelector('secure-sign') as (Element & { renderRoot?: ShadowRoot }) | null;
      await waitUntil(() => element?.renderRoot?.querySelector('form'), 'bundle did not render the form', { timeout: 10000 });
      // The first interaction starts the proof of work.
      element!.renderRoot!.querySelector<HTMLInputElement>('[name="name"]')!.focus();
      const solved = () => frame.contentWindow!.performance.getEntriesByType('resource').some((e) => /\/ss-solver-[^/]*\.js$/.test(e.name));
      await waitUntil(solved, 'the solver was not loaded', { timeout: 10000 });
      if (worker !== 'blob') {
        await waitUntil(() => warned.length > 0, 'nothing said on the console', { timeout: 10000 });
        expect(warned.join('\n')).to.include(MAIN_THREAD_WARNING);
        expect(warned.join('\n')).to.include('worker-src blob:');
      } else {
        // Long enough for the worker to have started and solved (or failed and fallen back).
        await new Promise((resolve) => setTimeout(resolve, 2000));
        expect(warned.filter((w) => w.includes('main thread'))).to.deep.equal([]);
      }
      frame.remove();
    });
  }
});
