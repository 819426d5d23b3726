// `secure-sign confirm send`: e-mails each new signer a confirmation link and a "this wasn't me"
// link, through the staff's own SMTP server (docs/cli.md, "confirm send").
//
// Rules for this file:
// - Envelopes are opened by decrypt's own code (collectRecords): same keys, replays, withdrawals,
//   removals and disownings, one signer per e-mail address (the first to arrive).
// - Never twice: each message is journalled `sending` (fsynced) before it is handed to the SMTP
//   server and `sent` after the server accepted it. A run that finds `sending` without an outcome
//   cannot know whether that message left (a crash between the two): it says so, and sends it
//   again only with --resend-uncertain.
// - The SMTP password comes from the environment or the config file, never from a flag (flags show
//   in `ps`), and never appears in a message: what the server answers is printed with it blanked.
// - TLS: smtps:// is TLS from the start; smtp:// must upgrade with STARTTLS (certificate checked)
//   unless the server is on this machine or --smtp-insecure says otherwise.

import { constants } from 'node:fs';
import { mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import * as z from 'zod';
import type { KeptRecord } from './arrival.js';
import { confirmationLinks, confirmationMessage } from './confirm-mail.js';
import { collectRecords } from './decrypt.js';
import { CliError, EXIT } from './errors.js';
import { createPrivateFile, errno, fileError, readSmallFile, say } from './io.js';
import { withdrawalSummary, hasForgeries } from './withdrawals.js';

/** Environment variable holding the SMTP password. */
export const SMTP_PASSWORD_ENV = 'SECURE_SIGN_SMTP_PASSWORD';

/** A progress line every this many messages when stderr is not a terminal. */
const PROGRESS_EVERY = 100;

/** The SMTP server to send through. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (smtps://), else STARTTLS. */
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Plain text allowed, certificates not checked (--smtp-insecure). */
  readonly insecure: boolean;
}

/** What `confirm send` was asked to do, checked. */
export interface ConfirmSendOptions {
  readonly secretKeys: readonly string[];
  readonly input: string;
  readonly campaign: string | undefined;
  readonly from: string;
  readonly collector: URL;
  readonly campaignName: string | undefined;
  /** Undefined with a dry run. */
  readonly smtp: SmtpSettings | undefined;
  readonly dryRun: string | undefined;
  readonly state: string;
  readonly limit: number | undefined;
  readonly resendUncertain: boolean;
  readonly jobs: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Settings: flags, then the config file; the password from the environment or the config file.

const configSchema = z.strictObject({
  smtp: z
    .strictObject({
      url: z.string().max(2000).optional(),
      user: z.string().min(1).max(500).optional(),
      password: z.string().min(1).max(1000).optional(),
      insecure: z.boolean().optional(),
    })
    .optional(),
  from: z.string().min(3).max(500).optional(),
  collector: z.string().max(2000).optional(),
  campaignName: z.string().min(1).max(200).optional(),
});
export type ConfirmConfig = z.infer<typeof configSchema>;

/** Reads `--config FILE` (JSON); warns when others can read a file that holds a password. */
export async function readConfig(path: string | undefined): Promise<ConfirmConfig> {
  if (path === undefined) return {};
  const text = await readSmallFile(path, 64 * 1024, 'config file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`config file ${path} is not valid JSON`, undefined, EXIT.USAGE);
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new CliError(`config file ${path} is not valid at ${where}`, 'members: smtp { url, user, password, insecure }, from, collector, campaignName (docs/cli.md, "confirm send")', EXIT.USAGE);
  }
  if (parsed.data.smtp?.password !== undefined && ((await stat(path)).mode & 0o077) !== 0) {
    say(`warning: config file ${path} holds the SMTP password and can be read by other users (chmod 600 ${path})`);
  }
  return parsed.data;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * The SMTP server from `smtp://[user@]host[:port]` (STARTTLS, port 587 by default) or
 * `smtps://[user@]host[:port]` (TLS, 465). A password in the URL is refused: it would show in `ps`.
 */
export function smtpSettings(url: string, user: string | undefined, password: string | undefined, insecure: boolean): SmtpSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('--smtp is not a URL', 'pass smtp://user@mail.example.org:587 (STARTTLS) or smtps://user@mail.example.org (TLS)', EXIT.USAGE);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new CliError(`--smtp must be an smtp:// or smtps:// URL (got ${parsed.protocol}//)`, undefined, EXIT.USAGE);
  }
  if (parsed.password !== '') {
    throw new CliError('--smtp must not contain a password', `a command line shows in \`ps\`: set ${SMTP_PASSWORD_ENV} or put it in the config file (smtp.password)`, EXIT.USAGE);
  }
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '' || parsed.hostname === '') {
    throw new CliError('--smtp must be only smtp[s]://[user@]host[:port]', undefined, EXIT.USAGE);
  }
  const secure = parsed.protocol === 'smtps:';
  const name = parsed.username === '' ? user : decodeURIComponent(parsed.username);
  if (password !== undefined && name === undefined) throw new CliError('an SMTP password is set but no user name', 'give the user in the URL (smtp://user@host) or as smtp.user in the config file', EXIT.USAGE);
  if (name !== undefined && password === undefined) throw new CliError(`no SMTP password for ${name}`, `set ${SMTP_PASSWORD_ENV} (or smtp.password in the config file)`, EXIT.USAGE);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { host, port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port), secure, user: name, password, insecure };
}

