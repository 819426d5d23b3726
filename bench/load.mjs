// The load process: autocannon, in its own process so it does not share a core's event loop with
// the server under test. Reads request bodies (one JSON per line) and a target, sends each body
// once over N connections, and prints one JSON line with throughput and latency.
//
//   node bench/load.mjs --url URL --bodies FILE [--connections 64] [--path /x] [--method POST]
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    bodies: { type: 'string' },
    connections: { type: 'string', default: '64' },
    header: { type: 'string', multiple: true, default: [] },
  },
});
const lines = readFileSync(values.bodies, 'utf8').split('\n').filter(Boolean);
const requests = lines.map((line) => JSON.parse(line));
let next = 0;
const headers = Object.fromEntries(values.header.map((h) => h.split(/:\s*/, 2)));

const started = process.hrtime.bigint();
const result = await autocannon({
  url: values.url,
  connections: Number(values.connections),
  amount: requests.length,
  timeout: 30,
  requests: [
    {
      setupRequest: (request) => {
        const item = requests[next++ % requests.length];
        return {
          ...request,
          method: 'POST',
          path: item.path,
          headers: { ...request.headers, ...headers, 'content-type': 'application/json' },
          body: item.body,
        };
      },
    },
  ],
});
const ok = result['2xx'];
// Our own clock: autocannon's duration is too coarse for runs of a few seconds.
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  JSON.stringify({
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    rps: ok / seconds,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
  }),
);
