// Hostile answers (issue 15): every answer the widget reads (the campaign, a challenge, the
// submission's receipt, a published file, the log checkpoint) is streamed with a byte limit and
// dropped as soon as it passes it, with a console message for the partner. A 50 MB answer (which
// the fake collector streams over about 3 s) is refused long before its end.
import { expect } from '@open-wc/testing';
import { Capture, control, mount, q, setupCampaign, submit, type, waitUntil } from './helpers.js';

const MB = 1024 * 1024;

const cases = [
  { route: 'campaign', limit: 65536, act: async () => undefined },
  { route: 'challenge', limit: 65536, act: async (element: HTMLElement) => q(element, '[name="name"]')!.focus() },
  {
    route: 'submissions',
    limit: 65536,
    act: async (element: HTMLElement) => {
      q(element, '[name="name"]')!.focus();
      type(element, 'name', 'Amara Obi');
      type(element, 'email', 'amara@example.org');
      submit(element);
    },
  },
  // The wall is fetched on the first interaction.
  { route: 'files', limit: 4 * MB, act: async (element: HTMLElement) => q(element, '[name="name"]')!.focus() },
  { route: 'checkpoint', limit: 65536, act: async () => undefined },
];

describe('<secure-sign> reads answers with a byte limit', () => {
  for (const { route, limit, act } of cases) {
    it(`drops a 50 MB answer to ${route} once past ${limit} bytes, quickly, and tells the partner`, async () => {
      const capture = new Capture().start();
      try {
        const setup = await setupCampaign({ huge: [route], logEntries: 1 });
        const { vkey } = await control({ op: 'log', campaign: setup.campaign });
        const started = performance.now();
        const element = await mount(setup, route === 'checkpoint' ? { 'log-key': vkey } : {});
        await act(element);
        await waitUntil(() => capture.console.some((line) => line.includes(`larger than ${limit} bytes`)), 'no console message');
        const elapsed = performance.now() - started;
        // The widget dropped the answer long before its end: the collector stopped producing it.
        const { hugeSent } = await control({ op: 'log', campaign: setup.campaign });
        expect(hugeSent, 'bytes the fake collector produced').to.be.below(25 * MB);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect((await control({ op: 'log', campaign: setup.campaign })).hugeSent, 'still producing after the drop').to.be.below(hugeSent + 4 * MB);
        expect(elapsed, 'milliseconds until refused').to.be.below(route === 'submissions' ? 8000 : 2500);
        if (route === 'checkpoint') await waitUntil(() => !q(element, '.count'), 'an unread checkpoint still shows a count');
      } finally {
        capture.stop();
      }
    });
  }
});
