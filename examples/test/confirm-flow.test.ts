// E-mail confirmation, end to end (issue 16), in Debian's Chromium with the real collector
// (on SQLite, then on PostgreSQL), the real `secure-sign` CLI and a real SMTP exchange on loopback: two people sign (one
// on the English page, one on the French partner page); staff pull and `confirm send` mails each
// of them through an SMTP server running in this test; a mail scanner that follows every link
// confirms nothing; one signer confirms with the page's button, the other says it was not them;
// `decrypt --confirmed-only` exports only the confirmed signer; then the campaign is closed with a
// retention period, pull warns, and the deletion keeps both counts.
// The collector never sees an e-mail address: only the sealed envelope, its `ch` and, once the
// owner of the address presses a button, the secret the e-mail carried.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { CLI, COLLECTOR, CAMPAIGN, DEMO_PASSPHRASE, runNode, startDemo } from '../demo.mjs';
// @ts-expect-error: plain ESM module without types
import { inWidget, waitForHeading, widgetText } from '../../packages/widget/test/reach-inside.mjs';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

const dana = { name: 'Dana Confirmova', email: 'dana.confirm@example.org' };
const emile = { name: 'Émile Pasmoi', email: 'emile.pasmoi@example.org' };
const env = { SECURE_SIGN_PASSPHRASE: DEMO_PASSPHRASE };
const PG_URL = process.env['SECURE_SIGN_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const requireFromCollector = createRequire(join(import.meta.dirname, '../../packages/collector/package.json'));

/** Every row of every table in the collector's PostgreSQL schema, as text. */
async function postgresText(schema: string): Promise<string> {
  const { Client } = requireFromCollector('pg') as typeof import('pg');
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    let text = '';
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)} t`);
      text += rows.rows.map((r: { row: string }) => r.row).join('\n');
    }
    return text;
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  const { Client } = requireFromCollector('pg') as typeof import('pg');
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`).finally(() => client.end());
}

