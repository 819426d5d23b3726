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

// Our own clock, from the start to the last response: autocannon ends an `amount` run on its
// one-second tick, which would count up to a second of idle time in a run of a few seconds.
const started = process.hrtime.bigint();
let lastResponse = started;
const instance = autocannon({
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
instance.on('response', () => {
  lastResponse = process.hrtime.bigint();
});
const result = await instance;
const ok = result['2xx'];
const seconds = Number(lastResponse - started) / 1e9;
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
