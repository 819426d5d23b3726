// The two requests of sending a signature: a proof-of-work challenge, and the sealed envelope with
// its solution. They ride in the solver's chunk (pow/solver.ts re-exports them), out of the first
// load: the component loads that chunk before asking for a challenge (only when the browser says
// it is online, as Chromium remembers a failed import for the page's lifetime), and an envelope is
// only posted after a challenge was solved, so by then it has arrived.
import type { Envelope } from '@secure-sign/crypto';
import { CollectorError, isObject, json, type Challenge, type CollectorClient, type Receipt, type Solution } from './collector.js';

/** POSTs for a new proof-of-work challenge (checked only for what the solver reads). */
export async function challenge(client: CollectorClient): Promise<Challenge> {
  const body = json((await client.request('/challenge', { method: 'POST', body: '{}' })).text);
  const parameters = body['parameters'];
  if (
    !isObject(parameters) ||
    typeof parameters['algorithm'] !== 'string' ||
    typeof parameters['nonce'] !== 'string' ||
    typeof parameters['salt'] !== 'string' ||
    typeof parameters['cost'] !== 'number' ||
    typeof parameters['keyPrefix'] !== 'string'
  ) {
    throw new CollectorError('bad-response', 200);
  }
  return body as unknown as Challenge;
}

/** POSTs a sealed envelope with its proof of work. Idempotent per `sid`. */
export async function submit(client: CollectorClient, envelope: Envelope, pow: { challenge: Challenge; solution: Solution }): Promise<Receipt> {
  const body = JSON.stringify({ envelope, pow });
  const answer = json((await client.request('/submissions', { method: 'POST', body })).text);
  const receivedAt = answer['receivedAt'];
  if (answer['sid'] !== envelope.sid || typeof receivedAt !== 'string' || receivedAt.length > 40) {
    throw new CollectorError('bad-response', 200);
  }
  return { sid: envelope.sid, receivedAt, log: answer['log'] };
}
