// Withdrawal secrets in the browser: the platform's random source and SHA-256 from the bundled
// code (not node:crypto), agreeing with the fixed vector of format.md §3.6.
import { expect } from '@esm-bundle/chai';
import {
  createWithdrawalSecret,
  generateCampaignKeys,
  openSubmission,
  sealWithdrawable,
  withdrawalHash,
} from '@secure-sign/crypto';
import { withdrawalMatches } from '@secure-sign/crypto/log';

const signer = { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } } as const;

describe('withdrawal secrets in the browser', () => {
  it('hashes the fixed secret of format.md to its wh', () => {
    expect(withdrawalHash('8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PA')).to.equal('guVifxGSzJKvW26TVjXyF1dWR9Of3bhJ7JMBMxP0D5w');
  });

  it('creates distinct secrets whose hash WebCrypto confirms', async () => {
    const a = createWithdrawalSecret();
    const b = createWithdrawalSecret();
    expect(a.secret).not.to.equal(b.secret);
    const bytes = Uint8Array.from(atob(a.secret.replace(/-/g, '+').replace(/_/g, '/') + '='), (c) => c.charCodeAt(0));
    expect(bytes.length).to.equal(32);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const wh = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(a.hash).to.equal(wh);
  });

  it('seals a withdrawable signature that opens with its wh, and a withdrawal entry matches it', async () => {
    const keys = await generateCampaignKeys();
    const { envelope, withdrawalSecret } = await sealWithdrawable({ publicKey: keys.publicKey, campaign: 'open-letter', signer });
    expect(envelope.wh).to.equal(withdrawalHash(withdrawalSecret));
    expect((await openSubmission(keys, JSON.stringify(envelope))).withdrawalHash).to.equal(envelope.wh);
    const secret = Uint8Array.from(atob(withdrawalSecret.replace(/-/g, '+').replace(/_/g, '/') + '='), (c) => c.charCodeAt(0));
    expect(withdrawalMatches({ kind: 'withdrawal', submissionId: envelope.sid, withdrawalSecret: secret }, envelope.wh)).to.equal(true);
  });
});
