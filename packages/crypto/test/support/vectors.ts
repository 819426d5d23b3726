// Runs one test vector (docs/format.md §7) and says what happened, in the vector's own words.
// Shared by the Node and the browser test files; only how the files are loaded differs.
import {
  canonicalJson,
  isSecureSignError,
  openSubmission,
  parseCampaignPublicKey,
  parseCampaignSecretKey,
  verifyDocument,
} from '@secure-sign/crypto';
import { checkpointConfirmed, checkpointCount, decodeEntry, isLogError, leafHash, parseCheckpoint, tallyEntries } from '@secure-sign/crypto/log';

export interface Vector {
  readonly header: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Splits a vector file into its `key: value` header and its body (without the final newline). */
export function parseVector(text: string): Vector {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new Error('vector has no blank line after its header');
  const header: Record<string, string> = {};
  for (const line of text.slice(0, split).split('\n')) {
    const colon = line.indexOf(': ');
    if (colon < 0) throw new Error(`bad header line: ${line}`);
    header[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return { header, body: text.slice(split + 2).replace(/\n$/, '') };
}

/** The outcome a vector expects, spelled as in its `expect:` header. */
export function outcomeOf(error: unknown): string {
  if (isSecureSignError(error) || isLogError(error)) return error.code.toLowerCase().replaceAll('_', ' ');
  throw error;
}

/** Lower-case hex, both ways (the log vectors write bytes in hex). */
export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new Error('vector body is not lower-case hex');
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Runs a vector; returns `{ outcome, output }` where output is the canonical plaintext/payload on success. */
export async function runVector({ header, body }: Vector): Promise<{ outcome: string; output?: string }> {
  try {
    switch (header['kind']) {
      case 'envelope': {
        const keys = await parseCampaignSecretKey(header['secret-key']);
        const opened = await openSubmission(keys, body, { campaign: header['campaign'] as string });
        const output = canonicalJson({
          v: 1,
          campaign: opened.campaign,
          sid: opened.submissionId,
          wh: opened.withdrawalHash,
          createdAt: opened.createdAt,
          signer: opened.signer,
          ...(opened.confirmationSecret === undefined ? {} : { cs: opened.confirmationSecret }),
          ...(opened.lang === undefined ? {} : { lang: opened.lang }),
        });
        return { outcome: 'success', output };
      }
      case 'document': {
        const key = await parseCampaignPublicKey(header['public-key']);
        const now = header['now'];
        const minSerial = header['min-serial'];
        if (now === undefined) throw new Error('document vector without a now header');
        const payload = await verifyDocument(key, body, {
          type: header['type'] as string,
          campaign: header['campaign'] as string,
          now: new Date(now),
          ...(minSerial === undefined ? {} : { minSerial: Number(minSerial) }),
        });
        return { outcome: 'success', output: canonicalJson(payload) };
      }
      case 'public-key-string': {
        const key = await parseCampaignPublicKey(body);
        return { outcome: 'success', output: `${key.keyId} ${key.fingerprint}` };
      }
      case 'log-entry': {
        const bytes = fromHex(body);
        const entry = decodeEntry(bytes);
        const value =
          entry.kind === 'stored'
            ? entry.envelopeHash
            : entry.kind === 'withdrawal'
              ? entry.withdrawalSecret
              : entry.kind === 'removed'
                ? new Uint8Array(32)
                : entry.confirmationSecret;
        return { outcome: 'success', output: `${entry.submissionId} ${toHex(value)} ${toHex(leafHash(bytes))}` };
      }
      case 'log-entries': {
        const { count, confirmed } = tallyEntries(body.split('\n').map(fromHex));
        // Vectors written before the confirmed count (issue 16) state the count only.
        return { outcome: 'success', output: header['confirmed'] === undefined ? String(count) : `${count} ${confirmed}` };
      }
      case 'checkpoint-count':
        return { outcome: 'success', output: String(checkpointCount(parseCheckpoint(`${body}\n`)) ?? 'none') };
      case 'checkpoint-confirmed':
        return { outcome: 'success', output: String(checkpointConfirmed(parseCheckpoint(`${body}\n`)) ?? 'none') };
      default:
        throw new Error(`unknown vector kind ${header['kind']}`);
    }
  } catch (error) {
    return { outcome: outcomeOf(error) };
  }
}

/** What a successful vector's output must equal, from its header. */
export function expectedOutput(header: Readonly<Record<string, string>>): string | undefined {
  if (header['kind'] === 'public-key-string') return `${header['key-id']} ${header['fingerprint']}`;
  if (header['kind'] === 'log-entry') return `${header['sid']} ${header['value']} ${header['leaf-hash']}`;
  if (header['kind'] === 'log-entries') return header['confirmed'] === undefined ? header['count'] : `${header['count']} ${header['confirmed']}`;
  if (header['kind'] === 'checkpoint-count') return header['count'];
  if (header['kind'] === 'checkpoint-confirmed') return header['confirmed'];
  return header['plaintext'] ?? header['payload'];
}
