// `decrypt --format actionnetwork|civicrm|mailchimp|osdi` (docs/exports.md): the real binary, real
// envelopes, and the column names each tool publishes, written out here from their sources (not
// imported from the code under test), so that a renamed column fails the test.
import { sealSubmission, type CampaignKeyPair, type Envelope, type SignerInput } from '@secure-sign/crypto';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { keygen, run, signer, tempDir } from './helpers.js';

// Action Network: its field names, auto-matched when a header uses them
// (https://help.actionnetwork.org/hc/en-us/articles/203112959-File-formats-for-list-uploads),
// then custom columns it keeps as custom fields.
const ACTION_NETWORK_PUBLISHED = ['email', 'first_name', 'last_name', 'country'];
const ACTION_NETWORK_CUSTOM = ['organisation', 'role', 'comment'];
// CiviCRM: field titles from civicrm-core schema/Contact/Contact.entityType.php, the Email and
// Address entities, and CRM_Contact_BAO_Contact::importableFields ('Current Employer').
const CIVICRM_PUBLISHED = ['Email', 'First Name', 'Last Name', 'Current Employer', 'Job Title', 'Country', 'Contact Source', 'No Bulk Emails (User Opt Out)'];
// Mailchimp: default audience fields by label (https://kb.mailchimp.com/lists/growth/format-list-fields,
// https://mailchimp.com/help/format-guidelines-for-your-import-file/).
const MAILCHIMP_PUBLISHED = ['Email Address', 'First Name', 'Last Name'];

// OSDI fields this export uses: Signature / Record Signature Helper and Person
// (https://opensupporter.github.io/osdi-docs/signatures.html, record_signature.html, people.html).
const osdiSignatureSchema = z.strictObject({
  identifiers: z.array(z.string().regex(/^[^:\s]+:\S+$/)).min(1),
  origin_system: z.string().min(1),
  action_date: z.iso.datetime(),
  comments: z.string().optional(),
  person: z.strictObject({
    given_name: z.string().min(1),
    email_addresses: z
      .array(z.strictObject({ address: z.string().includes('@'), primary: z.boolean(), status: z.enum(['subscribed', 'unsubscribed', 'bouncing', 'spam complaints']) }))
      .min(1),
    employer: z.string().optional(),
    work_title: z.string().optional(),
    postal_addresses: z.array(z.strictObject({ primary: z.boolean(), country: z.string().regex(/^[A-Z]{2}$/) })).optional(),
    custom_fields: z.record(z.string(), z.string()).optional(),
  }),
});

