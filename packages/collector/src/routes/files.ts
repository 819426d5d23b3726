// Published files: signed documents staff upload (the signer wall) and anyone may read.
// Rules: a file is stored only after it verifies against the campaign key and is unexpired by the
// app's clock; a file never replaces one with an equal or greater serial (the store decides that
// atomically, across processes), so nobody holding the staff token can roll a wall back.
import { isSecureSignError, parseCampaignPublicKey, verifyDocument, type DocumentPayload } from '@secure-sign/crypto';
import { Hono } from 'hono';
import { ProblemError } from '../problems.js';
import type { StoredFile } from '../store/types.js';
import { FILE_NAME, MAX_FILE_BYTES, campaignOf, publicCors, readJsonBody, requireStaff, type Env, type RouteDeps } from './context.js';

/**
 * How long browsers and shared caches may reuse a published file without asking again. Short, so
 * a newer wall reaches widgets within a minute; revalidation after that is a cheap 304.
 */
export const FILE_MAX_AGE_SECONDS = 60;

/**
 * A strong validator of the stored file. Serials only grow per name and every write sets a new
 * `updatedAt`, so the pair names one body.
 */
function entityTag(file: StoredFile): string {
  return `"${file.serial}-${Date.parse(file.updatedAt).toString(36)}"`;
}

/** Whether an `If-None-Match` header lists this tag (weak comparison, RFC 9110 §13.1.2). */
function noneMatch(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
}

/** `GET` and `PUT /v1/campaigns/{campaign}/files/{name}`. */
export function fileRoutes(deps: RouteDeps): Hono<Env> {
  const { store, clock } = deps;
  const app = new Hono<Env>();

  app.get('/v1/campaigns/:campaign/files/:name', async (c) => {
    publicCors(c);
    const campaign = await campaignOf(deps, c);
    const name = c.req.param('name');
    const file = FILE_NAME.test(name) ? await store.getFile(campaign.id, name) : undefined;
    if (!file) throw new ProblemError('not-found', 'Nothing was published under this name.');
    const tag = entityTag(file);
    const headers = {
      'Cache-Control': `public, max-age=${FILE_MAX_AGE_SECONDS}`,
      ETag: tag,
      'Last-Modified': new Date(file.updatedAt).toUTCString(),
    };
    // Only the entity tag is honoured: Last-Modified has whole seconds, and two walls can be
    // published within one second.
    if (noneMatch(c.req.header('if-none-match'), tag)) return c.body(null, 304, headers);
    return c.body(file.body, 200, { ...headers, 'Content-Type': 'application/json' });
  });

  app.put('/v1/campaigns/:campaign/files/:name', async (c) => {
    const campaign = await campaignOf(deps, c);
    requireStaff(deps, c, campaign);
    const name = c.req.param('name');
    if (!FILE_NAME.test(name)) throw new ProblemError('not-found', 'File names are 1-63 of a-z, 0-9 and -, then .json.');
    const { text } = await readJsonBody(c, MAX_FILE_BYTES);
    const publicKey = await parseCampaignPublicKey(campaign.key);
    const now = clock.now();
    let payload: DocumentPayload;
    try {
      payload = await verifyDocument(publicKey, text, {
        campaign: campaign.id,
        maxBytes: MAX_FILE_BYTES,
        now: new Date(now),
        ...(name === 'wall.json' ? { type: 'wall' } : {}),
      });
    } catch (error) {
      if (isSecureSignError(error, 'AUTHENTICATION_FAILED') || isSecureSignError(error, 'KEY_MISMATCH')) {
        throw new ProblemError('bad-signature', 'The document is not signed by this campaign key.');
      }
      if (isSecureSignError(error, 'DOCUMENT_EXPIRED')) {
        throw new ProblemError('expired-document', 'The document is past its validUntil: sign it again with a later validUntil.');
      }
      if (isSecureSignError(error, 'OVERSIZE')) throw new ProblemError('payload-too-large', 'The document is too large.');
      if (isSecureSignError(error)) {
        throw new ProblemError('malformed-document', `The document is not a signed document for this campaign and name (${error.code.toLowerCase()}).`);
      }
      throw error;
    }
    const { serial, issuedAt, validUntil } = payload;
    const result = await store.putFile(campaign.id, name, { body: text, serial, issuedAt, updatedAt: new Date(now).toISOString() });
    if (result.status === 'stale') {
      throw new ProblemError(
        'stale-document',
        `The collector serves a document with serial ${result.currentSerial} under this name; sign one with a greater serial.`,
        {},
        { currentSerial: result.currentSerial },
      );
    }
    return c.json({ name, serial, issuedAt, validUntil }, 200);
  });

  return app;
}
