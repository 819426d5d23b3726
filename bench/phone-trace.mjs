#!/usr/bin/env node
// Where a phone's time goes (issue 19): runs the phone measurement of bench/browser.mjs on the demo
// page with a Chromium performance trace, then prints, per run, the network waterfall (when each
// request started and finished after navigation, and its bytes on the wire) and every main-thread
// task over 50 ms with what ran inside it: trace events by self time (script evaluation per file,
// function calls, style, layout, garbage collection, WebAssembly compilation) and the hottest
// functions of the CPU profile sampled in the same trace.
//
//   node bench/phone-trace.mjs [--runs N] [--rate 6] [--network slow4g|none] [--no-trace]
//                              [--trace-dir DIR] [--json] [--dist DIR]
//
// Needs the built packages (npm run build). --trace-dir keeps each run's raw trace (open it in
// Chromium's DevTools, Performance panel). --no-trace leaves the trace out (its recording slows
// the page) and prints the page's own Resource Timing waterfall, the widget's bytes on the wire
// per phase and the long tasks instead. --json prints the figures as JSON on stdout. --dist serves
// another build of the widget than packages/widget/dist: one made with SECURE_SIGN_WIDGET_OUT (see
// packages/widget/rollup.config.mjs), or a copy run through a beautifier (terser, beautify: true,
// integrity.json recomputed) so that the CPU profile names lines. Not part of `npm run bench`: a
// tool to explain its phone figures, whose numbers a trace itself inflates.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { launch, phoneRun, SLOW_4G } from './browser.mjs';
import { median, run, say, startProcess } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'v8',
  'v8.wasm',
  'blink.user_timing',
  'loading',
  'disabled-by-default-v8.cpu_profiler',
];

/** The short name of a URL: its last path segment (or the host), for tables. */
function short(url) {
  if (!url) return '';
  try {
    const parsed = new URL(url);
    const last = parsed.pathname.split('/').filter(Boolean).pop();
    return last ?? parsed.host;
  } catch {
    return String(url).slice(0, 40);
  }
}

/** The label of a trace event in a breakdown: its name, with the script or function it ran. */
function label(event) {
  const data = event.args?.data ?? {};
  switch (event.name) {
    case 'EvaluateScript':
    case 'v8.compile':
    case 'v8.compileModule':
    case 'v8.evaluateModule':
    case 'v8.produceModuleCache':
      return `${event.name} ${short(data.url ?? event.args?.fileName)}`;
    case 'FunctionCall':
      return `FunctionCall ${data.functionName || '(anonymous)'} ${short(data.url)}`;
    case 'EventDispatch':
      return `EventDispatch ${data.type}`;
    default:
      return event.name;
  }
}

/**
 * Analyses one trace: the page's renderer main thread, its navigation start, the network
 * requests and every task over `threshold` ms with its breakdown.
 */
