// The load baseline: a bare Node http server that reads each POST body and answers 201 with a
// small JSON receipt, doing no validation and no storage. Collector throughput is reported as a
// ratio to this, measured in the same run with the same load tool and concurrency.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  let size = 0;
  request.on('data', (chunk) => {
    size += chunk.length;
  });
  request.on('end', () => {
    const body = JSON.stringify({ ok: true, size });
    response.writeHead(request.method === 'POST' ? 201 : 200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`baseline: listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
