// `secure-sign confirm send` with a real SMTP exchange: smtp-server listens on loopback in this
// process, mailparser reads what arrived, and the real binary does the sending. The envelope
// files are written as pull writes them (export lines), sealed by @secure-sign/crypto as the
// widget seals them (confirmable, with the form's language).
import { createConfirmationSecret, createWithdrawalSecret, sealSubmission, sealWithdrawable, type CampaignKeyPair, type Envelope } from '@secure-sign/crypto';
import { simpleParser } from 'mailparser';
import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, keygen, run, signer, tempDir } from './helpers.js';
import { linksOf, startInbox, type Inbox } from './smtp.js';

const CAMPAIGN = 'open-letter';
const COLLECTOR = 'https://collector.example.org';
const PASSWORD = 'pw-Zq7!not-in-any-output';

let t: Awaited<ReturnType<typeof tempDir>>;
let keys: CampaignKeyPair;

beforeAll(async () => {
  t = await tempDir();
  keys = await keygen(t.dir);
});
afterAll(() => t.cleanup());

interface Signed {
  readonly envelope: Envelope;
  readonly confirmationSecret: string | undefined;
  readonly withdrawalSecret: string;
  readonly email: string;
}

/** Seals signers as the widget does (confirmable, with the form's language). */
async function sign(count: number, lang: (i: number) => string | undefined = () => 'en', first = 0): Promise<Signed[]> {
  const out: Signed[] = [];
  for (let i = first; i < first + count; i++) {
    const language = lang(i);
    const sealed = await sealWithdrawable({ publicKey: keys.publicKey, campaign: CAMPAIGN, signer: signer(i), confirmable: true, ...(language === undefined ? {} : { lang: language }) });
    out.push({ envelope: sealed.envelope, confirmationSecret: sealed.confirmationSecret, withdrawalSecret: sealed.withdrawalSecret, email: `signer${i}@example.org` });
  }
  return out;
}

const envelopeText = (e: Envelope): string => JSON.stringify({ v: e.v, campaign: e.campaign, kid: e.kid, sid: e.sid, wh: e.wh, ch: e.ch, ct: e.ct });
const exportLine = (seq: number, e: Envelope): string => `{"seq":${seq},"receivedAt":"2026-11-27T10:00:00.000Z","envelope":${envelopeText(e)}}`;
const eventLine = (seq: number, member: string, value: object): string => `{"seq":${seq},"receivedAt":"2026-11-27T10:00:00.000Z","${member}":${JSON.stringify(value)}}`;

/** Writes an envelope file as pull writes it. */
async function envelopeFile(name: string, lines: readonly string[]): Promise<string> {
  await writeFile(t.path(name), lines.map((l) => l + '\n').join(''), { mode: 0o600 });
  return name;
}

const smtpArgs = (inbox: Inbox, input: string, ...more: string[]) => [
  'confirm', 'send', '--key', 'campaign.key', '--in', input, '--from', 'Open letter <team@example.org>',
  '--smtp', `smtp://staff@${inbox.host}:${inbox.port}`, '--collector', COLLECTOR, ...more,
];
const env = { SECURE_SIGN_SMTP_PASSWORD: PASSWORD };

