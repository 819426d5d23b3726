// Validate once (issue 13): at submit the widget validates what was typed (to show each field's
// error) and seals that validated signer; the crypto core does not validate it a second time.
import { expect, oneEvent } from '@open-wc/testing';
import { openSubmission, signerSchema } from '@secure-sign/crypto';
import { control, mount, q, setupCampaign, submit, type, waitUntil } from './helpers.js';

describe('<secure-sign> validates once', () => {
  it('checks what was typed once at submit, and seals exactly that', async () => {
    const setup = await setupCampaign({ count: 0 });
    const element = await mount(setup);
    q(element, '[name="name"]')!.focus();
    await waitUntil(() => (q(element, 'select[name="country"]') as HTMLSelectElement | null)?.options.length! > 100, 'the crypto chunk did not arrive');
    // Every parse of signer data, by what was parsed (the background warm-up seal parses its own
    // made-up signer, which does not count).
    const parsed: string[] = [];
    const original = signerSchema.safeParse;
    signerSchema.safeParse = ((input: unknown, ...rest: unknown[]) => {
      parsed.push(String((input as { name?: unknown })?.name));
      return (original as (...a: unknown[]) => unknown)(input, ...rest);
    }) as typeof original;
    try {
      type(element, 'name', '  Ines Duarte ');
      type(element, 'email', 'ines@example.org');
      type(element, 'country', 'PT');
      const success = oneEvent(element, 'secure-sign-success');
      submit(element);
      await success;
    } finally {
      signerSchema.safeParse = original;
    }
    expect(parsed.filter((name) => name !== 'warm-up')).to.deep.equal(['  Ines Duarte ']);
    const { stored } = await control({ op: 'log', campaign: setup.campaign });
    expect(stored).to.have.length(1);
    const opened = await openSubmission(setup.keys, stored[0].envelope, { campaign: setup.campaign });
    expect(opened.signer.name).to.equal('Ines Duarte');
    expect(opened.signer.country).to.equal('PT');
  });
});