/** RFC 4180, as csv-stringify writes it (LF line ends). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;
const sealed: Record<'ada' | 'org' | 'gone' | 'plus', Envelope> = {} as never;
let input = '';

const people: Record<keyof typeof sealed, SignerInput> = {
  // Agreed to be contacted.
  ada: signer(1, { name: 'Ada María Lovelace', email: 'ada@example.org', country: 'de', comment: 'Count me in', consent: { listPublicly: true, contactLater: true } }),
  // Did not agree; hostile cells.
  org: signer(2, { kind: 'organisation', name: '=HYPERLINK("http://evil.example")', email: 'org@example.org', organisation: '@Coalition', role: 'Director', consent: { listPublicly: true, contactLater: false } }),
  // Agreed, then withdrew the signature.
  gone: signer(3, { name: 'Withdrawn Person', email: 'gone@example.org', consent: { listPublicly: false, contactLater: true } }),
  // Agreed; cells that start like formulas.
  plus: signer(4, { name: '+Plus Name', email: '-dash@example.org', consent: { listPublicly: false, contactLater: true }, extra: { newsletter: true } }),
};

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
  const lines: string[] = [];
  let seq = 0;
  const at = (i: number): string => new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString();
  const secret = randomBytes(32).toString('base64url');
  for (const [i, name] of (['ada', 'org', 'gone', 'plus'] as const).entries()) {
    sealed[name] = await sealSubmission({
      publicKey: keys.publicKey,
      campaign: 'open-letter',
      signer: people[name],
      createdAt: Date.UTC(2026, 10, 1) + i * 1000,
      ...(name === 'gone' ? { withdrawalSecret: secret } : {}),
    });
    seq++;
    lines.push(JSON.stringify({ seq, receivedAt: at(seq), envelope: sealed[name] }));
  }
  seq++;
  lines.push(JSON.stringify({ seq, receivedAt: at(seq), withdrawal: { sid: sealed.gone.sid, secret } }));
  input = lines.join('\n') + '\n';
  await writeFile(t.path('pulled.ndjson'), input);
}, 60_000);
afterAll(() => t.cleanup());

const decrypt = (format: string, out: string, ...more: string[]) => run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'pulled.ndjson', '--format', format, '-o', out, ...more]);

describe('decrypt --format for campaign tools', () => {
  it('mailchimp: the published header, only signers who agreed to be contacted, withdrawn ones left out, cells neutralised', async () => {
    const r = await decrypt('mailchimp', 'mailchimp.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('secure-sign: opened 4 of 4 records\n');
    expect(r.stderr).toContain('secure-sign: 1 signature withdrawn by its signer');
    expect(r.stderr).toContain('secure-sign: left out 1 signer who did not agree to be contacted: an import into Mailchimp subscribes everyone in it\n');
    expect((await stat(t.path('mailchimp.csv'))).mode & 0o777).toBe(0o600);
    const text = await readFile(t.path('mailchimp.csv'), 'utf8');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(MAILCHIMP_PUBLISHED);
    expect(rows.slice(1)).toEqual([
      ['ada@example.org', 'Ada María Lovelace', ''],
      ["'-dash@example.org", "'+Plus Name", ''],
    ]);
    // The signer who did not agree is nowhere in the file, not even in part.
    expect(text).not.toContain('org@example.org');
    expect(text).not.toContain('HYPERLINK');
    expect(text).not.toContain('gone@example.org');
  });

  it('mailchimp with --dedupe-email: a signer who agreed once and declined later is left out (consents merge to the most restrictive)', async () => {
    const again = await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer: { ...people.ada, consent: { listPublicly: true, contactLater: false } }, createdAt: Date.UTC(2026, 10, 2) });
    await writeFile(t.path('twice.ndjson'), input + JSON.stringify({ seq: 99, receivedAt: '2026-11-27T11:00:00.000Z', envelope: again }) + '\n');
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '-i', 'twice.ndjson', '--format', 'mailchimp', '-o', 'twice.csv', '--dedupe-email']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('left out 2 signers who did not agree to be contacted');
    expect(parseCsv(await readFile(t.path('twice.csv'), 'utf8'))).toEqual([MAILCHIMP_PUBLISHED, ["'-dash@example.org", "'+Plus Name", '']]);
  });

  it('actionnetwork: Action Network field names then custom columns, only signers who agreed to be contacted', async () => {
    const r = await decrypt('actionnetwork', 'an.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('left out 1 signer who did not agree to be contacted: an import into Action Network subscribes everyone in it');
    const rows = parseCsv(await readFile(t.path('an.csv'), 'utf8'));
    expect(rows[0]).toEqual([...ACTION_NETWORK_PUBLISHED, ...ACTION_NETWORK_CUSTOM]);
    expect(rows.slice(1)).toEqual([
      ['ada@example.org', 'Ada María Lovelace', '', 'DE', '', '', 'Count me in'],
      ["'-dash@example.org", "'+Plus Name", '', '', '', '', ''],
    ]);
  });

  it('civicrm: CiviCRM field titles; every signer but the withdrawn one, opted out of bulk e-mail unless they agreed', async () => {
    const r = await decrypt('civicrm', 'civicrm.csv', '--csv-bom');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('did not agree to be contacted');
    const text = await readFile(t.path('civicrm.csv'), 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(CIVICRM_PUBLISHED);
    expect(rows.slice(1)).toEqual([
      ['ada@example.org', 'Ada María Lovelace', '', '', '', 'DE', 'secure-sign open-letter', '0'],
      ['org@example.org', `'=HYPERLINK("http://evil.example")`, '', "'@Coalition", 'Director', '', 'secure-sign open-letter', '1'],
      ["'-dash@example.org", "'+Plus Name", '', '', '', '', 'secure-sign open-letter', '0'],
    ]);
    expect(text).not.toContain('gone@example.org');
  });

  it('osdi: person signature records that validate against the OSDI fields used, consent explicit, withdrawn ones left out', async () => {
    const r = await decrypt('osdi', 'osdi.json');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('did not agree to be contacted');
    const parsed = z.array(osdiSignatureSchema).parse(JSON.parse(await readFile(t.path('osdi.json'), 'utf8')));
    expect(parsed.map((s) => s.identifiers)).toEqual([[`secure-sign:${sealed.ada.sid}`], [`secure-sign:${sealed.org.sid}`], [`secure-sign:${sealed.plus.sid}`]]);
    expect(parsed.map((s) => s.person.email_addresses.map((e) => [e.address, e.status]))).toEqual([
      [['ada@example.org', 'subscribed']],
      [['org@example.org', 'unsubscribed']],
      [['-dash@example.org', 'subscribed']],
    ]);
    expect(parsed[0]).toEqual({
      identifiers: [`secure-sign:${sealed.ada.sid}`],
      origin_system: 'secure-sign',
      action_date: new Date(Date.UTC(2026, 10, 1)).toISOString(),
      comments: 'Count me in',
      person: {
        given_name: 'Ada María Lovelace',
        email_addresses: [{ address: 'ada@example.org', primary: true, status: 'subscribed' }],
        postal_addresses: [{ primary: true, country: 'DE' }],
        custom_fields: { campaign: 'open-letter', signer_kind: 'individual', consent_list_publicly: 'true', consent_contact_later: 'true' },
      },
    });
    // JSON is not a spreadsheet: values are kept exactly as signed.
    expect(parsed[1]!.person).toMatchObject({ given_name: '=HYPERLINK("http://evil.example")', employer: '@Coalition', work_title: 'Director' });
    expect(parsed[2]!.person.custom_fields).toMatchObject({ extra_newsletter: 'true' });
    const empty = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'osdi'], { stdin: '' });
    expect(empty).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('an export profile on stdout keeps the same rules (a pipe is read twice for withdrawals)', async () => {
    const r = await run(t.dir, ['decrypt', '--key', 'campaign.key', '--format', 'mailchimp'], { stdin: input });
    expect(r.code).toBe(0);
    expect(parseCsv(r.stdout).map((row) => row[0])).toEqual(['Email Address', 'ada@example.org', "'-dash@example.org"]);
  });
});
