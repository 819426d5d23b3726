// A fixed pool of decryption workers. Batches of lines, or byte ranges of the input file that the
// worker reads itself (ranges.ts), go to whichever worker is free; callers get one promise per
// request, so they can keep results in input order and bound how many are in flight.

import { Worker } from 'node:worker_threads';
import { CliError } from './errors.js';
import type { LineResult, WorkerData, WorkerRequest, WorkerResponse } from './protocol.js';
import type { RangeRequest, RangeResponse } from './ranges.js';

/** What a worker answers when it could not read its range: the error's code (`ENOENT`, `EIO`...). */
interface ReadError {
  readonly id: number;
  readonly readError: string;
}

type Response = WorkerResponse | RangeResponse | ReadError;

interface Task {
  readonly request: WorkerRequest | RangeRequest;
  readonly resolve: (response: WorkerResponse | RangeResponse) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Heap limits of each worker. A worker holds one range's lines and results at a time (about a
 * megabyte), but V8 sizes a heap by the memory it is allowed, not the memory it needs: left to
 * its defaults, each worker's heap grew to tens of megabytes of garbage between collections.
 * These bounds keep decrypt's resident memory flat (docs/benchmarks.md, cli.decrypt_peak_rss_mb).
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 } as const;

/**
 * Requests a worker holds at once: the one it works on and the next, already in its message queue,
 * so that it never waits for this thread (busy writing, or not scheduled on a loaded machine) to
 * hand it more work. A worker answers its requests in the order it got them.
 */
const PER_WORKER = 2;

/** Worker threads running dist/worker.js. */
export class WorkerPool {
  /** Every worker that has started (each holds up to PER_WORKER requests). */
  readonly #ready: Worker[] = [];
  readonly #busy = new Map<Worker, Task[]>();
  readonly #queue: Task[] = [];
  readonly #workers: Worker[] = [];
  #nextId = 0;
  #failed: Error | undefined;

  private constructor() {}

  /** Starts `size` workers and waits until each has loaded its keys. */
  static async start(size: number, data: WorkerData): Promise<WorkerPool> {
    const pool = new WorkerPool();
    const url = new URL('./worker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: size }, () => new Promise<void>((resolve, reject) => {
        const worker = new Worker(url, { workerData: data, resourceLimits: WORKER_HEAP });
        pool.#workers.push(worker);
        worker.once('message', (message: { ready: boolean }) => {
          if (!message.ready) return reject(new CliError('a decryption worker could not load the keys'));
          worker.on('message', (response: Response) => pool.#done(worker, response));
          pool.#ready.push(worker);
          resolve();
        });
        worker.on('error', (error) => {
          pool.#fail(new CliError('a decryption worker failed', undefined, undefined, { cause: error }));
          reject(error);
        });
        worker.on('exit', (code) => {
          if (code !== 0 && !pool.#closing) pool.#fail(new CliError(`a decryption worker stopped (exit ${code})`));
        });
      })),
    ).catch(async (error: unknown) => {
      await pool.close();
      throw error;
    });
    return pool;
  }

  #closing = false;

  /** Decrypts one batch of lines, answering with formatted text or with the records themselves. */
  run(lines: readonly (Uint8Array | null)[], as: WorkerRequest['as'] = 'text'): Promise<readonly LineResult[]> {
    return this.#send({ id: this.#nextId++, lines, as }).then((response) => (response as WorkerResponse).results);
  }

  /**
   * Reads, splits and decrypts the lines that start in bytes [start, end) of the file at `path`,
   * in a worker: line numbers in the answer count from 1 within the range.
   *
   * @throws an Error with the `code` of the read failure (`ENOENT`, `EIO`...) if the file cannot be read.
   */
  runRange(path: string, start: number, end: number, as: RangeRequest['as'] = 'text'): Promise<RangeResponse> {
    return this.#send({ id: this.#nextId++, range: { path, start, end }, as }) as Promise<RangeResponse>;
  }

  #send(request: WorkerRequest | RangeRequest): Promise<WorkerResponse | RangeResponse> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      // The least loaded worker with room (an idle one first).
      let worker: Worker | undefined;
      let least = PER_WORKER;
      for (const candidate of this.#ready) {
        const held = this.#busy.get(candidate)?.length ?? 0;
        if (held < least) {
          worker = candidate;
          least = held;
        }
      }
      if (worker === undefined) return;
      const task = this.#queue.shift() as Task;
      const tasks = this.#busy.get(worker);
      if (tasks) tasks.push(task);
      else this.#busy.set(worker, [task]);
      worker.postMessage(task.request);
    }
  }

  #done(worker: Worker, response: Response): void {
    const tasks = this.#busy.get(worker) ?? [];
    const at = tasks.findIndex((t) => t.request.id === response.id);
    const task = at < 0 ? undefined : tasks.splice(at, 1)[0];
    if (task) {
      if ('readError' in response) task.reject(Object.assign(new Error(`cannot read the input (${response.readError})`), { code: response.readError }));
      else task.resolve(response);
    }
    this.#pump();
  }

  #fail(error: Error): void {
    this.#failed ??= error;
    for (const task of [...[...this.#busy.values()].flat(), ...this.#queue]) task.reject(error);
    this.#busy.clear();
    this.#queue.length = 0;
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
