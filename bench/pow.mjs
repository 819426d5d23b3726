// Proof-of-work benchmarks, on their own or from bench/run.mjs:
//   node bench/pow.mjs [--smoke] [--verify-only] [--difficulties 1250000,2000000,...] [--solves N]
//                      [--compare DIFFICULTY|0] [--compare-solves N]
// 1. Verification on the collector: `pow.verify_us_p50` (the collector's checkPow, synchronous
//    node:crypto HMACs) against `pow.verify_altcha_us_p50` (altcha-lib's verifySolution, WebCrypto),
//    same run, same challenges, interleaved so that noise hits both alike.
// 2. Solving in the widget: challenges issued by the collector's issueChallenge at several
//    difficulties, each solved in the widget's built worker (dist/pow-worker.js), a fresh worker
//    per challenge started from a blob: URL as the widget's solver starts one, in headless
//    Chromium: p50 and p95 per difficulty, worker start included, with each solve broken down
//    (start-up, evaluation, solve, reply, timed from inside the worker) and the hashing rate;
//    on Linux also the CPU time of each worker's thread (from /proc), which gives an idle core's
//    figures on a shared machine. That is what the default difficulty is chosen from. Every
//    solution is checked by the collector's checkPow.
// 3. With --compare D (default 75000; 0 for none): the same challenges at difficulty D solved by
//    the widget's worker and by altcha-lib's own solver (the widget's worker until issue 15's
//    last change), interleaved, so the ratio holds however busy the machine is.
// Needs the built packages (npm run build). Prints JSON on stdout, progress on stderr.
import { createServer } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Serves an empty page at / (the workers are started from blob: URLs of its origin, as the widget starts them). */
function servePage() {
  const server = createServer((request, response) => {
    if (new URL(request.url, 'http://x').pathname !== '/') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>pow bench</title>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * The code of the widget's worker until issue 15's last change, rebuilt from altcha-lib as it was
 * bundled then: altcha-lib's solveChallenge awaiting one WebCrypto `crypto.subtle.digest` per
 * counter. The comparison's yardstick, same protocol as dist/pow-worker.js.
 */
export async function altchaWorkerCode() {
  const { rollup } = await import('rollup');
  const { default: terser } = await import('@rollup/plugin-terser');
  const entry = '\0altcha-worker';
  const source = `
    import { solveChallenge } from ${JSON.stringify(join(altchaDir, 'pow.js'))};
    import { deriveKey } from ${JSON.stringify(join(altchaDir, 'algorithms/web/sha.js'))};
    self.addEventListener('message', (event) => {
      const { type, challenge, timeout } = event.data ?? {};
      if (type !== 'work') return;
      solveChallenge({ challenge, deriveKey, timeout, controller: new AbortController() }).then(
        (s) => self.postMessage(s ? { counter: s.counter, derivedKey: s.derivedKey } : null),
        () => self.postMessage(null),
      );
    });`;
  const bundle = await rollup({
    input: entry,
    plugins: [{ name: 'entry', resolveId: (id) => (id === entry ? id : null), load: (id) => (id === entry ? source : null) }, terser({ module: true })],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', inlineDynamicImports: true });
  await bundle.close();
  return output[0].code;
}

// Wrapped around a worker's code to time it from inside, on the shared clock
// (performance.timeOrigin + performance.now() is the same clock in the page and in its workers):
// when its code starts and ends evaluating, when it receives the challenge and posts its answer.
const PROBE_BEFORE =
  'const __at=()=>performance.timeOrigin+performance.now(),__post=self.postMessage.bind(self),__t={start:__at()};' +
  "self.addEventListener('message',()=>{__t.received=__at()});" +
  'self.postMessage=(answer)=>{__t.answered=__at();__post({answer,t:__t})};\n';
const PROBE_AFTER = '\n;__t.evaluated=__at();';

/**
 * CPU time (ms) of each dedicated-worker thread of the processes started by this one (Chromium's
 * renderer runs each Web Worker on a thread named "DedicatedWorker…"), from /proc: a Map from
 * thread id to ms, or undefined where /proc is not there. The kernel counts it in ticks (10 ms).
 */
async function workerThreadsCpu() {
  let pids;
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const parent = new Map();
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      // Gone meanwhile.
    }
  }
  const ours = (pid) => {
    for (let p = pid, depth = 0; p && p !== '0' && depth < 64; p = parent.get(p), depth++) if (p === String(process.pid)) return true;
    return false;
  };
  const out = new Map();
  for (const pid of pids) {
    if (pid === String(process.pid) || !ours(pid)) continue;
    let tasks;
    try {
      tasks = await readdir(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        if (!/DedicatedWorker/.test(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return out;
}

// USER_HZ: /proc counts CPU time in hundredths of a second on Linux.
const CLOCK_TICKS_PER_S = 100;

/**
 * Solves `challenges` in fresh workers of each kind, interleaved (challenge by challenge, the
 * order of the kinds alternating), each worker started from a blob: URL of its code as the
 * widget's solver starts one and sent the challenge at once. Per solve: ms from just before the
 * blob: URL to the answer received, and its parts: `startup` (to the worker's first statement:
 * thread, blob fetch, module compile), `evaluation`, `waiting` (the challenge queued until then),
 * `solve` (in the worker, challenge received to answer posted), `reply`; the counter found; and
 * `cpu`, the CPU time of the worker's thread when it answered (Linux; null if not read), which is
 * what the solve would take on an idle core, however busy the machine is.
 */
async function solveIn(page, kinds, challenges) {
  const out = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, []]));
  const names = Object.keys(kinds);
  for (const [i, challenge] of challenges.entries()) {
    for (const kind of i % 2 ? [...names].reverse() : names) {
      const before = await workerThreadsCpu();
      const record = await page.evaluate(
        async ({ code, challenge, kind }) => {
          const at = () => performance.timeOrigin + performance.now();
          const t0 = at();
          const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
          const worker = new Worker(url, { type: 'module', name: 'secure-sign-pow' });
          // Terminated by the next call, once its thread's CPU time has been read.
          window.__powWorker = { worker, url };
          const data = await new Promise((resolve, reject) => {
            worker.addEventListener('message', (event) => resolve(event.data));
            worker.addEventListener('error', () => reject(new Error(`the ${kind} worker failed`)));
            worker.postMessage({ type: 'work', challenge, timeout: 90_000 });
          });
          const t1 = at();
          const { answer, t } = data;
          if (!answer || typeof answer.counter !== 'number') throw new Error(`the ${kind} worker found no solution`);
          return {
            total: t1 - t0,
            startup: t.start - t0,
            evaluation: t.evaluated - t.start,
            waiting: Math.max(0, t.received - t.evaluated),
            solve: t.answered - t.received,
            // Two clocks (page and worker, each timeOrigin rounded): a reply faster than their
            // resolution can come out a fraction of a millisecond below zero.
            reply: Math.max(0, t1 - t.answered),
            counter: answer.counter,
            derivedKey: answer.derivedKey,
          };
        },
        { code: PROBE_BEFORE + kinds[kind] + PROBE_AFTER, challenge, kind },
      );
      // The one worker thread that was not there before is this worker's.
      const after = await workerThreadsCpu();
      const fresh = after ? [...after].filter(([tid]) => !before?.has(tid)) : [];
      record.cpu = fresh.length === 1 ? fresh[0][1] : null;
      await page.evaluate(() => {
        window.__powWorker.worker.terminate();
        URL.revokeObjectURL(window.__powWorker.url);
      });
      out[kind].push(record);
    }
  }
  return out;
}

/** p50, p95, max of the totals, the parts' medians and the hashing rate, from solveIn's records. */
function summarize(records) {
  const totals = records.map((r) => r.total);
  const part = (name) => median(records.map((r) => r[name]));
  // Hashes per ms inside the worker over all solves (counter + 1 hashes each): the rate, which
  // does not depend on the luck of the draw.
  const hashesPerMs = records.reduce((a, r) => a + r.counter + 1, 0) / records.reduce((a, r) => a + r.solve, 0);
  // The same over the worker threads' CPU time, and the solves' CPU times: the figures of an idle
  // machine (worker start-up outside its thread excepted), where this one is shared.
  const read = records.filter((r) => r.cpu !== null);
  const cpu = read.length && read.some((r) => r.cpu > 0)
    ? {
        cpu_p50: median(read.map((r) => r.cpu)),
        cpu_p95: percentile(read.map((r) => r.cpu), 95),
        cpuHashesPerMs: read.reduce((a, r) => a + r.counter + 1, 0) / read.reduce((a, r) => a + r.cpu, 0),
        cpu_n: read.length,
      }
    : {};
  return {
    p50: median(totals),
    p95: percentile(totals, 95),
    max: Math.max(...totals),
    n: records.length,
    hashesPerMs,
    ...cpu,
    parts_p50: { startup: part('startup'), evaluation: part('evaluation'), waiting: part('waiting'), solve: part('solve'), reply: part('reply') },
  };
}

function describe(figures) {
  const p = figures.parts_p50;
  return (
    `p50 ${figures.p50.toFixed(0)} ms, p95 ${figures.p95.toFixed(0)} ms, max ${figures.max.toFixed(0)} ms, ${figures.hashesPerMs.toFixed(0)} hashes/ms ` +
    `(medians: start-up ${p.startup.toFixed(1)}, evaluation ${p.evaluation.toFixed(1)}, solve ${p.solve.toFixed(1)}, reply ${p.reply.toFixed(1)} ms; ${figures.n} solves)` +
    (figures.cpu_n
      ? `; worker CPU time p50 ${figures.cpu_p50.toFixed(0)} ms, p95 ${figures.cpu_p95.toFixed(0)} ms, ${figures.cpuHashesPerMs.toFixed(0)} hashes per CPU ms (${figures.cpu_n} read)`
      : '')
  );
}

/** ms of one `page.evaluate` round trip (the harness's own cost, outside every figure above), p50 of 20. */
async function harnessMs(page) {
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await page.evaluate(() => 0);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Solve times in the widget's built worker (a fresh one per challenge), per difficulty:
 * { solve_ms: { [difficulty]: summarize() }, and with `compare`, at that difficulty, the same
 * challenges solved by altcha-lib's solver (the widget's worker before) and the new one,
 * interleaved: compare: { difficulty, widget, altcha, hash_rate_ratio, p50_ratio } }.
 */
export async function benchSolve(browser, { difficulties, solves, compare, compareSolves = solves }) {
  const { issueChallenge, checkPow } = await import(pathToFileURL(collectorDist).href);
  const kinds = { widget: await readFile(join(widgetDist, 'pow-worker.js'), 'utf8') };
  if (compare) kinds.altcha = await altchaWorkerCode();
  const server = await servePage();
  const out = { solve_ms: {} };
  const issue = async (difficulty, count) => {
    const challenges = [];
    const times = [];
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      challenges.push(await issueChallenge(SECRETS, 'bench', difficulty, 600, Date.now()));
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return { challenges, issueUs: median(times) };
  };
  // Every answer must be one the collector accepts: a fast wrong solver would be no news.
  const check = (challenges, records, kind) =>
    records.forEach((r, i) => {
      const result = checkPow(SECRETS, JSON.parse(JSON.stringify({ challenge: challenges[i], solution: { counter: r.counter, derivedKey: r.derivedKey } })), 'bench', Date.now());
      if (!result.ok) throw new Error(`the ${kind} worker's solution was refused by the collector: ${result.code}`);
    });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    out.harness_ms = await harnessMs(page);
    say(`pow: the harness's page.evaluate round trip: ${out.harness_ms.toFixed(1)} ms (outside every figure)`);
    if (compare) {
      const { challenges, issueUs } = await issue(compare, compareSolves);
      out.challenge_issue_us_p50 = issueUs;
      const records = await solveIn(page, kinds, challenges);
      for (const kind of Object.keys(kinds)) check(challenges, records[kind], kind);
      const widget = summarize(records.widget);
      const altcha = summarize(records.altcha);
      out.compare = { difficulty: compare, widget, altcha, hash_rate_ratio: widget.hashesPerMs / altcha.hashesPerMs, p50_ratio: altcha.p50 / widget.p50 };
      say(`pow: difficulty ${compare}, same challenges: altcha-lib's solver (before): ${describe(altcha)}`);
      say(`pow: difficulty ${compare}, same challenges: the widget's solver (now):    ${describe(widget)}`);
      say(`pow: the widget's solver hashes ${out.compare.hash_rate_ratio.toFixed(1)} x faster; median solve ${out.compare.p50_ratio.toFixed(1)} x shorter`);
    }
    for (const difficulty of difficulties) {
      const { challenges, issueUs } = await issue(difficulty, solves);
      out.challenge_issue_us_p50 ??= issueUs;
      const records = await solveIn(page, { widget: kinds.widget }, challenges);
      check(challenges, records.widget, 'widget');
      out.solve_ms[difficulty] = summarize(records.widget);
      say(`pow: difficulty ${difficulty}: ${describe(out.solve_ms[difficulty])}`);
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
      compare: { type: 'string' },
      'compare-solves': { type: 'string' },
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
    const difficulties = (values.difficulties ?? (values.smoke ? '1000' : '750000,1250000,2000000')).split(',').map(Number);
    const solves = Number(values.solves ?? (values.smoke ? 3 : 40));
    const compare = values.compare === '0' ? undefined : Number(values.compare ?? (values.smoke ? 1000 : 75000));
    const browser = await launch();
    try {
      Object.assign(result, await benchSolve(browser, { difficulties, solves, compare, compareSolves: Number(values['compare-solves'] ?? solves) }));
    } finally {
      await browser.close();
    }
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
