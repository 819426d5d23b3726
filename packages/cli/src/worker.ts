// The decryption worker: `decrypt` starts one per core and sends it byte ranges of the input file
// (or, for stdin, batches of raw lines). The worker reads its range itself (ranges.ts), and each
// line is decoded (strict UTF-8), parsed and opened here, with sodium-native where it loads
// (native-open.ts), so that the main thread only orders and writes. A worker never throws on a
// line: every failure becomes a reason code.

import {
  MAX_ENVELOPE_BYTES,
  isSecureSignError,
  isoTimestampSchema,
  openEnvelopeWith,
  parseCampaignSecretKey,
  type CampaignKeyPair,
} from '@secure-sign/crypto';
import { hash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadSealOpen } from './native-open.js';
import { isBlank } from './io.js';
import { MAX_LINE_BYTES, readRange, type RangeRequest, type RangeResponse } from './ranges.js';
import { formatRecord, toRecord, type Arrival } from './records.js';
import type { LineResult, WorkerData, WorkerRequest, WorkerResponse } from './protocol.js';

const data = workerData as WorkerData;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A collector export line, exactly as the collector and `pull` write it:
 * `{"seq":N,"receivedAt":"...","envelope":ENVELOPE}`. The envelope's own text is cut out of the
 * line, so that it is checked (size, JSON) exactly as a bare envelope line is.
 */
const EXPORT_LINE = /^\{"seq":([1-9][0-9]{0,15}),"receivedAt":("[^"\\]{0,64}"),"envelope":/;

/** Splits a line into the envelope's text and where it arrived; `undefined` for a malformed export line. */
function envelopeOf(line: string): { text: string; arrival: Arrival } | undefined {
  if (!line.startsWith('{"seq"')) return { text: line, arrival: {} };
  const match = EXPORT_LINE.exec(line);
  if (!match || !line.endsWith('}')) return undefined;
  const seq = Number(match[1]);
  const receivedAt = JSON.parse(match[2] as string) as string;
  if (!Number.isSafeInteger(seq) || !isoTimestampSchema.safeParse(receivedAt).success) return undefined;
  return { text: line.slice(match[0].length, -1), arrival: { seq, receivedAt } };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker.js must run as a worker thread');
  const { sealOpen } = await loadSealOpen();
  const keys = new Map<string, CampaignKeyPair>();
  for (const secret of data.secretKeys) {
    const pair = await parseCampaignSecretKey(secret);
    keys.set(pair.publicKey.keyId, pair);
  }
  // The envelope's text is parsed and checked once (crypto's openEnvelopeWith), its key chosen by
  // its kid: the same outcomes, in the same order, as openSubmission with the right key.
  const openEnvelope = openEnvelopeWith(sealOpen, (kid) => keys.get(kid));
  const options = data.campaign === undefined ? {} : { campaign: data.campaign };
  const confirmation = data.confirmation === true;
  const open = (bytes: Uint8Array | null, as: WorkerRequest['as']): LineResult => {
    if (bytes === null) return { ok: false, reason: 'OVERSIZE' };
    let line: string;
    try {
      line = decoder.decode(bytes);
    } catch {
      return { ok: false, reason: 'INVALID_UTF8' };
    }
    try {
      const found = envelopeOf(line);
      if (!found) return { ok: false, reason: 'MALFORMED_ENVELOPE' };
      const { text, arrival } = found;
      // One limit, the format's, on the envelope's own text (an export line adds its seq around it).
      if (Buffer.byteLength(text) > MAX_ENVELOPE_BYTES) return { ok: false, reason: 'OVERSIZE' };
      const { envelope, opened } = openEnvelope(text, options);
      const record = toRecord(opened, arrival, confirmation);
      // Replays are told from conflicts by this digest of the ciphertext (arrival.ts).
      const digest = hash('sha256', envelope.ct, 'base64url');
      const where = { ok: true as const, sid: opened.submissionId, digest, seq: arrival.seq, ch: opened.ch };
      return as === 'record' ? { ...where, record } : { ...where, text: formatRecord(record, data.format) };
    } catch (error) {
      if (isSecureSignError(error)) return { ok: false, reason: error.code };
      return { ok: false, reason: 'INTERNAL_ERROR' };
    }
  };
  const readAndOpen = ({ id, range, as }: RangeRequest): RangeResponse => {
    // Opened per range, so that no descriptor outlives a request (workers end by terminate()).
    const numbers: number[] = [];
    const at: number[] = [];
    const results: LineResult[] = [];
    const rejected: (Uint8Array | null)[] = [];
    const fd = openSync(range.path, 'r');
    let count: number;
    try {
      // Each line is opened as it is read: its bytes are a view of the read buffer (no copy per
      // line), valid only in this callback, so a rejected line's bytes are copied.
      count = readRange(fd, range.start, range.end, MAX_LINE_BYTES, (line) => {
        if (line.bytes !== null && isBlank(line.bytes)) return;
        const result = open(line.bytes, as);
        numbers.push(line.number);
        at.push(line.at);
        results.push(result);
        rejected.push(result.ok || line.bytes === null ? null : new Uint8Array(line.bytes));
      }, true);
    } finally {
      closeSync(fd);
    }
    return { id, count, numbers, at, results, rejected };
  };
  port.on('message', (request: WorkerRequest | RangeRequest) => {
    void (async () => {
      if ('range' in request) {
        try {
          port.postMessage(readAndOpen(request));
        } catch (error) {
          // A read failure (the file changed or vanished): its code only, never a path or bytes.
          const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : 'EIO';
          port.postMessage({ id: request.id, readError: code });
        }
        return;
      }
      const results: LineResult[] = [];
      for (const line of request.lines) results.push(open(line, request.as));
      const response: WorkerResponse = { id: request.id, results };
      port.postMessage(response);
    })();
  });
  port.postMessage({ ready: true });
}

void main().catch(() => {
  // Never pass the error on as is: it could quote a key. The main thread reports a failed start.
  parentPort?.postMessage({ ready: false });
});