describe.each(['sqlite', 'postgres'] as const)('confirmed signatures without the collector ever seeing an e-mail (%s)', (engine) => {
  const dataDir = mkdtempSync(join(tmpdir(), `secure-sign-confirm-${engine}-`));
  const envelopes = join(dataDir, 'envelopes.ndjson');
  const schema = `confirm_flow_${process.pid}`;
  let demo: { collectorUrl: string; pageUrl: string; partnerUrl: string; keyFile: string; tokenFile: string; logKey: string; stop(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let smtp: SMTPServer;
  let smtpPort: number;
  const mails: ParsedMail[] = [];
  const links: Record<string, { confirm: string; disown: string }> = {};

  interface CampaignFacts { count: number; confirmed: number; log: { size: number }; retention?: { deleteAt: string; deletedAt?: string } }
  async function campaign(): Promise<CampaignFacts> {
    return (await (await fetch(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}`)).json()) as CampaignFacts;
  }

  /** The `count` and `confirmed` lines of the campaign's latest signed checkpoint. */
  async function checkpointLines(): Promise<string> {
    const text = await (await fetch(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}/log/checkpoint`)).text();
    return `${/^count \d+$/m.exec(text)?.[0]} ${/^confirmed \d+$/m.exec(text)?.[0]}`;
  }

  async function pull(): Promise<string> {
    const { stderr } = await runNode(CLI, ['pull', '--collector', demo.collectorUrl, '--campaign', CAMPAIGN, '--token-file', demo.tokenFile, '--log-key', demo.logKey, '--out', envelopes]);
    return stderr;
  }

  async function decrypt(...extra: string[]): Promise<{ stdout: string; stderr: string }> {
    return runNode(CLI, ['decrypt', '--key', demo.keyFile, '--campaign', CAMPAIGN, '-i', envelopes, ...extra], { env });
  }

  async function confirmSend(...extra: string[]): Promise<{ stdout: string; stderr: string }> {
    return runNode(
      CLI,
      ['confirm', 'send', '--key', demo.keyFile, '--campaign', CAMPAIGN, '--in', envelopes, '--collector', demo.collectorUrl, '--from', 'campaign@example.org', '--smtp', `smtp://127.0.0.1:${smtpPort}`, '--state', join(dataDir, 'confirm-state.json'), ...extra],
      { env },
    );
  }

  async function sign(page: Page, who: { name: string; email: string }, thanks: RegExp): Promise<void> {
    await (await inWidget(page, '[name="name"]')).fill(who.name);
    await (await inWidget(page, '[name="email"]')).fill(who.email);
    await (await inWidget(page, '[name="contactLater"]')).check();
    await (await inWidget(page, 'button[type="submit"]')).click();
    await waitForHeading(page, thanks, { timeout: 60_000 });
  }

  beforeAll(async () => {
    // Retention periods in seconds and a deletion pass every half second (tests only).
    process.env['SECURE_SIGN_TEST_SHORT_RETENTION'] = '1';
    demo = await startDemo({ dataDir, collectorPort: 0, pagePort: 0, ...(engine === 'postgres' ? { database: { url: PG_URL, schema } } : {}) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    context = await browser.newContext();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            mails.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await demo?.stop();
    if (engine === 'postgres') await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two people sign: Dana on the English page, Émile on the French partner page', async () => {
    const page = await context.newPage();
    await page.goto(demo.pageUrl);
    await sign(page, dana, /Thank you for signing/);
    const partner = await context.newPage();
    await partner.goto(demo.partnerUrl);
    await sign(partner, emile, /Merci/);
    const facts = await campaign();
    expect(facts.count).toBe(2);
    expect(facts.confirmed).toBe(0);
  });

  it('staff pull, and confirm send mails each signer in their language through a real SMTP exchange', async () => {
    await pull();
    const sent = await confirmSend();
    expect(sent.stderr).toMatch(/sent 2 messages/);
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address;
      const text = mail.text ?? '';
      const confirm = new RegExp(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}/confirm\\?code=[A-Za-z0-9_.-]+&lang=[a-z]+`).exec(text)?.[0];
      const disown = new RegExp(`${demo.collectorUrl}/v1/campaigns/${CAMPAIGN}/disown\\?code=[A-Za-z0-9_.-]+&lang=[a-z]+`).exec(text)?.[0];
      expect(confirm, text).toBeTruthy();
      expect(disown, text).toBeTruthy();
      links[to!] = { confirm: confirm!, disown: disown! };
    }
    expect(links[dana.email]!.confirm).toMatch(/&lang=en$/);
    expect(links[emile.email]!.confirm).toMatch(/&lang=fr$/);
    const toEmile = mails.find((m) => m.text?.includes(links[emile.email]!.confirm));
    const toDana = mails.find((m) => m.text?.includes(links[dana.email]!.confirm));
    expect(toEmile!.subject).not.toBe(toDana!.subject);
    // The message holds nothing a signer typed: a name is anyone's to choose, and would let a
    // stranger put their own words into a mail sent in the campaign's name.
    for (const mail of mails) for (const typed of [dana.name, emile.name]) expect(mail.text).not.toContain(typed);

    // Run again: nobody is mailed twice.
    const again = await confirmSend();
    expect(again.stderr).toMatch(/sent 0 messages.*2 already mailed/);
    expect(mails).toHaveLength(2);
  });

  it('a mail scanner that follows every link confirms and removes nothing', async () => {
    const before = await campaign();
    for (const { confirm, disown } of Object.values(links)) {
      for (const url of [confirm, disown]) {
        for (const method of ['GET', 'HEAD']) {
          const response = await fetch(url, { method, redirect: 'follow' });
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        }
      }
    }
    const after = await campaign();
    expect(after.count).toBe(2);
    expect(after.confirmed).toBe(0);
    expect(after.log.size).toBe(before.log.size);
  });

  it('Dana confirms with the page button, Émile says it was not him', async () => {
    const page = await context.newPage();
    await page.goto(links[dana.email]!.confirm);
    expect(await page.locator('form button').count()).toBe(1);
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
    expect(await page.textContent('body')).not.toContain(links[dana.email]!.confirm.split('code=')[1]!.split('&')[0]);
    let facts = await campaign();
    expect(facts.confirmed).toBe(1);
    expect(facts.count).toBe(2);

    await page.goto(links[emile.email]!.disown);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
    facts = await campaign();
    expect(facts.count).toBe(1);
    expect(facts.confirmed).toBe(1);
    await expect.poll(checkpointLines, { timeout: 10_000, interval: 100 }).toBe('count 1 confirmed 1');

    // Émile's confirm link no longer does anything: the first decision stands.
    await page.goto(links[emile.email]!.confirm);
    if ((await page.locator('form button').count()) > 0) {
      const [response] = await Promise.all([page.waitForNavigation(), page.click('form button')]);
      expect(response?.status()).toBe(409);
    }
    expect((await campaign()).confirmed).toBe(1);
  });

  it('pull checks the decisions in the log, and decrypt --confirmed-only exports only Dana, also for Action Network', async () => {
    await pull();
    const all = await decrypt('--format', 'ndjson');
    expect(all.stdout).toContain(dana.email);
    expect(all.stdout).not.toContain(emile.email);
    expect(all.stderr).toContain('1 disowned by the owner of its e-mail address, left out');

    const confirmed = await decrypt('--format', 'ndjson', '--confirmed-only');
    expect(confirmed.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(confirmed.stdout).toContain(dana.email);

    const crm = await decrypt('--format', 'actionnetwork', '--confirmed-only');
    expect(crm.stdout).toContain(dana.email);
    expect(crm.stdout).not.toContain(emile.email);
  });

  it('closing with a retention period: pull warns, the deletion keeps both counts, a decision made stands', async () => {
    const storage = engine === 'postgres' ? ['--database-url', PG_URL, '--database-schema', schema] : ['--data-dir', join(dataDir, 'collector')];
    await runNode(COLLECTOR, ['campaign', 'close', CAMPAIGN, '--delete-after', '8s', ...storage], { env: { SECURE_SIGN_TEST_SHORT_RETENTION: '1' } });
    const warned = await pull();
    expect(warned).toMatch(/delet/i);
    await expect.poll(async () => (await campaign()).retention?.deletedAt, { timeout: 30_000, interval: 250 }).toBeTruthy();
    const facts = await campaign();
    expect(facts.count).toBe(1);
    expect(facts.confirmed).toBe(1);

    // Dana confirmed before the deletion: her "this wasn't me" link cannot undo it now.
    const page = await context.newPage();
    await page.goto(links[dana.email]!.disown);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form button')]);
    expect(response?.status()).toBe(409);
    expect(await campaign()).toMatchObject({ count: 1, confirmed: 1 });

    // Staff keep what they pulled before (theirs to delete); a fresh pull holds no ciphertext.
    await pull();
    expect((await decrypt('--format', 'ndjson', '--confirmed-only')).stdout).toContain(dana.email);
    const fresh = join(dataDir, 'after-deletion.ndjson');
    await runNode(CLI, ['pull', '--collector', demo.collectorUrl, '--campaign', CAMPAIGN, '--token-file', demo.tokenFile, '--log-key', demo.logKey, '--out', fresh]);
    expect(readFileSync(fresh, 'utf8')).not.toContain('"envelope"');
    const gone = await runNode(CLI, ['decrypt', '--key', demo.keyFile, '--campaign', CAMPAIGN, '-i', fresh, '--format', 'ndjson'], { env });
    expect(gone.stdout).toBe('');
    // Nothing the signers typed was ever in the collector's database.
    let stored = '';
    if (engine === 'postgres') stored = await postgresText(schema);
    else for (const file of readdirSync(join(dataDir, 'collector')).filter((f) => f.startsWith('collector.sqlite'))) stored += readFileSync(join(dataDir, 'collector', file), 'latin1');
    expect(stored).toContain(CAMPAIGN);
    for (const typed of [dana.email, emile.email, dana.name, 'Pasmoi', 'example.org']) expect(stored).not.toContain(typed);
  });
});