/** Whether the SMTP server is on this machine (plain text is then allowed). */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

/** The From address: a bare address or `Name <address>`, one address, no line breaks. */
export function fromAddress(text: string): string {
  const value = text.trim();
  const address = /<([^<>\s]+)>$/.exec(value)?.[1] ?? value;
  if (/[\r\n]/.test(value) || !/^[^@\s<>",;]+@[^@\s<>",;]+\.[^@\s<>",;]+$/.test(address)) {
    throw new CliError('--from is not an e-mail address', 'pass --from campaign@example.org or --from "Open letter <campaign@example.org>"', EXIT.USAGE);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The state journal: one JSON line per step, appended and fsynced.

type Status = 'sending' | 'sent' | 'failed';
const journalLineSchema = z.union([
  z.strictObject({ v: z.literal(1), campaign: z.string().max(64) }),
  z.strictObject({ sid: z.string().regex(/^[A-Za-z0-9_-]{22}$/), status: z.enum(['sending', 'sent', 'failed']), at: z.string().max(40), reason: z.string().max(200).optional() }),
]);

/** The journal of messages sent for one campaign (docs/cli.md, "The state file of confirm send"). */
class Journal {
  private constructor(
    readonly path: string,
    readonly handle: FileHandle | undefined,
    readonly last: ReadonlyMap<string, { status: Status; sentBefore: boolean }>,
  ) {}

  /**
   * Opens (or, unless `readOnly`, creates) the journal. Never through a symbolic link: a new file
   * with O_EXCL, an existing one with O_NOFOLLOW, and it must be a regular file. A last line cut
   * short by a crash is dropped.
   */
  static async open(path: string, campaign: string, readOnly: boolean): Promise<Journal> {
    let handle: FileHandle | undefined;
    let created = false;
    if (!readOnly) {
      try {
        handle = await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        created = true;
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw fileError(error, path, 'cannot create the state file');
      }
    }
    if (handle === undefined) {
      try {
        handle = await open(path, (readOnly ? constants.O_RDONLY : constants.O_RDWR | constants.O_APPEND) | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (error) {
        if (readOnly && errno(error) === 'ENOENT') return new Journal(path, undefined, new Map());
        throw fileError(error, path, 'cannot open the state file');
      }
    }
    try {
      if (!(await handle.stat()).isFile()) throw new CliError(`state file ${path} is not a regular file`);
      const journal = created ? new Map() : await Journal.#read(handle, path, campaign, readOnly);
      if (created) await Journal.#append(handle, { v: 1, campaign });
      if (readOnly) {
        await handle.close();
        return new Journal(path, undefined, journal);
      }
      return new Journal(path, handle, journal);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  static async #read(handle: FileHandle, path: string, campaign: string, readOnly: boolean): Promise<Map<string, { status: Status; sentBefore: boolean }>> {
    const { size } = await handle.stat();
    if (size > 512 * 1024 * 1024) throw new CliError(`state file ${path} is larger than 512 MiB`, 'is this the right file?');
    const buffer = Buffer.alloc(size);
    if (size > 0) await handle.read(buffer, 0, size, 0);
    const text = buffer.toString('utf8');
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < size && !readOnly) {
      // A line cut short by a crash: it was never fsynced as a whole, so the step it began never followed.
      await handle.truncate(complete);
      say(`removed an unfinished last line of ${path} (left by an interrupted run)`);
    }
    const damaged = (): CliError => new CliError(`state file ${path} is damaged`, 'restore it: without it, confirm send cannot tell whom it already mailed');
    const lines = text.slice(0, complete).split('\n').filter((l) => l !== '');
    const state = new Map<string, { status: Status; sentBefore: boolean }>();
    lines.forEach((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw damaged();
      }
      const parsed = journalLineSchema.safeParse(value);
      if (!parsed.success) throw damaged();
      if ('v' in parsed.data) {
        if (i !== 0) throw damaged();
        if (parsed.data.campaign !== campaign) throw new CliError(`state file ${path} is for campaign ${parsed.data.campaign}`, 'pass another --state for this campaign');
        return;
      }
      if (i === 0) throw damaged();
      const before = state.get(parsed.data.sid);
      state.set(parsed.data.sid, { status: parsed.data.status, sentBefore: (before?.sentBefore ?? false) || before?.status === 'sent' });
    });
    if (lines.length === 0 && size > 0) throw damaged();
    return state;
  }

  static async #append(handle: FileHandle, line: object): Promise<void> {
    await handle.write(JSON.stringify(line) + '\n');
    await handle.datasync();
  }

  /** Records a step, durably, before returning. */
  async record(sid: string, status: Status, reason?: string): Promise<void> {
    if (!this.handle) throw new Error('the journal is read-only');
    await Journal.#append(this.handle, { sid, status, at: new Date().toISOString(), ...(reason === undefined ? {} : { reason }) });
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }
}

/**
 * Takes `<state>.lock` (created with O_EXCL, holding this process id) so that two runs never mail
 * from one journal at once. A lock whose process is gone (a crash, a kill) is taken over.
 */
async function lockJournal(statePath: string): Promise<() => Promise<void>> {
  const path = `${statePath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return () => unlink(path).catch(() => {});
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw fileError(error, path, 'cannot create the lock file');
    }
    const text = await readSmallFile(path, 64, 'lock file').catch(() => '');
    const pid = Number(text.trim());
    let alive = false;
    if (Number.isSafeInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (error) {
        alive = errno(error) === 'EPERM';
      }
    }
    if (alive) {
      throw new CliError(`another confirm send (process ${pid}) is mailing from ${statePath}`, `wait for it to end; if no such run is going on, remove ${path}`);
    }
    await unlink(path).catch(() => {});
  }
  throw new CliError(`cannot take the lock ${path}`, 'is another confirm send starting at the same time?');
}

// ---------------------------------------------------------------------------------------------
// Sending.

/** What a failed send was: refused by the server (not sent), or the connection failing (maybe sent). */
interface SendFailure {
  readonly refused: boolean;
  /** Whether the message surely did not leave (a refusal, or a connection that never opened). */
  readonly notSent: boolean;
  readonly text: string;
}

/** Anything printed from the SMTP exchange: no password (in any spelling), no control characters, bounded. */
function clean(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 300).trim();
}

function secretsOf(smtp: SmtpSettings | undefined): string[] {
  if (smtp?.password === undefined) return [];
  const { user = '', password } = smtp;
  // As AUTH PLAIN and AUTH LOGIN carry it, and as it is.
  return [password, Buffer.from(`\u0000${user}\u0000${password}`).toString('base64'), Buffer.from(password).toString('base64'), encodeURIComponent(password)];
}

function describeFailure(error: unknown, secrets: readonly string[]): SendFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown; response?: unknown; command?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const response = typeof e.response === 'string' ? clean(e.response, secrets) : undefined;
  const refused = responseCode !== undefined && responseCode >= 400 && (code === 'EENVELOPE' || code === 'EMESSAGE');
  const message = typeof e.message === 'string' ? e.message : '';
  const neverOpened = e.command === 'CONN' && (code === 'EDNS' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH/.test(message));
  const text = response !== undefined ? `${code ?? 'error'}: the server answered ${clean(response, secrets)}` : `${code ?? 'error'}${message ? `: ${clean(message, secrets)}` : ''}`;
  return { refused, notSent: refused || neverOpened || code === 'EAUTH' || code === 'ENOAUTH' || code === 'ETLS', text };
}

/** What {@link confirmSend} did. */
export interface ConfirmSendSummary {
  readonly signers: number;
  readonly sent: number;
  readonly written: number;
  readonly failed: number;
  readonly alreadySent: number;
  readonly alreadyConfirmed: number;
  readonly withoutSecret: number;
  readonly uncertain: readonly string[];
  readonly resent: number;
  readonly leftForLater: number;
  readonly rejected: number;
  readonly forged: boolean;
}

/**
 * Mails every signer who has not confirmed (nor withdrawn, been removed, or disowned) and was not
 * mailed yet; or, with a dry run, writes each message to DIR/<sid>.eml and sends nothing.
 */
export async function confirmSend(options: ConfirmSendOptions): Promise<ConfirmSendSummary> {
  const opened = await collectRecords({ secretKeys: options.secretKeys, input: options.input, campaign: options.campaign, jobs: options.jobs });
  const kept: readonly KeptRecord[] = opened.kept ?? [];
  const rejected = opened.records - opened.opened;
  if (rejected > 0) say(`warning: ${rejected} of ${opened.records} records could not be opened (decrypt --rejects FILE says why); their signers are not mailed`);
  for (const line of withdrawalSummary(opened.withdrawals)) say(line);
  const campaigns = new Set(kept.map((k) => k.record.campaign));
  if (campaigns.size > 1) throw new CliError(`${options.input} holds envelopes of ${campaigns.size} campaigns`, 'pass --campaign ID to mail the signers of one', EXIT.USAGE);
  const campaign = options.campaign ?? [...campaigns][0];

  const summary = { signers: kept.length, sent: 0, written: 0, failed: 0, alreadySent: 0, alreadyConfirmed: 0, withoutSecret: 0, uncertain: [] as string[], resent: 0, leftForLater: 0, rejected, forged: hasForgeries(opened.withdrawals) };
  if (campaign === undefined) {
    say('nobody to mail: no signature opened');
    return summary;
  }
  const unlock = options.dryRun === undefined ? await lockJournal(options.state) : async () => {};
  let journal: Journal;
  try {
    journal = await Journal.open(options.state, campaign, options.dryRun !== undefined);
  } catch (error) {
    await unlock();
    throw error;
  }
  const todo: { record: KeptRecord['record']; secret: string; lang: string | undefined; again: boolean }[] = [];
  for (const { record, sids } of kept) {
    if (sids.some((sid) => opened.withdrawals.confirmed.has(sid))) {
      summary.alreadyConfirmed++;
      continue;
    }
    if (record.confirmation === undefined) {
      summary.withoutSecret++;
      continue;
    }
    const step = journal.last.get(record.submissionId);
    if (step?.status === 'sent' || (step?.status === 'failed' && step.sentBefore)) {
      summary.alreadySent++;
      continue;
    }
    if (step?.status === 'sending') {
      if (!options.resendUncertain) {
        summary.uncertain.push(record.submissionId);
        continue;
      }
    }
    todo.push({ record, secret: record.confirmation.secret, lang: record.confirmation.lang, again: step?.status === 'sending' });
  }
  const batch = options.limit === undefined ? todo : todo.slice(0, options.limit);
  summary.leftForLater = todo.length - batch.length;
  const name = options.campaignName ?? campaign;
  const secrets = secretsOf(options.smtp);

  const compose = (item: (typeof todo)[number]) => {
    const links = confirmationLinks(options.collector, campaign, item.record.submissionId, item.secret, item.lang);
    const message = confirmationMessage(name, links, item.lang);
    const domain = /@([^@>\s]+)>?$/.exec(options.from)?.[1] ?? 'secure-sign.invalid';
    return {
      from: options.from,
      to: { name: '', address: item.record.signer.email },
      subject: message.subject,
      text: message.text,
      // One Message-ID per signature: a copy sent again after an uncertain run is recognisably the same message.
      messageId: `<confirm.${item.record.submissionId}@${domain}>`,
      headers: { 'Content-Language': message.language, 'Auto-Submitted': 'auto-generated' },
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  };

  const bar = process.stderr.isTTY && batch.length > 0
    ? new SingleBar({ stream: process.stderr, format: `secure-sign: ${options.dryRun === undefined ? 'mailing' : 'writing'} [{bar}] {value}/{total} signers`, hideCursor: true })
    : undefined;
  bar?.start(batch.length, 0);
  const progress = (done: number): void => {
    if (bar) bar.update(done);
    else if (done % PROGRESS_EVERY === 0 && done < batch.length) say(`${options.dryRun === undefined ? 'sent' : 'wrote'} ${done} of ${batch.length} messages`);
  };

  // nodemailer is loaded here, not at start-up: every other command (decrypt above all, whose
  // memory is bounded) would otherwise carry its ~3 MB of heap.
  const { createTransport } = await import('nodemailer');
  try {
    if (options.dryRun !== undefined) {
      await mkdir(options.dryRun, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
        throw fileError(error, options.dryRun as string, 'cannot create');
      });
      const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
      for (const [i, item] of batch.entries()) {
        const info = await composer.sendMail(compose(item));
        const file = join(options.dryRun, `${item.record.submissionId}.eml`);
        const handle = await createPrivateFile(file, true, 'message file');
        try {
          await handle.writeFile(info.message as Buffer);
        } finally {
          await handle.close();
        }
        summary.written++;
        progress(i + 1);
      }
      return summary;
    }

    const smtp = options.smtp as SmtpSettings;
    const plainAllowed = smtp.insecure || isLoopback(smtp.host);
    const transport = createTransport({
      pool: true,
      maxConnections: 1,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: !smtp.secure && !plainAllowed,
      tls: { minVersion: 'TLSv1.2', rejectUnauthorized: !smtp.insecure, servername: smtp.host },
      ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password as string } }),
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      logger: false,
      debug: false,
    });
    try {
      try {
        if (batch.length > 0) await transport.verify();
      } catch (error) {
        const failure = describeFailure(error, secrets);
        const hint = failure.text.startsWith('EAUTH') ? `check the user name and ${SMTP_PASSWORD_ENV} (or smtp.password)`
          : failure.text.startsWith('ETLS') ? 'the server does not offer STARTTLS with a valid certificate: use smtps://, fix the server, or (at your own risk) --smtp-insecure'
          : 'check --smtp and that the server is reachable';
        throw new CliError(`cannot use the SMTP server ${smtp.host}:${smtp.port} (${failure.text}); nothing was sent`, hint);
      }
      for (const [i, item] of batch.entries()) {
        const sid = item.record.submissionId;
        await journal.record(sid, 'sending');
        try {
          await transport.sendMail(compose(item));
        } catch (error) {
          const failure = describeFailure(error, secrets);
          if (failure.refused) {
            await journal.record(sid, 'failed', failure.text);
            summary.failed++;
            say(`error: the SMTP server refused the message to the signer of ${sid} (${failure.text})`);
            progress(i + 1);
            continue;
          }
          if (failure.notSent) await journal.record(sid, 'failed', failure.text);
          throw new CliError(
            `the connection to the SMTP server failed while sending to the signer of ${sid} (${failure.text}); ${summary.sent} sent in this run`,
            failure.notSent
              ? 'run the same command again once the server is reachable: it goes on where it stopped'
              : `that message may or may not have left: the next run lists it as uncertain (send it again with --resend-uncertain); the journal is ${options.state}`,
          );
        }
        await journal.record(sid, 'sent');
        summary.sent++;
        if (item.again) summary.resent++;
        progress(i + 1);
      }
    } finally {
      transport.close();
    }
    return summary;
  } finally {
    bar?.stop();
    await journal.close();
    await unlock();
  }
}

/** Prints what a run did; returns the exit status. */
export function confirmReport(summary: ConfirmSendSummary, dryRun: string | undefined): number {
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const done = dryRun === undefined
    ? `sent ${plural(summary.sent, 'message', 'messages')}${summary.resent > 0 ? ` (${summary.resent} of them again after an uncertain run)` : ''}`
    : `dry run: wrote ${plural(summary.written, 'message', 'messages')} to ${dryRun}, sent nothing`;
  say(`${done}; ${plural(summary.signers, 'signer', 'signers')} (one per e-mail address): ${summary.alreadyConfirmed} already confirmed, ${summary.alreadySent} already mailed, ${summary.withoutSecret} without a confirmation secret (signed with an older form)`);
  if (summary.leftForLater > 0) say(`${plural(summary.leftForLater, 'signer is', 'signers are')} left for the next run (--limit)`);
  if (summary.uncertain.length > 0) {
    const names = summary.uncertain.slice(0, 10).join(', ');
    say(`warning: ${plural(summary.uncertain.length, 'message', 'messages')} of an interrupted run may or may not have been sent, so ${summary.uncertain.length === 1 ? 'it was' : 'they were'} not sent again: ${names}${summary.uncertain.length > 10 ? ', ...' : ''}`);
    say('hint: check the SMTP server\'s log; to send them again, run with --resend-uncertain');
  }
  if (summary.failed > 0) {
    say(`error: the SMTP server refused ${plural(summary.failed, 'message', 'messages')} (listed above); the next run tries them again`);
    return EXIT.FAILURE;
  }
  return summary.forged ? EXIT.MISBEHAVIOUR : EXIT.OK;
}
