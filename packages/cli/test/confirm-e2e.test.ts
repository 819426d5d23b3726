// E-mail confirmation from end to end with the real collector binary (SQLite) and a real SMTP
// server on loopback: signatures sealed as the widget seals them, pull, confirm send, the links
// followed as a mail scanner follows them (nothing changes), the buttons pressed, pull again, and
// decrypt and wall build --confirmed-only.
import { sealWithdrawable, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, run, signer, tempDir } from './helpers.js';
import { COLLECTOR_BUILT as BUILT, startCollector, submitEnvelope, waitForLog as waitForLogOf, type RealCollector } from './real-collector.js';
import { linksOf, startInbox, type Inbox } from './smtp.js';

const ADMIN = 'test-admin-token-'.padEnd(48, 'c');
const CAMPAIGN = 'confirm-letter';
const PASSWORD = 'smtp-password-for-the-e2e-test';

let t: Awaited<ReturnType<typeof tempDir>>;
let collector: RealCollector | undefined;
let url: string;
let keys: CampaignKeyPair;
let inbox: Inbox;

beforeAll(async () => {
  if (!BUILT) return;
  t = await tempDir();
  keys = await keygen(t.dir);
  inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD } });
  await writeFile(t.path('admin.token'), ADMIN + '\n', { mode: 0o600 });
  collector = await startCollector(t.path('data'), ADMIN);
  url = collector.url;
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  await inbox?.close();
  await t?.cleanup();
});

const submit = async (envelope: Envelope): Promise<number> => (await submitEnvelope(url, CAMPAIGN, envelope)).status;
const waitForLog = (size: number): Promise<void> => waitForLogOf(url, CAMPAIGN, size);

async function campaignCounts(): Promise<{ count: number; confirmed: number }> {
  const body = (await (await fetch(`${url}/v1/campaigns/${CAMPAIGN}`)).json()) as { count: number; confirmed: number };
  return { count: body.count, confirmed: body.confirmed };
}

