// Proof-of-work benchmarks, on their own or from bench/run.mjs:
//   node bench/pow.mjs [--smoke] [--verify-only] [--difficulties 50000,100000,...] [--solves N]
// 1. Verification on the collector: `pow.verify_us_p50` (the collector's checkPow, synchronous
//    node:crypto HMACs) against `pow.verify_altcha_us_p50` (altcha-lib's verifySolution, WebCrypto),
//    same run, same challenges, interleaved so that noise hits both alike.
// 2. Solving in the widget: challenges issued by the collector's issueChallenge at several
//    difficulties, each solved in the widget's built worker (dist/pow-worker.js), a fresh worker
//    per challenge as the widget's solver starts one, in headless Chromium: p50 and p95 per
//    difficulty, worker start included. That is what the default difficulty is chosen from.
// Needs the built packages (npm run build). Prints JSON on stdout, progress on stderr.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, percentile, say } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const collectorDist = join(root, 'packages/collector/dist/index.js');
const widgetDist = join(root, 'packages/widget/dist');
// altcha-lib as the collector resolves it (the bench has no dependencies of its own).
const altchaDir = join(root, 'packages/collector/node_modules/altcha-lib/dist/esm/v2');

/**
 * pow.node_sha256_per_ms: one-block SHA-256 hashes a millisecond with node:crypto, same run. Not a
 * target: a yardstick of how busy the machine was, to compare runs' solve figures by.
 */
export async function benchCalibration() {
  const { createHash } = await import('node:crypto');
  const data = new Uint8Array(36);
  let count = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    for (let i = 0; i < 100; i++) createHash('sha256').update(data).digest();
    count += 100;
  }
  return { 'pow.node_sha256_per_ms': count / (performance.now() - t0) };
}

const SECRETS = { challenge: 'bench-challenge-secret-0123456789abcdef', key: 'bench-key-secret-0123456789abcdef' };

/** pow.verify_us_p50 (new) and pow.verify_altcha_us_p50 (altcha-lib), from the same challenges. */
export async function benchVerify({ count }) {
  const { issueChallenge, checkPow } = await import(pathToFileURL(collectorDist).href);
  const { solveChallenge, verifySolution } = await import(pathToFileURL(join(altchaDir, 'index.js')).href);
  const { deriveKey } = await import(pathToFileURL(join(altchaDir, 'algorithms/sha.js')).href);
  const items = [];
  for (let i = 0; i < count; i++) {
    const challenge = await issueChallenge(SECRETS, 'bench', 1000, 600, Date.now());
    // Through JSON, as a submission body arrives.
    items.push(JSON.parse(JSON.stringify({ challenge, solution: await solveChallenge({ challenge, deriveKey }) })));
  }
  const fresh = [];
  const altcha = [];
  // A warm-up pass, then the measured one.
  for (const pass of [false, true]) {
    for (const pow of items) {
      let t0 = process.hrtime.bigint();
      const result = checkPow(SECRETS, pow, 'bench', Date.now());
      let t1 = process.hrtime.bigint();
      if (!result.ok) throw new Error(`a valid proof of work did not verify: ${result.code}`);
      if (pass) fresh.push(Number(t1 - t0) / 1000);
      t0 = process.hrtime.bigint();
      const verdict = await verifySolution({
        challenge: pow.challenge,
        solution: pow.solution,
        deriveKey,
        hmacSignatureSecret: SECRETS.challenge,
        hmacKeySignatureSecret: SECRETS.key,
      });
      t1 = process.hrtime.bigint();
      if (!verdict.verified) throw new Error('altcha-lib refused a valid proof of work');
      if (pass) altcha.push(Number(t1 - t0) / 1000);
    }
  }
  const p50 = median(fresh);
  const altchaP50 = median(altcha);
  return { 'pow.verify_us_p50': p50, 'pow.verify_altcha_us_p50': altchaP50, 'pow.verify_speedup': altchaP50 / p50 };
}

const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.map': 'application/json' };

