// Published files: signed documents staff upload (the signer wall) and anyone may read.
import { isSecureSignError, parseCampaignPublicKey, verifyDocument } from '@secure-sign/crypto';
import { Hono } from 'hono';
import { ProblemError } from '../problems.js';
import { FILE_NAME, MAX_FILE_BYTES, campaignOf, publicCors, readJsonBody, requireStaff, type Env, type RouteDeps } from './context.js';

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
    return c.body(file.body, 200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=60',
      'Last-Modified': new Date(file.updatedAt).toUTCString(),
    });
  });

  app.put('/v1/campaigns/:campaign/files/:name', async (c) => {
    const campaign = await campaignOf(deps, c);
    requireStaff(c, campaign);
    const name = c.req.param('name');
    if (!FILE_NAME.test(name)) throw new ProblemError('not-found', 'File names are 1-63 of a-z, 0-9 and -, then .json.');
    const { text } = await readJsonBody(c, MAX_FILE_BYTES);
    const publicKey = await parseCampaignPublicKey(campaign.key);
    let issuedAt: string;
    try {
      const payload = await verifyDocument(publicKey, text, {
        campaign: campaign.id,
        maxBytes: MAX_FILE_BYTES,
        ...(name === 'wall.json' ? { type: 'wall' } : {}),
      });
      issuedAt = payload.issuedAt;
    } catch (error) {
      if (isSecureSignError(error, 'AUTHENTICATION_FAILED') || isSecureSignError(error, 'KEY_MISMATCH')) {
        throw new ProblemError('bad-signature', 'The document is not signed by this campaign key.');
      }
      if (isSecureSignError(error, 'OVERSIZE')) throw new ProblemError('payload-too-large', 'The document is too large.');
      if (isSecureSignError(error)) {
        throw new ProblemError('malformed-document', `The document is not a signed document for this campaign and name (${error.code.toLowerCase()}).`);
      }
      throw error;
    }
    await store.putFile(campaign.id, name, { body: text, issuedAt, updatedAt: new Date(clock.now()).toISOString() });
    return c.json({ name, issuedAt }, 200);
  });

  return app;
}
