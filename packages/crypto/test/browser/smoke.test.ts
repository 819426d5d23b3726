import { expect } from '@esm-bundle/chai';
import { generateCampaignKeys, parseCampaignPublicKey } from '@secure-sign/crypto';

it('generates and parses keys in the browser', async () => {
  const keys = await generateCampaignKeys();
  const parsed = await parseCampaignPublicKey(keys.publicKey.keyString);
  expect(parsed.keyId).to.equal(keys.publicKey.keyId);
});