/** Presses the page's button as a browser would: the form's action, its hidden fields, form-encoded. */
async function pressButton(page: string): Promise<Response> {
  const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
  if (action === undefined) throw new Error('the page has no form');
  const fields = new URLSearchParams([...page.matchAll(/<input type="hidden" name="([a-z]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replaceAll('&amp;', '&')] as [string, string]));
  return fetch(new URL(action, url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
}

const lines = async (name: string): Promise<string[]> => (await readFile(t.path(name), 'utf8')).split('\n').filter((l) => l !== '');
const recipients = (): (string | undefined)[] => inbox.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined));

describe.skipIf(!BUILT)('e-mail confirmation with the real collector and a real SMTP server (issue 16)', () => {
  it('pull, confirm send (dry run, then SMTP), links followed change nothing, the buttons confirm and disown, pull, decrypt and wall build --confirmed-only', async () => {
    const reg = await run(t.dir, ['register', '--collector', url, '--campaign', CAMPAIGN, '--key', 'campaign.key', '--admin-token-file', 'admin.token', '--token-out', 'staff.token']);
    expect(reg.code).toBe(0);
    const vkey = /pull --log-key \.\.\.\): (\S+)/.exec(reg.stderr)![1]!;
    // 0 signs in French, 1 in German, 2 in English (and confirms at once), 3 withdraws.
    const langs = ['fr', 'de', 'en', 'en'];
    const signed = [];
    for (let i = 0; i < 4; i++) {
      const sealed = await sealWithdrawable({ publicKey: keys.publicKey, campaign: CAMPAIGN, signer: signer(i, { consent: { listPublicly: true, contactLater: true } }), confirmable: true, lang: langs[i]! });
      expect(await submit(sealed.envelope)).toBe(201);
      signed.push(sealed);
    }
    const confirmed2 = await fetch(`${url}/v1/campaigns/${CAMPAIGN}/confirmations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sid: signed[2]!.envelope.sid, secret: signed[2]!.confirmationSecret, decision: 'confirm' }),
    });
    expect(confirmed2.status).toBe(200);
    const withdrawn3 = await fetch(`${url}/v1/campaigns/${CAMPAIGN}/withdrawals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sid: signed[3]!.envelope.sid, secret: signed[3]!.withdrawalSecret }),
    });
    expect(withdrawn3.status).toBe(200);
    await waitForLog(6);
    const pullArgs = ['pull', '--collector', url, '--campaign', CAMPAIGN, '--token-file', 'staff.token', '--out', 'envelopes.ndjson', '--log-key', vkey];
    const pulled = await run(t.dir, pullArgs);
    expect(pulled.stderr).toBe(
      'secure-sign: pulled 3 new envelopes (and 1 withdrawals, 0 removals by the operator, 1 envelopes whose ciphertext is gone, 1 confirmations and 0 disowned by the owners of the e-mail addresses) into envelopes.ndjson (last seq 6)\n' +
        'secure-sign: verified against the log: the 6 entries of its latest checkpoint are exactly the lines pulled; signed count 3 (1 confirmed) recounted\n',
    );
    expect(pulled.code).toBe(0);

    const send = ['confirm', 'send', '--key', 'campaign.key', '--in', 'envelopes.ndjson', '--from', 'Confirm letter <team@example.org>', '--collector', url];
    const dry = await run(t.dir, [...send, '--dry-run', 'outbox']);
    expect(dry.stderr).toBe('secure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, left out\nsecure-sign: dry run: wrote 2 messages to outbox, sent nothing; 3 signers (one per e-mail address): 1 already confirmed, 0 already mailed, 0 without a confirmation secret (signed with an older form)\n');
    expect((await readdir(t.path('outbox'))).sort()).toEqual([0, 1].map((i) => `${signed[i]!.envelope.sid}.eml`).sort());
    expect(inbox.attempts).toEqual([]);

    const sent = await run(t.dir, [...send, '--smtp', `smtp://staff@127.0.0.1:${inbox.port}`], { env: { SECURE_SIGN_SMTP_PASSWORD: PASSWORD } });
    expect(sent.stderr).toContain('secure-sign: sent 2 messages; 3 signers (one per e-mail address): 1 already confirmed, 0 already mailed');
    expect(sent.code).toBe(0);
    expect(recipients()).toEqual(['signer0@example.org', 'signer1@example.org']);
    const [mail0, mail1] = inbox.messages;
    const [confirm0, disown0] = linksOf(mail0!);
    const [, disown1] = linksOf(mail1!);
    expect(confirm0!.href).toBe(`${url}/v1/campaigns/${CAMPAIGN}/confirm?code=${signed[0]!.envelope.sid}.${signed[0]!.confirmationSecret}&lang=fr`);
    expect(disown1!.href).toBe(`${url}/v1/campaigns/${CAMPAIGN}/disown?code=${signed[1]!.envelope.sid}.${signed[1]!.confirmationSecret}&lang=de`);

    // A mail scanner follows every link: nothing is confirmed or disowned.
    const before = await campaignCounts();
    expect(before).toEqual({ count: 3, confirmed: 1 });
    const pages: Record<string, string> = {};
    for (const [name, link] of [['confirm0', confirm0!], ['disown0', disown0!], ['disown1', disown1!]] as const) {
      const response = await fetch(link);
      expect(response.status).toBe(200);
      pages[name] = await response.text();
    }
    expect(pages['confirm0']).toContain('Confirmer ma signature');
    expect(pages['disown1']).toContain('Das war ich nicht');
    expect(await campaignCounts()).toEqual(before);

    // Signer 0 presses "confirm", signer 1 presses "this wasn't me".
    expect((await pressButton(pages['confirm0']!)).status).toBe(200);
    expect((await pressButton(pages['disown1']!)).status).toBe(200);
    expect(await campaignCounts()).toEqual({ count: 2, confirmed: 2 });
    await waitForLog(8);
    const again = await run(t.dir, pullArgs);
    expect(again.stderr).toBe(
      'secure-sign: pulled 0 new envelopes (and 0 withdrawals, 0 removals by the operator, 0 envelopes whose ciphertext is gone, 1 confirmations and 1 disowned by the owners of the e-mail addresses) into envelopes.ndjson (last seq 8)\n' +
        'secure-sign: verified against the log: the 8 entries of its latest checkpoint are exactly the lines pulled; signed count 2 (2 confirmed) recounted\n',
    );
    expect(again.code).toBe(0);

    const all = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'envelopes.ndjson', '-o', 'all.ndjson']);
    expect(all.stderr).toBe('secure-sign: opened 3 of 3 records\nsecure-sign: 1 signature withdrawn by its signer, 0 removed by the operator, 1 disowned by the owner of its e-mail address, left out\n');
    expect((await lines('all.ndjson')).map((l) => JSON.parse(l).submissionId)).toEqual([signed[0]!.envelope.sid, signed[2]!.envelope.sid]);
    const confirmedOnly = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'envelopes.ndjson', '--confirmed-only', '--format', 'mailchimp', '-o', 'confirmed.csv']);
    expect(confirmedOnly.stderr).toContain('secure-sign: --confirmed-only: left out 0 unconfirmed signatures (no confirmation by the owner of the e-mail address)\n');
    expect(confirmedOnly.code).toBe(0);
    expect((await lines('confirmed.csv')).slice(1).map((l) => l.split(',')[0])).toEqual(['signer0@example.org', 'signer2@example.org']);

    // Nobody is left to mail: the confirmed are not mailed again, the disowned and withdrawn not at all.
    const last = await run(t.dir, [...send, '--smtp', `smtp://staff@127.0.0.1:${inbox.port}`], { env: { SECURE_SIGN_SMTP_PASSWORD: PASSWORD } });
    expect(last.stderr).toContain('secure-sign: sent 0 messages; 2 signers (one per e-mail address): 2 already confirmed, 0 already mailed');
    expect(inbox.messages).toHaveLength(2);

    const wall = await run(t.dir, ['wall', 'build', '--from', 'all.ndjson', '--envelopes', 'envelopes.ndjson', '--confirmed-only', '-o', 'wall.json']);
    expect(wall.code).toBe(0);
    expect(JSON.parse(await readFile(t.path('wall.json'), 'utf8')).entries.map((e: { name: string }) => e.name)).toEqual(['Signer 2', 'Signer 0']);
  });
});