describe('confirm send (real SMTP on loopback)', () => {
  it('mails each signer once, in the language of their form, with the confirm and "this wasn\'t me" links', async () => {
    const inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD } });
    try {
      const signed = await sign(4, (i) => ['fr', 'de', 'pt-BR', undefined][i]);
      const file = await envelopeFile('lang.ndjson', signed.map((s, i) => exportLine(i + 1, s.envelope)));
      const result = await run(t.dir, smtpArgs(inbox, file, '--campaign-name', 'Open letter on encryption'), { env });
      expect(result.stderr).toBe('secure-sign: sent 4 messages; 4 signers (one per e-mail address): 0 already confirmed, 0 already mailed, 0 without a confirmation secret (signed with an older form)\n');
      expect(result.code).toBe(0);
      expect(inbox.messages.map((m) => m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined)).toEqual(signed.map((s) => s.email));
      const subjects = inbox.messages.map((m) => m.subject);
      expect(subjects).toEqual([
        'Merci de confirmer votre signature : Open letter on encryption',
        'Bitte bestätigen Sie Ihre Unterschrift: Open letter on encryption',
        'Please confirm your signature: Open letter on encryption',
        'Please confirm your signature: Open letter on encryption',
      ]);
      for (const [i, mail] of inbox.messages.entries()) {
        const s = signed[i]!;
        expect(mail.from?.value).toEqual([{ name: 'Open letter', address: 'team@example.org' }]);
        expect(mail.headers.get('content-language')).toBe(['fr', 'de', 'en', 'en'][i]);
        expect(mail.html).toBe(false);
        const [confirm, disown, ...rest] = linksOf(mail);
        expect(rest).toEqual([]);
        const code = `${s.envelope.sid}.${s.confirmationSecret}`;
        const lang = ['fr', 'de', 'pt-BR', undefined][i];
        expect(confirm!.origin + confirm!.pathname).toBe(`${COLLECTOR}/v1/campaigns/${CAMPAIGN}/confirm`);
        expect(disown!.origin + disown!.pathname).toBe(`${COLLECTOR}/v1/campaigns/${CAMPAIGN}/disown`);
        for (const link of [confirm!, disown!]) {
          expect(link.searchParams.get('code')).toBe(code);
          expect(link.searchParams.get('lang')).toBe(lang ?? null);
        }
        // It says a link alone does nothing, and names the buttons; nothing the signer typed is in it.
        expect(mail.text).toContain(['Ouvrir un lien ne change rien', 'Das Öffnen eines Links allein ändert nichts', 'Opening a link changes nothing', 'Opening a link changes nothing'][i]!);
        expect(mail.text).not.toContain(`Signer ${i}`);
        expect(mail.messageId).toBe(`<confirm.${s.envelope.sid}@example.org>`);
      }
      // The secret never reaches the terminal.
      expect(result.stderr + result.stdout).not.toContain(signed[0]!.confirmationSecret!);

      // Again: nobody is mailed twice.
      const again = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(again.stderr).toBe('secure-sign: sent 0 messages; 4 signers (one per e-mail address): 0 already confirmed, 4 already mailed, 0 without a confirmation secret (signed with an older form)\n');
      expect(again.code).toBe(0);
      expect(inbox.messages).toHaveLength(4);
      expect((await stat(t.path('lang.ndjson.confirm-state.ndjson'))).mode & 0o777).toBe(0o600);
    } finally {
      await inbox.close();
    }
  });

  it('does not mail signers who confirmed, withdrew, were removed or disowned, nor a later signature of the same address, nor an older form', async () => {
    const inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD } });
    try {
      const signed = await sign(6);
      const old = await sealSubmission({ publicKey: keys.publicKey, campaign: CAMPAIGN, signer: signer(6), withdrawalSecret: createWithdrawalSecret().secret });
      const twin = (await sealWithdrawable({ publicKey: keys.publicKey, campaign: CAMPAIGN, signer: signer(1, { name: 'Signer one again' }), confirmable: true, lang: 'de' })).envelope;
      const [a, b, c, d, e, f] = signed;
      const file = await envelopeFile('mixed.ndjson', [
        ...signed.map((s, i) => exportLine(i + 1, s.envelope)),
        exportLine(7, old),
        exportLine(8, twin),
        eventLine(9, 'confirmation', { sid: a!.envelope.sid, secret: a!.confirmationSecret, decision: 'confirm' }),
        eventLine(10, 'withdrawal', { sid: c!.envelope.sid, secret: c!.withdrawalSecret }),
        eventLine(11, 'removal', { sid: d!.envelope.sid }),
        eventLine(12, 'confirmation', { sid: e!.envelope.sid, secret: e!.confirmationSecret, decision: 'disown' }),
        // A confirmation the collector made up (its secret is not f's): f is still mailed, and it is named.
        eventLine(13, 'confirmation', { sid: f!.envelope.sid, secret: createConfirmationSecret().secret, decision: 'confirm' }),
      ]);
      const result = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(result.stderr).toBe(
        'secure-sign: 1 signature withdrawn by its signer, 1 removed by the operator, 1 disowned by the owner of its e-mail address, left out\n' +
          `secure-sign: error: 1 forged confirmation (the revealed secret does not hash to the envelope's ch), not counted: ${f!.envelope.sid}\n` +
          'secure-sign: hint: only staff and the owner of the e-mail address know the confirmation secret: the collector logged decisions nobody made; keep the envelope file as proof\n' +
          'secure-sign: sent 2 messages; 4 signers (one per e-mail address): 1 already confirmed, 0 already mailed, 1 without a confirmation secret (signed with an older form)\n',
      );
      expect(result.code).toBe(6);
      expect(inbox.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined))).toEqual([b!.email, f!.email]);
      // The first signature of signer1@ is the one mailed (its link carries b's sid, not the twin's).
      expect(linksOf(inbox.messages[0]!)[0]!.searchParams.get('code')).toBe(`${b!.envelope.sid}.${b!.confirmationSecret}`);
    } finally {
      await inbox.close();
    }
  });

  it('--dry-run writes one .eml per signer (0600) and sends nothing, and --limit sends at most N', async () => {
    const inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD } });
    try {
      const signed = await sign(3, (i) => ['de', 'fr', 'en'][i]);
      const file = await envelopeFile('dry.ndjson', signed.map((s, i) => exportLine(i + 1, s.envelope)));
      // No SMTP settings at all are needed for a dry run.
      const dry = await run(t.dir, ['confirm', 'send', '--key', 'campaign.key', '--in', file, '--from', 'team@example.org', '--collector', COLLECTOR, '--dry-run', 'outbox']);
      expect(dry.stderr).toBe('secure-sign: dry run: wrote 3 messages to outbox, sent nothing; 3 signers (one per e-mail address): 0 already confirmed, 0 already mailed, 0 without a confirmation secret (signed with an older form)\n');
      expect(dry.code).toBe(0);
      expect(inbox.attempts).toEqual([]);
      const names = (await readdir(t.path('outbox'))).sort();
      expect(names).toEqual(signed.map((s) => `${s.envelope.sid}.eml`).sort());
      for (const s of signed) {
        const path = t.path(`outbox/${s.envelope.sid}.eml`);
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        const mail = await simpleParser(await readFile(path));
        expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe(s.email);
        expect(linksOf(mail)[0]!.searchParams.get('code')).toBe(`${s.envelope.sid}.${s.confirmationSecret}`);
      }
      expect((await simpleParser(await readFile(t.path(`outbox/${signed[0]!.envelope.sid}.eml`)))).subject).toBe(`Bitte bestätigen Sie Ihre Unterschrift: ${CAMPAIGN}`);
      // A dry run records nothing: the real run then mails everyone, two at a time with --limit.
      const first = await run(t.dir, smtpArgs(inbox, file, '--limit', '2'), { env });
      expect(first.stderr).toContain('secure-sign: sent 2 messages;');
      expect(first.stderr).toContain('secure-sign: 1 signer is left for the next run (--limit)\n');
      expect(first.code).toBe(0);
      const second = await run(t.dir, smtpArgs(inbox, file, '--limit', '2'), { env });
      expect(second.stderr).toContain('secure-sign: sent 1 message; 3 signers (one per e-mail address): 0 already confirmed, 2 already mailed');
      expect(inbox.messages.map((m) => m.messageId)).toEqual(signed.map((s) => `<confirm.${s.envelope.sid}@example.org>`));
    } finally {
      await inbox.close();
    }
  });

  it('says how far it got every 100 messages when stderr is not a terminal', async () => {
    const signed = await sign(101, () => 'en', 100);
    const file = await envelopeFile('many.ndjson', signed.map((s, i) => exportLine(i + 1, s.envelope)));
    const dry = await run(t.dir, ['confirm', 'send', '--key', 'campaign.key', '--in', file, '--from', 'team@example.org', '--collector', COLLECTOR, '--dry-run', 'outbox-many']);
    expect(dry.stderr).toBe(
      'secure-sign: wrote 100 of 101 messages\n' +
        'secure-sign: dry run: wrote 101 messages to outbox-many, sent nothing; 101 signers (one per e-mail address): 0 already confirmed, 0 already mailed, 0 without a confirmation secret (signed with an older form)\n',
    );
    expect(await readdir(t.path('outbox-many'))).toHaveLength(101);
  });

  it('after a kill mid-run a resume sends the rest and never twice, and the message in flight is uncertain until --resend-uncertain', async () => {
    // The server takes the third message and never answers: the sender is killed while waiting.
    const inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD }, hang: 3 });
    try {
      const signed = await sign(5);
      const file = await envelopeFile('kill.ndjson', signed.map((s, i) => exportLine(i + 1, s.envelope)));
      const child = spawn(process.execPath, [BIN, ...smtpArgs(inbox, file)], { cwd: t.dir, env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.on('close', (_code, signal) => resolve(signal === 'SIGKILL' ? -9 : _code)));
      await Promise.race([inbox.received(3), exited.then(() => { throw new Error('confirm send ended before the third message'); })]);
      // Meanwhile, a second run on the same state file is refused (it would mail the same people).
      const concurrent = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(concurrent.code).toBe(1);
      expect(concurrent.stderr).toContain(`secure-sign: error: another confirm send (process ${child.pid}) is mailing from kill.ndjson.confirm-state.ndjson\n`);
      child.kill('SIGKILL');
      expect(await exited).toBe(-9);
      expect(inbox.messages).toHaveLength(2);
      const journal = (await readFile(t.path('kill.ndjson.confirm-state.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(journal.map((l) => l.status ?? 'header')).toEqual(['header', 'sending', 'sent', 'sending', 'sent', 'sending']);

      // The killed run's lock is left behind; its process is gone, so the next run takes it over.
      await expect(stat(t.path('kill.ndjson.confirm-state.ndjson.lock'))).resolves.toBeDefined();
      const resumed = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(resumed.stderr).toBe(
        'secure-sign: sent 2 messages; 5 signers (one per e-mail address): 0 already confirmed, 2 already mailed, 0 without a confirmation secret (signed with an older form)\n' +
          `secure-sign: warning: 1 message of an interrupted run may or may not have been sent, so it was not sent again: ${signed[2]!.envelope.sid}\n` +
          "secure-sign: hint: check the SMTP server's log; to send them again, run with --resend-uncertain\n",
      );
      expect(resumed.code).toBe(0);
      const to = () => inbox.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined));
      expect(to()).toEqual([0, 1, 3, 4].map((i) => signed[i]!.email));

      const resent = await run(t.dir, smtpArgs(inbox, file, '--resend-uncertain'), { env });
      expect(resent.stderr).toContain('secure-sign: sent 1 message (1 of them again after an uncertain run); 5 signers (one per e-mail address): 0 already confirmed, 4 already mailed');
      expect(resent.code).toBe(0);
      // Each address got exactly one message that the server accepted.
      expect(to().sort()).toEqual(signed.map((s) => s.email).sort());
      expect((await run(t.dir, smtpArgs(inbox, file), { env })).stderr).toContain('secure-sign: sent 0 messages; 5 signers (one per e-mail address): 0 already confirmed, 5 already mailed');
      // A line cut short by a crash (never whole, so never fsynced as a step) is dropped, the rest kept.
      await appendFile(t.path('kill.ndjson.confirm-state.ndjson'), `{"sid":"${signed[0]!.envelope.sid}","status":"sen`);
      const cut = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(cut.stderr).toBe(
        'secure-sign: removed an unfinished last line of kill.ndjson.confirm-state.ndjson (left by an interrupted run)\n' +
          'secure-sign: sent 0 messages; 5 signers (one per e-mail address): 0 already confirmed, 5 already mailed, 0 without a confirmation secret (signed with an older form)\n',
      );
      const journalText = await readFile(t.path('kill.ndjson.confirm-state.ndjson'), 'utf8');
      expect(journalText.endsWith('}\n')).toBe(true);
      expect(journalText.trim().split('\n').map((l) => JSON.parse(l).status ?? 'header')).toEqual(['header', 'sending', 'sent', 'sending', 'sent', 'sending', 'sending', 'sent', 'sending', 'sent', 'sending', 'sent']);
      expect(inbox.messages).toHaveLength(5);
    } finally {
      await inbox.close();
    }
  });

  it('a connection lost in the middle stops the run with what to do, and the message in flight is uncertain', async () => {
    const inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD }, drop: 2 });
    try {
      const signed = await sign(3, () => 'en', 40);
      const file = await envelopeFile('drop.ndjson', signed.map((s, i) => exportLine(i + 1, s.envelope)));
      const result = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`secure-sign: error: the connection to the SMTP server failed while sending to the signer of ${signed[1]!.envelope.sid} \\([A-Z]+[^\\n]*\\); 1 sent in this run\\n`));
      expect(result.stderr).toContain('secure-sign: hint: that message may or may not have left: the next run lists it as uncertain (send it again with --resend-uncertain); the journal is drop.ndjson.confirm-state.ndjson\n');
      expect(inbox.messages).toHaveLength(1);
      // The next run (the network is back) sends the third, and leaves the second to a decision.
      const next = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(next.code).toBe(0);
      expect(next.stderr).toContain(`secure-sign: warning: 1 message of an interrupted run may or may not have been sent, so it was not sent again: ${signed[1]!.envelope.sid}\n`);
      expect(inbox.messages.map((m) => m.messageId)).toEqual([0, 2].map((i) => `<confirm.${signed[i]!.envelope.sid}@example.org>`));
    } finally {
      await inbox.close();
    }
  });

  it('a refused recipient (550) is recorded and named, the others are sent, status 1, and the next run tries only it again', async () => {
    const signed = await sign(3, () => 'en', 10);
    const inbox = await startInbox({ login: { user: 'staff', pass: PASSWORD }, refuse: [signed[1]!.email] });
    try {
      const file = await envelopeFile('refused.ndjson', signed.map((s, i) => exportLine(i + 1, s.envelope)));
      const result = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`secure-sign: error: the SMTP server refused the message to the signer of ${signed[1]!.envelope.sid} (EENVELOPE: the server answered 550 Mailbox unavailable)\n`);
      expect(result.stderr).toContain('secure-sign: error: the SMTP server refused 1 message (listed above); the next run tries them again\n');
      expect(inbox.messages).toHaveLength(2);
      const again = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('secure-sign: sent 0 messages; 3 signers (one per e-mail address): 0 already confirmed, 2 already mailed');
      // The refused one was tried again (refused at RCPT TO, so no DATA), the two sent ones were not.
      expect(inbox.attempts).toHaveLength(2);
      expect(inbox.messages).toHaveLength(2);
    } finally {
      await inbox.close();
    }
  });

  it('never shows the SMTP password, not in a refused login nor from a URL, and takes it only from the environment or a config file', async () => {
    // A server that echoes the password it was given in its refusal.
    const inbox = await startInbox({ login: { user: 'staff', pass: 'the-right-one' }, loginError: (password) => `Invalid login for password ${password}` });
    try {
      const [s] = await sign(1, () => 'en', 20);
      const file = await envelopeFile('auth.ndjson', [exportLine(1, s!.envelope)]);
      const result = await run(t.dir, smtpArgs(inbox, file), { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^secure-sign: error: cannot use the SMTP server 127\.0\.0\.1:\d+ \(EAUTH: the server answered 535 Invalid login for password \*\*\*\); nothing was sent\n/);
      expect(result.stderr).toContain('secure-sign: hint: check the user name and SECURE_SIGN_SMTP_PASSWORD (or smtp.password)\n');
      for (const form of [PASSWORD, Buffer.from(`\u0000staff\u0000${PASSWORD}`).toString('base64'), Buffer.from(PASSWORD).toString('base64')]) {
        expect(result.stderr + result.stdout).not.toContain(form);
      }
      expect(inbox.attempts).toEqual([]);
      await expect(stat(t.path('auth.ndjson.confirm-state.ndjson'))).resolves.toBeDefined();
      expect((await readFile(t.path('auth.ndjson.confirm-state.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(1);

      // A password in --smtp is refused before anything runs, without being repeated.
      const inUrl = await run(t.dir, ['confirm', 'send', '--key', 'campaign.key', '--in', file, '--from', 'team@example.org', '--collector', COLLECTOR, '--smtp', `smtp://staff:${PASSWORD}@127.0.0.1:${inbox.port}`]);
      expect(inUrl.code).toBe(2);
      expect(inUrl.stderr).toBe('secure-sign: error: --smtp must not contain a password\nsecure-sign: hint: a command line shows in `ps`: set SECURE_SIGN_SMTP_PASSWORD or put it in the config file (smtp.password)\n');
      // A user without a password says where the password goes.
      const none = await run(t.dir, smtpArgs(inbox, file));
      expect(none.code).toBe(2);
      expect(none.stderr).toBe('secure-sign: error: no SMTP password for staff\nsecure-sign: hint: set SECURE_SIGN_SMTP_PASSWORD (or smtp.password in the config file)\n');

      // The config file may hold it (and the other settings); a readable one is warned about.
      await writeFile(t.path('mail.json'), JSON.stringify({ smtp: { url: `smtp://staff@127.0.0.1:${inbox.port}`, password: 'the-right-one' }, from: 'team@example.org', collector: COLLECTOR, campaignName: 'Open letter' }), { mode: 0o644 });
      const configured = await run(t.dir, ['confirm', 'send', '--key', 'campaign.key', '--in', file, '--config', 'mail.json']);
      expect(configured.stderr).toBe(
        'secure-sign: warning: config file mail.json holds the SMTP password and can be read by other users (chmod 600 mail.json)\n' +
          'secure-sign: sent 1 message; 1 signer (one per e-mail address): 0 already confirmed, 0 already mailed, 0 without a confirmation secret (signed with an older form)\n',
      );
      expect(configured.code).toBe(0);
      expect(inbox.messages.map((m) => m.subject)).toEqual(['Please confirm your signature: Open letter']);
    } finally {
      await inbox.close();
    }
  });

  it('requires STARTTLS from a server that is not on this machine (unless --smtp-insecure)', async () => {
    // 127.0.0.2 is not one of the names taken for this machine (localhost, 127.0.0.1, ::1).
    const inbox = await startInbox({ host: '127.0.0.2' });
    try {
      const [s] = await sign(1, () => 'en', 30);
      const file = await envelopeFile('tls.ndjson', [exportLine(1, s!.envelope)]);
      const args = ['confirm', 'send', '--key', 'campaign.key', '--in', file, '--from', 'team@example.org', '--collector', COLLECTOR, '--smtp', `smtp://127.0.0.2:${inbox.port}`];
      const plain = await run(t.dir, args);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toMatch(/^secure-sign: error: cannot use the SMTP server 127\.0\.0\.2:\d+ \(ETLS[^\n]*\); nothing was sent\n/);
      expect(inbox.attempts).toEqual([]);
      const insecure = await run(t.dir, [...args, '--smtp-insecure']);
      expect(insecure.code).toBe(0);
      expect(inbox.messages).toHaveLength(1);
    } finally {
      await inbox.close();
    }
  });
});
