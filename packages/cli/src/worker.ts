// The decryption worker: `decrypt` starts one per core and sends it batches of raw input lines.
// Each line is decoded (strict UTF-8), parsed and opened here, so that the main thread only
// reads, orders and writes. A worker never throws on a line: every failure becomes a reason code.

import { isSecureSignError, parseCampaignSecretKey, parseEnvelope, openSubmission, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { stringify } from 'csv-stringify/sync';
import { csvRow, emailKey, toRecord } from './records.js';
import type { LineResult, WorkerData, WorkerRequest, WorkerResponse } from './protocol.js';

const data = workerData as WorkerData;
const decoder = new TextDecoder('utf-8', { fatal: true });

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker.js must run as a worker thread');
  const keys = new Map<string, CampaignKeyPair>();
  for (const secret of data.secretKeys) {
    const pair = await parseCampaignSecretKey(secret);
    keys.set(pair.publicKey.keyId, pair);
  }
  const open = async (bytes: Uint8Array | null): Promise<LineResult> => {
    if (bytes === null) return { ok: false, reason: 'OVERSIZE' };
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { ok: false, reason: 'INVALID_UTF8' };
    }
    try {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, reason: 'MALFORMED_ENVELOPE' };
      }
      // Lines of a collector export ({"seq":..,"receivedAt":..,"envelope":{..}}) are accepted too.
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('v' in value) && 'envelope' in value) {
        value = value.envelope;
      }
      // The key is looked up by the unvalidated kid only to choose it; openSubmission then
      // validates the whole envelope (validating twice cost a fifth of the time per record).
      const kid = typeof value === 'object' && value !== null && 'kid' in value ? value.kid : undefined;
      const pair = typeof kid === 'string' ? keys.get(kid) : undefined;
      if (!pair) {
        const envelope = parseEnvelope(value);
        if (data.campaign !== undefined && envelope.campaign !== data.campaign) return { ok: false, reason: 'CAMPAIGN_MISMATCH' };
        return { ok: false, reason: 'KEY_MISMATCH' };
      }
      const opened = await openSubmission(pair, value as Envelope, data.campaign === undefined ? {} : { campaign: data.campaign });
      const record = toRecord(opened);
      const formatted =
        data.format === 'csv' ? stringify([csvRow(record)]) : data.format === 'ndjson' ? JSON.stringify(record) + '\n' : JSON.stringify(record);
      return data.dedupe ? { ok: true, text: formatted, email: emailKey(record.signer.email), time: opened.createdAt } : { ok: true, text: formatted };
    } catch (error) {
      if (isSecureSignError(error)) return { ok: false, reason: error.code };
      return { ok: false, reason: 'INTERNAL_ERROR' };
    }
  };
  port.on('message', (request: WorkerRequest) => {
    void (async () => {
      const results: LineResult[] = [];
      for (const line of request.lines) results.push(await open(line));
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
