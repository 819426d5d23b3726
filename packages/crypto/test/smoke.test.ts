import { describe, expect, it } from 'vitest';
import { generateCampaignKeys } from '@secure-sign/crypto';
import { fileURLToPath } from 'node:url';

describe('resolution', () => {
  it('resolves the workspace package to its sources', async () => {
    const resolved = await import.meta.resolve?.('@secure-sign/crypto');
    const keys = await generateCampaignKeys();
    expect(keys.publicKey.keyString).toMatch(/^sspk1/);
    console.log(resolved && fileURLToPath(resolved));
  });
});