/** Serves the widget's dist under /widget/ and an empty page at /. */
function serveWidget() {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>pow bench</title>');
      return;
    }
    const file = normalize(join(widgetDist, path.replace(/^\/widget\//, '')));
    if (!path.startsWith('/widget/') || !file.startsWith(widgetDist)) return void response.writeHead(404).end();
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Solve times in the widget's worker (a fresh one per challenge), per difficulty:
 * { [difficulty]: { p50, p95, max, n } } in ms.
 */
export async function benchSolve(browser, { difficulties, solves }) {
  const { issueChallenge } = await import(pathToFileURL(collectorDist).href);
  const server = await serveWidget();
  const origin = `http://127.0.0.1:${server.address().port}`;
  const out = {};
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    for (const difficulty of difficulties) {
      const challenges = [];
      for (let i = 0; i < solves; i++) challenges.push(await issueChallenge(SECRETS, 'bench', difficulty, 600, Date.now()));
      const { times, counters } = await page.evaluate(
        async ({ challenges }) => {
          // As the widget's solver does (src/pow/solver.ts): a fresh module worker per challenge,
          // from pow-worker.js next to the bundle, terminated once it answers.
          const times = [];
          const counters = [];
          for (const challenge of challenges) {
            const t0 = performance.now();
            const worker = new Worker('/widget/pow-worker.js', { type: 'module', name: 'secure-sign-pow' });
            const solution = await new Promise((resolve, reject) => {
              worker.addEventListener('message', (event) => resolve(event.data));
              worker.addEventListener('error', () => reject(new Error('the worker failed')));
              worker.postMessage({ type: 'work', challenge, timeout: 90_000 });
            });
            worker.terminate();
            if (!solution) throw new Error('the worker found no solution');
            times.push(performance.now() - t0);
            counters.push(solution.counter);
          }
          return { times, counters };
        },
        { challenges },
      );
      // Hashes per ms over all solves (counter + 1 hashes each): the rate, independent of the luck
      // of the draw, from which any difficulty's figures follow.
      const hashesPerMs = counters.reduce((a, c) => a + c + 1, 0) / times.reduce((a, t) => a + t, 0);
      out[difficulty] = { p50: median(times), p95: percentile(times, 95), max: Math.max(...times), n: times.length, hashesPerMs };
      say(`pow: difficulty ${difficulty}: p50 ${out[difficulty].p50.toFixed(0)} ms, p95 ${out[difficulty].p95.toFixed(0)} ms, max ${out[difficulty].max.toFixed(0)} ms, ${hashesPerMs.toFixed(1)} hashes/ms (${solves} solves)`);
    }
    await page.close();
  } finally {
    server.close();
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean' },
      'verify-only': { type: 'boolean' },
      difficulties: { type: 'string' },
      solves: { type: 'string' },
      verifies: { type: 'string' },
    },
  });
  const result = await benchCalibration();
  say(`pow: node:crypto SHA-256 ${result['pow.node_sha256_per_ms'].toFixed(0)} hashes/ms (how busy the machine is)`);
  const verifies = Number(values.verifies ?? (values.smoke ? 50 : 3000));
  say(`pow: verifying ${verifies} solutions, collector vs altcha-lib`);
  Object.assign(result, await benchVerify({ count: verifies }));
  say(`pow: verify p50 ${result['pow.verify_us_p50'].toFixed(1)} us (altcha-lib ${result['pow.verify_altcha_us_p50'].toFixed(1)} us, ${result['pow.verify_speedup'].toFixed(1)} x)`);
  if (!values['verify-only']) {
    const { launch } = await import('./browser.mjs');
    const difficulties = (values.difficulties ?? (values.smoke ? '1000' : '25000,50000,100000,150000,200000')).split(',').map(Number);
    const browser = await launch();
    try {
      result.solve_ms = await benchSolve(browser, { difficulties, solves: Number(values.solves ?? (values.smoke ? 3 : 40)) });
    } finally {
      await browser.close();
    }
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