export function analyse(traceJson, { threshold = 50 } = {}) {
  const parsed = JSON.parse(traceJson);
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  // The renderer whose main thread evaluated the widget.
  const widgetScript = events.find((e) => e.name === 'EvaluateScript' && /secure-sign\.js/.test(e.args?.data?.url ?? '')) ??
    events.find((e) => e.name === 'v8.compileModule' && /secure-sign\.js/.test(e.args?.fileName ?? ''));
  if (!widgetScript) throw new Error('the trace has no evaluation of secure-sign.js');
  const pid = widgetScript.pid;
  const tid = [...threads].find(([key, name]) => key.startsWith(`${pid}:`) && name === 'CrRendererMain')?.[0].split(':')[1];
  const main = (e) => e.pid === pid && String(e.tid) === String(tid);
  const nav = events
    .filter((e) => e.name === 'navigationStart' && e.pid === pid && /open-letter/.test(e.args?.data?.documentLoaderURL ?? ''))
    .sort((a, b) => a.ts - b.ts)[0];
  if (!nav) throw new Error('the trace has no navigationStart of the page');
  const t0 = nav.ts;
  const ms = (ts) => (ts - t0) / 1000;

  // Network: from the renderer's resource events (network emulation applies to them).
  const requests = new Map();
  for (const e of events) {
    const data = e.args?.data;
    if (!data?.requestId) continue;
    if (e.name === 'ResourceSendRequest') requests.set(data.requestId, { url: data.url, start: ms(e.ts), priority: data.priority });
    const request = requests.get(data.requestId);
    if (!request) continue;
    if (e.name === 'ResourceReceiveResponse') {
      request.status = data.statusCode;
      request.firstByte = data.timing ? (data.timing.requestTime * 1e6 + data.timing.receiveHeadersEnd * 1000 - t0) / 1000 : ms(e.ts);
    }
    if (e.name === 'ResourceFinish') {
      request.end = data.finishTime ? (data.finishTime * 1e6 - t0) / 1000 : ms(e.ts);
      request.bytes = data.encodedDataLength;
    }
  }

  // Main-thread events, complete ('X') ones, in order, with their self time.
  const slices = events.filter((e) => main(e) && e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const tasks = slices.filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur > threshold * 1000);
  // Top-level tasks only (a RunTask nested in another is counted in its parent).
  const top = tasks.filter((task, i) => !tasks.some((other, j) => j !== i && other.ts <= task.ts && other.ts + other.dur >= task.ts + task.dur && other.dur > task.dur));

  // CPU profile samples of the main thread.
  const samples = [];
  const profiles = new Map();
  for (const e of events) {
    if (e.name === 'Profile' && main(e)) profiles.set(e.id, { start: e.args.data.startTime, nodes: new Map(), time: e.args.data.startTime });
  }
  const chunks = events.filter((e) => e.name === 'ProfileChunk' && profiles.has(e.id)).sort((a, b) => a.ts - b.ts);
  for (const chunk of chunks) {
    const profile = profiles.get(chunk.id);
    const cpu = chunk.args.data.cpuProfile ?? {};
    for (const node of cpu.nodes ?? []) profile.nodes.set(node.id, node);
    const deltas = chunk.args.data.timeDeltas ?? [];
    const lines = chunk.args.data.lines ?? [];
    (cpu.samples ?? []).forEach((id, i) => {
      profile.time += deltas[i] ?? 0;
      samples.push({ ts: profile.time, node: profile.nodes.get(id), line: lines[i] });
    });
  }
  samples.sort((a, b) => a.ts - b.ts);

  const longTasks = top.map((task) => {
    const inside = slices.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur);
    // Self time: each event's duration minus its direct children's.
    const self = new Map();
    const stack = [];
    const close = (until) => {
      while (stack.length && stack.at(-1).end <= until) {
        const done = stack.pop();
        self.set(done.label, (self.get(done.label) ?? 0) + done.dur - done.children);
      }
    };
    for (const e of inside) {
      close(e.ts);
      const parent = stack.at(-1);
      if (parent) parent.children += e.dur;
      stack.push({ label: label(e), end: e.ts + e.dur, dur: e.dur, children: 0 });
    }
    close(Infinity);
    const breakdown = [...self].filter(([, us]) => us >= 2000).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, us]) => ({ name, ms: us / 1000 }));
    // Hottest functions by samples inside the task.
    const functions = new Map();
    const from = samples.findIndex((s) => s.ts >= task.ts);
    for (let i = Math.max(0, from); i < samples.length && samples[i].ts < task.ts + task.dur; i++) {
      const next = samples[i + 1]?.ts ?? samples[i].ts;
      const frame = samples[i].node?.callFrame ?? {};
      // The line sampled when the trace has it (useful on a beautified build), else the function's.
      const line = samples[i].line > 0 ? samples[i].line : frame.lineNumber + 1;
      const name = `${frame.functionName || '(anonymous)'} ${short(frame.url)}${frame.url ? `:${line}` : ''}`;
      functions.set(name, (functions.get(name) ?? 0) + Math.min(next - samples[i].ts, 10_000));
    }
    const hottest = [...functions].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, us]) => ({ name, ms: us / 1000 }));
    const first = inside[0];
    return { start: ms(task.ts), duration: task.dur / 1000, first: first ? label(first) : '', breakdown, hottest };
  });

  return {
    requests: [...requests.values()].filter((r) => r.end !== undefined).sort((a, b) => a.start - b.start),
    longTasks,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      rate: { type: 'string', default: '6' },
      network: { type: 'string', default: 'slow4g' },
      'trace-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-trace': { type: 'boolean', default: false },
      dist: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  const rate = Number(values.rate);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--runs: a whole number, at least 1');
  if (!(rate >= 1 && rate <= 20)) throw new Error('--rate: a CPU slow-down factor from 1 to 20');
  if (!['slow4g', 'none'].includes(values.network)) throw new Error('--network: slow4g or none');
  const network = values.network === 'slow4g' ? SLOW_4G : null;

  const cryptoLib = await import(join(root, 'packages/crypto/dist/index.js'));
  const { startExampleServer } = await import(join(root, 'examples/serve.mjs'));
  const collectorBin = join(root, 'packages/collector/bin/secure-sign-collector.js');
  const work = mkdtempSync(join(tmpdir(), 'secure-sign-phone-'));
  const stops = [];
  const browser = await launch();
  const results = [];
  try {
    const keys = await cryptoLib.generateCampaignKeys();
    // Near-trivial challenges as in `npm run bench`'s phone runs: the proof of work stays out of it.
    await run(process.execPath, [collectorBin, 'campaign', 'add', 'bench', '--key', keys.publicKey.keyString, '--data-dir', work]);
    const collector = await startProcess(
      process.execPath,
      [collectorBin, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'error', '--data-dir', work, '--pow-difficulty', '10', '--pow-burst-max-factor', '1', '--rate-limit', '100000'],
      { ready: /listening on (\S+)/ },
    );
    stops.push(collector.stop);
    const pages = await startExampleServer({ campaign: 'bench', campaignKey: keys.publicKey.keyString, collectorUrl: collector.match[1], ...(values.dist ? { dist: values.dist } : {}) });
    stops.push(pages.close);
    if (values['trace-dir']) mkdirSync(values['trace-dir'], { recursive: true });
    for (let i = 0; i < runs; i++) {
      const { marks, longTasks, resources, trace } = await phoneRun(browser, `${pages.url}/open-letter/`, { rate, network, trace: values['no-trace'] ? undefined : CATEGORIES, run: i });
      if (trace && values['trace-dir']) writeFileSync(join(values['trace-dir'], `phone-${rate}x-${i + 1}.json`), trace);
      const analysis = trace ? analyse(trace.toString('utf8')) : { requests: resources, longTasks: [] };
      results.push({ marks, observed: longTasks, resources, ...analysis });
      say(`traced run ${i + 1}/${runs}: interactive ${marks.interactive.toFixed(0)} ms, tap to ready ${(marks.ready - marks.tap).toFixed(0)} ms, ${longTasks.length} long tasks`);
    }
  } finally {
    await browser.close();
    for (const stop of stops.reverse()) await stop();
    rmSync(work, { recursive: true, force: true });
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const f = (n) => (n === undefined ? '-' : n.toFixed(0).padStart(6));
  results.forEach((result, i) => {
    const { marks } = result;
    console.log(`\n=== run ${i + 1} at ${rate}x${network ? ', Slow 4G' : ''}: defined ${marks.defined?.toFixed(0)}, interactive ${marks.interactive.toFixed(0)} ms, tap ${marks.tap.toFixed(0)}, ready ${marks.ready.toFixed(0)} (+${(marks.ready - marks.tap).toFixed(0)}), submit ${marks.submit.toFixed(0)}, done ${marks.done.toFixed(0)}`);
    console.log('requests (ms after navigation start: sent, first byte, finished; bytes on the wire):');
    for (const r of result.requests) console.log(`  ${f(r.start)} ${f(r.firstByte)} ${f(r.end)} ${String(r.bytes ?? '').padStart(8)}  ${r.status ?? ''} ${short(r.url)}`);
    console.log('long tasks (trace; ms after navigation start, duration):');
    for (const task of result.longTasks) {
      console.log(`  at ${task.start.toFixed(0)}: ${task.duration.toFixed(0)} ms, first: ${task.first}`);
      for (const part of task.breakdown) console.log(`      ${part.ms.toFixed(1).padStart(6)} ms  ${part.name}`);
      if (task.hottest.length) console.log(`      hottest functions: ${task.hottest.map((h) => `${h.name} ${h.ms.toFixed(0)}`).join('; ')}`);
    }
    // The widget's own files on the wire (Resource Timing's transferSize, compressed, with headers).
    const widget = (result.resources ?? []).filter((r) => /\/widget\//.test(r.url));
    const sum = (from, to) => widget.filter((r) => r.start >= from && r.start < to).reduce((a, r) => a + (r.bytes ?? 0), 0);
    if (widget.length) console.log(`widget bytes on the wire: first load ${sum(0, marks.interactive + 1)}, while reading (prefetch) ${sum(marks.interactive + 1, marks.tap)}, from the tap to "Thank you" ${sum(marks.tap, Infinity)}`);
    console.log(`long tasks (PerformanceObserver): ${result.observed.map((t) => `${t.phase} ${t.duration.toFixed(0)}`).join(', ') || 'none'}`);
  });
  console.log(`\nmedians over ${runs} runs: interactive ${median(results.map((r) => r.marks.interactive)).toFixed(0)} ms, tap to ready ${median(results.map((r) => r.marks.ready - r.marks.tap)).toFixed(0)} ms; longest task ${Math.max(0, ...results.flatMap((r) => r.observed.map((t) => t.duration))).toFixed(0)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
