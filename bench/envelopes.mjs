// Makes a file of N distinct sealed envelopes (one JSON per line) for the decrypt benchmarks,
// sealing in worker threads, one per core, with varied signers so padding buckets vary as in life.
//
//   node bench/envelopes.mjs --public-key sspk1... --campaign ID --count N --out FILE
import { availableParallelism } from 'node:os';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const cryptoUrl = new URL('../packages/crypto/dist/index.js', import.meta.url).href;

// Run as a command only when it is the entry script (run.mjs imports makeEnvelopes).
if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'public-key': { type: 'string' },
      campaign: { type: 'string', default: 'bench' },
      count: { type: 'string', default: '1000' },
      out: { type: 'string' },
    },
  });
  await makeEnvelopes({
    publicKey: values['public-key'],
    campaign: values.campaign,
    count: Number(values.count),
    out: values.out,
  });
}

/** Writes `count` envelopes to `out`; resolves when the file is complete. */
export async function makeEnvelopes({ publicKey, campaign, count, out, onProgress }) {
  const workers = Math.max(1, Math.min(availableParallelism(), Math.ceil(count / 1000)));
  const file = createWriteStream(out);
  let written = 0;
  await Promise.all(
    Array.from({ length: workers }, (_, index) => {
      const share = Math.floor(count / workers) + (index < count % workers ? 1 : 0);
      const worker = new Worker(fileURLToPath(import.meta.url), {
        workerData: { publicKey, campaign, count: share, seed: index, cryptoUrl },
      });
      worker.on('message', async (batch) => {
        if (!file.write(batch.text)) {
          worker.postMessage('pause');
          await once(file, 'drain');
          worker.postMessage('resume');
        }
        written += batch.count;
        onProgress?.(written, count);
      });
      return new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sealing worker exited ${code}`))));
      });
    }),
  );
  file.end();
  await once(file, 'finish');
  return written;
}

if (!isMainThread) {
  const { publicKey: keyString, campaign, count, seed } = workerData;
  const { parseCampaignPublicKey, sealSubmission } = await import(workerData.cryptoUrl);
  const publicKey = await parseCampaignPublicKey(keyString);
  let paused = false;
  let resume = () => {};
  parentPort.on('message', (message) => {
    if (message === 'pause') paused = true;
    else {
      paused = false;
      resume();
    }
  });
  const words = ['encryption', 'privacy', 'trust', 'security', 'freedom', 'sûreté', 'Verschlüsselung', 'تشفير'];
  for (let done = 0; done < count; ) {
    let text = '';
    const size = Math.min(500, count - done);
    for (let i = 0; i < size; i++, done++) {
      const n = seed * 1e9 + done;
      const signer = {
        kind: n % 5 === 0 ? 'organisation' : 'individual',
        name: `Signer ${n}`,
        email: `signer${n}@example.org`,
        ...(n % 5 === 0 ? { organisation: `Organisation ${n % 997}` } : {}),
        ...(n % 3 === 0 ? { comment: `${words[n % words.length]} `.repeat(1 + (n % 40)) } : {}),
        consent: { listPublicly: n % 2 === 0, contactLater: n % 7 === 0 },
      };
      text += `${JSON.stringify(await sealSubmission({ publicKey, campaign, signer }))}\n`;
    }
    parentPort.postMessage({ text, count: size });
    if (paused) await new Promise((r) => (resume = r));
  }
  // The message listener would keep this thread alive forever.
  parentPort.close();
}
