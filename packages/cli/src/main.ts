// The `secure-sign` command. Output rules (docs/cli.md): data to stdout; everything else to
// stderr prefixed `secure-sign:`; failures as `secure-sign: error: ...` then `secure-sign: hint: ...`.
// Exit status: 0 ok, 1 failure, 2 usage, 3 some records could not be decrypted.

import {
  DEFAULT_DOCUMENT_VALIDITY_MS,
  formatCampaignSecretKey,
  isSecureSignError,
  signDocument,
  verifyDocument,
  type CampaignPublicKey,
  type DocumentPayload,
} from '@secure-sign/crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { ConflictsFile } from './arrival.js';
import { campaignId, collectorUrl, fetchDocument, publish, publishedLogKey, pull, readToken, register } from './collector.js';
import { decrypt, report, reportConflicts, unconfirmedLine, type Format } from './decrypt.js';
import { CliError, EXIT } from './errors.js';
import { createPrivateFile, errno, readSmallFile, say } from './io.js';
import { createKeyFile, keyFilePublicKey, unlockKeyFile } from './keyfile.js';
import { getPassphrase } from './passphrase.js';
import { FORMATS } from './records.js';
import { defaultStatePath, parseDuration, readSerialState, recordSerial } from './serial.js';
import { publicKeyFrom } from './options.js';
import { registerSnippetCommand } from './snippet-command.js';
import { registerFrameCommand } from './frame.js';
import { logKey, witnessesFrom } from './log.js';
import type { SmtpSettings } from './confirm.js';
import { NO_WITHDRAWALS, hasForgeries, scanWithdrawals, withdrawalSummary } from './withdrawals.js';

// Modules only some commands use are loaded when one of them runs, so that every other command
// (decrypt above all: its bounded-memory test runs it under a 16 MB heap) starts with less.
const confirmModule = (): Promise<typeof import('./confirm.js')> => import('./confirm.js');
const wallModule = (): Promise<typeof import('./wall.js')> => import('./wall.js');
const receiptModule = (): Promise<typeof import('./receipt.js')> => import('./receipt.js');

const VERSION = '0.1.0';
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** A byte count: digits, optionally followed by K, M or G (binary: KiB, MiB, GiB), at least 1 MiB. */
function byteSize(name: string) {
  return (value: string): number => {
    const m = /^(\d{1,15})([KMG]i?B?)?$/i.exec(value.trim());
    const unit = m?.[2]?.[0]?.toUpperCase();
    const n = m ? Number(m[1]) * (unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1) : NaN;
    if (!Number.isSafeInteger(n) || n < 1024 * 1024) throw new InvalidArgumentError(`${name} must be a size of at least 1M, like 512M or 2G`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}`);
    return n;
  };
}

/** Writes a data result to a file (0600, no overwrite without --force) or stdout. */
async function output(path: string | undefined, data: string, force: boolean): Promise<void> {
  if (path === undefined || path === '-') {
    process.stdout.write(data);
    return;
  }
  const handle = await createPrivateFile(path, force);
  try {
    await handle.writeFile(data);
    // Pipes and devices cannot be fsynced (EINVAL); only files need it.
    await handle.sync().catch((error: unknown) => {
      if (errno(error) !== 'EINVAL') throw error;
    });
  } finally {
    await handle.close();
  }
}

async function readInput(path: string | undefined, max: number, what: string): Promise<string> {
  if (path === undefined || path === '-') {
    // Counted while reading, so an endless stdin costs at most `max` bytes.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw new CliError(`${what} is larger than ${max} bytes`, 'is this the right input?');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  return readSmallFile(path, max, what);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${what} is not valid JSON`);
  }
}

function formatFrom(format: string | undefined, out: string | undefined): Format {
  if (format !== undefined) return format as Format;
  const ext = out?.match(/\.(csv|json|ndjson|jsonl)$/i)?.[1]?.toLowerCase();
  if (ext === 'csv' || ext === 'json') return ext;
  return 'ndjson';
}

/** The conflicts file: --conflicts, else beside the output file, else `fallback` in this folder. */
function conflictsPath(given: string | undefined, out: string | undefined, fallback: string): string {
  if (given === '-') throw new CliError('--conflicts must name a file', 'stdout carries the records themselves; give a file name', EXIT.USAGE);
  if (given !== undefined) return given;
  return out === undefined || out === '-' ? fallback : `${out}.conflicts.ndjson`;
}

const conflictsOption = (fallback: string): Option =>
  new Option('--conflicts <file>', `where records that conflict go for review (NDJSON, 0600; written only if there is one; default: OUTPUT.conflicts.ndjson, or ${fallback} when writing to stdout)`);

const passphraseOption = (): Option => new Option('--passphrase-file <file>', 'read the key passphrase from the first line of FILE (else $SECURE_SIGN_PASSPHRASE, else a prompt)');
const timeoutOption = (): Option =>
  new Option('--timeout <seconds>', 'give up when the collector is silent this long').default(60).argParser(positiveInt('--timeout', 3600));

function program(): Command {
  const cli = new Command('secure-sign')
    .version(VERSION)
    .description('The secure-sign staff tool: campaign keys, the snippet partners paste, pulling and decrypting signatures, e-mail confirmation, the signer wall.')
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      `
Example (a whole campaign, start to end):
  secure-sign keygen --out campaign.key                 # prints the public key sspk1...
  secure-sign snippet --campaign open-letter --key campaign.key --collector https://c.example.org --base-url https://partner.example/secure-sign/ --copy-to files
  secure-sign-collector campaign add open-letter --key sspk1... > staff.token   # on the collector
  secure-sign pull --collector https://c.example.org --campaign open-letter --token-file staff.token --out envelopes.ndjson
  SECURE_SIGN_SMTP_PASSWORD=... secure-sign confirm send --key campaign.key --in envelopes.ndjson --from team@example.org --smtp smtp://team@mail.example.org --collector https://c.example.org
  secure-sign decrypt --key campaign.key -i envelopes.ndjson | secure-sign wall build > wall-data.json
  secure-sign wall sign --key campaign.key --campaign open-letter --collector https://c.example.org wall-data.json > wall.json
  secure-sign wall publish --collector https://c.example.org --campaign open-letter --token-file staff.token wall.json

Exit status: 0 ok; 1 failure (also a wall the collector refuses as stale or expired, and any
pull that finds the collector's log does not check out); 2 usage error; 3 decrypt finished but
some records failed; 4, 5, 6: see receipt check; 6 also for decrypt, wall build and confirm send
when the envelope file holds forged withdrawals or confirmations.
Full reference: docs/cli.md`,
    );

  cli
    .command('keygen')
    .description('create a campaign key file protected by a passphrase (Argon2id); print the public key')
    .requiredOption('-o, --out <file>', 'where to write the key file (created 0600)')
    .option('-f, --force', 'overwrite an existing key file (the old key is lost!)', false)
    .addOption(passphraseOption())
    .action(async (opts: { out: string; force: boolean; passphraseFile?: string }) => {
      const passphrase = await getPassphrase({ file: opts.passphraseFile }, `the new key file ${opts.out}`, true);
      if ([...passphrase].length < 12) say('warning: a passphrase under 12 characters is easy to guess; prefer five or more random words');
      const publicKey = await createKeyFile(opts.out, passphrase, opts.force);
      process.stdout.write(publicKey.keyString + '\n');
      say(`wrote ${opts.out}; keep it offline and back it up: without it and its passphrase no signature can be read`);
      say(`fingerprint: ${publicKey.fingerprint}`);
    });

  for (const [name, pick] of [
    ['pubkey', (k: CampaignPublicKey) => k.keyString],
    ['fingerprint', (k: CampaignPublicKey) => k.fingerprint],
  ] as const) {
    cli
      .command(name)
      .description(name === 'pubkey' ? 'print the public campaign key string of a key file' : 'print the fingerprint of a key file or public key')
      .option('-k, --key <file>', 'the key file')
      .option('--public-key <sspk1>', 'a public campaign key string instead of a key file')
      .option('--check', 'also unlock the key file and check that its public part matches (asks for the passphrase)', false)
      .addOption(passphraseOption())
      .action(async (opts: { key?: string; publicKey?: string; check: boolean; passphraseFile?: string }) => {
        const publicKey = await publicKeyFrom(opts);
        if (opts.check) {
          if (opts.key === undefined) throw new CliError('--check needs --key', undefined, EXIT.USAGE);
          await unlockKeyFile(opts.key, () => getPassphrase({ file: opts.passphraseFile }, `key file ${opts.key}`));
          say('the key file opens with this passphrase and matches its public key');
        }
        process.stdout.write(pick(publicKey) + '\n');
      });
  }

  registerSnippetCommand(cli);

  cli
    .command('register')
    .description('register a campaign with a collector through its admin API; prints (or saves) the staff token')
    .requiredOption('--collector <url>', 'the collector base URL')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('-k, --key <file>', 'take the public key from this key file')
    .option('--public-key <sspk1>', 'the public campaign key string')
    .option('--admin-token-file <file>', 'file holding the collector admin token (else $SECURE_SIGN_ADMIN_TOKEN)')
    .option('--origin <url>', 'a partner origin allowed to submit (repeatable; none means any)', collect, [])
    .option('--goal <n>', 'signature goal', positiveInt('--goal', Number.MAX_SAFE_INTEGER))
    .option('--opens <time>', 'when the campaign opens (ISO 8601)')
    .option('--closes <time>', 'when the campaign closes (ISO 8601)')
    .option('--token-out <file>', 'write the staff token to FILE (0600) instead of stdout')
    .option('-f, --force', 'overwrite --token-out', false)
    .addOption(timeoutOption())
    .action(async (opts: { collector: string; campaign: string; key?: string; publicKey?: string; adminTokenFile?: string; origin: string[]; goal?: number; opens?: string; closes?: string; tokenOut?: string; force: boolean; timeout: number }) => {
      const publicKey = await publicKeyFrom(opts);
      const time = (value: string | undefined, name: string): string | undefined => {
        if (value === undefined) return undefined;
        const t = new Date(value);
        if (Number.isNaN(t.getTime())) throw new CliError(`${name} is not a date`, 'use ISO 8601, e.g. 2027-03-01T00:00:00Z', EXIT.USAGE);
        return t.toISOString();
      };
      const opensAt = time(opts.opens, '--opens');
      const closesAt = time(opts.closes, '--closes');
      const token = await register(
        collectorUrl(opts.collector),
        await readToken(opts.adminTokenFile, 'admin'),
        {
          campaign: campaignId(opts.campaign),
          key: publicKey.keyString,
          origins: opts.origin,
          ...(opts.goal === undefined ? {} : { goal: opts.goal }),
          ...(opensAt === undefined ? {} : { opensAt }),
          ...(closesAt === undefined ? {} : { closesAt }),
        },
        opts.timeout * 1000,
      );
      if (opts.tokenOut !== undefined) {
        await output(opts.tokenOut, token + '\n', opts.force);
        say(`registered ${opts.campaign}; staff token written to ${opts.tokenOut}`);
      } else {
        process.stdout.write(token + '\n');
        say(`registered ${opts.campaign}; the staff token above is shown only once: keep it in a file readable only by you`);
      }
      // The key staff pin for `pull --log-key` (and give signers for `receipt check --log-key`).
      try {
        const vkey = await publishedLogKey(collectorUrl(opts.collector), campaignId(opts.campaign), opts.timeout * 1000);
        say(`log key of ${opts.campaign} (pin it: secure-sign pull --log-key ...): ${vkey}`);
      } catch (error) {
        // The campaign is registered: a missing key is reported, not a failure of the command.
        if (!(error instanceof CliError)) throw error;
        say(`warning: could not read the campaign's log key (${error.message}); the first pull will pin the key the collector publishes then`);
      }
    });

  cli
    .command('pull')
    .description('download the envelopes stored since the last pull, appending them to a file')
    .requiredOption('--collector <url>', 'the collector base URL')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('--token-file <file>', 'file holding the staff token (else $SECURE_SIGN_TOKEN)')
    .requiredOption('-o, --out <file>', 'envelope file to append to (one export line per envelope: {"seq":..,"receivedAt":..,"envelope":{..}})')
    .option('--state <file>', 'where the last seq is kept (default: OUT.state.json)')
    .option('--page-size <n>', 'envelopes per request (each page is committed to disk); a longer answer is refused', positiveInt('--page-size', 100000), 10000)
    .option('--max-bytes <size>', 'stop with an error after this much export in one run (K, M, G suffixes; default 1G); run again to continue', byteSize('--max-bytes'))
    .option('--log-key <vkey>', 'the collector\'s log key to pin (as `register` printed it); kept in the state file. Without it, the first pull pins the key the collector publishes and says so')
    .option('--witness <vkey>', 'a witness\'s cosignature verifier key (repeatable): the checkpoint must carry its cosignature; pinned in the state file', collect, [])
    .option('--witness-quorum <n>', 'how many of the --witness keys must have cosigned (default: all)', positiveInt('--witness-quorum', 64))
    .option('--repin-witnesses', 'replace the witnesses pinned in the state file by the --witness keys given (none: no witness required)', false)
    .addOption(timeoutOption())
    .addHelpText(
      'after',
      `
Every pull checks the collector against its public transparency log (docs/cli.md, "Checking the
collector"): the latest checkpoint must be signed by the pinned log key and extend the checkpoint
verified on the previous pull (a rewritten history stops the pull, status 1, before anything is
written); the lines pulled up to the checkpoint must be exactly the log's entries (nothing
withheld, nothing extra) and recount to its signed count. Lines past the checkpoint are kept and
checked on the next pull. Withdrawals, operator removals and the decisions of e-mail owners
(confirmed, or "this wasn't me") are pulled too: decrypt and wall build leave withdrawn, removed
and disowned signatures out, and keep only confirmed ones with --confirmed-only. A confirmation
whose secret does not hash to its envelope's ch stops the pull (only staff and the owner of the
address know it), and the checkpoint's confirmed count is recounted like its count.

Run it again at any time: it fetches only what is new since the last pull (the seq cursor in the
state file), and an interrupted pull never leaves a line twice. Each line keeps the collector's
seq and receivedAt with its envelope: decrypt and wall build choose between records by that
arrival order.

Against a faulty or hostile collector: an answer with more than --page-size lines, more than
--max-bytes (default 1G) in one run, or any invalid line stops the pull with status 1; the valid
envelopes before that point are kept, and the state moves past them. The output file and the
state file are never written through a symbolic link.

Example:
  secure-sign pull --collector https://collector.example.org --campaign open-letter \\
    --token-file staff.token --out envelopes.ndjson`,
    )
    .action(async (opts: { collector: string; campaign: string; tokenFile?: string; out: string; state?: string; pageSize: number; maxBytes?: number; logKey?: string; witness: string[]; witnessQuorum?: number; repinWitnesses: boolean; timeout: number }) => {
      const summary = await pull({
        logKey: opts.logKey === undefined ? undefined : logKey(opts.logKey, '--log-key'),
        witnesses: witnessesFrom(opts.witness, opts.witnessQuorum),
        repinWitnesses: opts.repinWitnesses,
        collector: collectorUrl(opts.collector),
        campaign: campaignId(opts.campaign),
        token: await readToken(opts.tokenFile, 'staff'),
        out: opts.out,
        state: opts.state,
        pageSize: opts.pageSize,
        maxBytes: opts.maxBytes,
        timeoutMs: opts.timeout * 1000,
      });
      const decisions = summary.confirmations + summary.disownings;
      const events = summary.withdrawals + summary.removals + summary.removed + decisions;
      const confirmations = decisions === 0 ? '' : `, ${summary.confirmations} confirmations and ${summary.disownings} disowned by the owners of the e-mail addresses`;
      const kinds = events === 0 ? '' : ` (and ${summary.withdrawals} withdrawals, ${summary.removals} removals by the operator, ${summary.removed} envelopes whose ciphertext is gone${confirmations})`;
      say(`pulled ${summary.fetched - events} new envelopes${kinds} into ${opts.out} (last seq ${summary.lastSeq})`);
      const { size, count, confirmed, pending } = summary.log;
      const recounted = count === undefined ? '' : `; signed count ${count}${confirmed === undefined ? '' : ` (${confirmed} confirmed)`} recounted`;
      if (size > 0) say(`verified against the log: the ${size} entries of its latest checkpoint are exactly the lines pulled${recounted}`);
      if (summary.witnesses !== undefined && size > 0) {
        const { required, cosigned } = summary.witnesses;
        say(`the checkpoint is cosigned by ${cosigned.length} of the ${required.keys.length} pinned witnesses (${cosigned.join(', ')}); ${required.quorum} required`);
      }
      if (pending > 0) say(`${pending} lines past the checkpoint are not yet covered by it: they are checked on the next pull`);
    });

  cli
    .command('decrypt')
    .description('decrypt envelopes (one per line) to CSV, JSON, NDJSON, or a file Action Network, CiviCRM, Mailchimp or an OSDI system imports, using every core')
    .option('-k, --key <file>', 'key file (repeatable, for a campaign that rotated keys)', collect, [])
    .option('-i, --input <file>', 'envelope file, or - for stdin', '-')
    .option('-o, --output <file>', 'output file (created 0600), or - for stdout', '-')
    .addOption(new Option('--format <format>', 'output format (default: from the -o extension, else ndjson)').choices(FORMATS))
    .option('--rejects <file>', 'write every line that failed, with its reason, to FILE (NDJSON, 0600)')
    .option('--dedupe-email', 'keep one record per e-mail address (NFC, trimmed, lower-case): the first to arrive (collector seq), consents merged to the most restrictive', false)
    .addOption(conflictsOption('conflicts.ndjson'))
    .option('--campaign <id>', 'reject envelopes of any other campaign')
    .option('--confirmed-only', 'keep only signatures whose e-mail address\'s owner confirmed them (the confirmation lines pull brought); combines with every --format', false)
    .option('-j, --jobs <n>', 'worker threads (default: every core)', positiveInt('--jobs', 256))
    .option('--csv-bom', 'start CSV with a byte order mark (for Excel)', false)
    .option('-f, --force', 'overwrite output files; allow output to a terminal', false)
    .addOption(passphraseOption())
    .addHelpText(
      'after',
      `
Input: one line per envelope: export lines {"seq":..,"receivedAt":..,"envelope":{..}} as \`pull\`
writes them, or bare envelopes. Output keeps input order; with --dedupe-email, arrival order (seq;
lines without one count as earlier, in input order), never createdAt. Records carry seq and
receivedAt when the line had them. The same submission id twice with the same ciphertext (a
replay) is dropped and counted; with another ciphertext, or (with --dedupe-email) the same e-mail
with other content, the first arrival is kept and both sides go to the conflicts file. The
submission ids seen (with a digest of each ciphertext, never plaintext) are kept in a private
temporary file under TMPDIR, removed from the folder as soon as it is made, so memory stays flat.
Withdrawals and operator removals that pull brought (lines "withdrawal", "removal", "removed")
leave those signatures out, counted on stderr, even when the withdrawal comes after the envelope
(the input is read twice; a pipe is first copied to a private temporary file). A withdrawal whose
secret does not hash to the envelope's wh is forged: the signature is kept and named.
Signatures disowned by the owner of their e-mail address ("this wasn't me", lines "confirmation"
with decision disown) are left out like withdrawn ones. --confirmed-only keeps only signatures
confirmed by the owner of their e-mail address (see secure-sign confirm send), and says how many
it left out; a confirmation counts only if its secret hashes to the ch of the envelope that
opened. A confirmation line whose secret does not hash to that ch is forged: it confirms nothing
and the run ends with status 6.
--format actionnetwork, civicrm, mailchimp or osdi writes a file that tool imports, with its own
column names (docs/exports.md). Signers who did not agree to be contacted are never in the
mailchimp or actionnetwork file; civicrm flags them "No Bulk Emails (User Opt Out)"; osdi
carries the consent as the e-mail address's status. The name is never split: it goes whole into
the first-name field.
Exit status: 0 if every record opened; 3 if some could not be (counts by reason on stderr); 6 if
the input holds forged withdrawals or confirmations.

Examples:
  secure-sign decrypt --key campaign.key -i envelopes.ndjson -o signatures.csv
  cat envelopes.ndjson | secure-sign decrypt --key campaign.key --key old.key --campaign open-letter \\
    --rejects rejects.ndjson --dedupe-email > signatures.ndjson
  secure-sign decrypt --key campaign.key -i envelopes.ndjson --format mailchimp --dedupe-email -o mailchimp.csv
  secure-sign decrypt --key campaign.key -i envelopes.ndjson --confirmed-only --format civicrm -o confirmed.csv`,
    )
    .action(async (opts: { key: string[]; input: string; output: string; format?: string; rejects?: string; dedupeEmail: boolean; conflicts?: string; campaign?: string; confirmedOnly: boolean; jobs?: number; csvBom: boolean; force: boolean; passphraseFile?: string }) => {
      if (opts.key.length === 0) throw new CliError('no key file given', 'pass --key campaign.key (repeat it for older keys)', EXIT.USAGE);
      if (opts.campaign !== undefined) campaignId(opts.campaign);
      // Checked before the passphrase is asked for: a command that cannot run should not ask.
      if (opts.input === '-' && process.stdin.isTTY) {
        throw new CliError('no input: stdin is a terminal', 'pass -i envelopes.ndjson, or pipe the envelopes in', EXIT.USAGE);
      }
      const secretKeys: string[] = [];
      for (const path of opts.key) {
        const keys = await unlockKeyFile(path, () => getPassphrase({ file: opts.passphraseFile }, `key file ${path}`));
        secretKeys.push(formatCampaignSecretKey(keys));
      }
      const summary = await decrypt({
        secretKeys,
        input: opts.input,
        output: opts.output,
        format: formatFrom(opts.format, opts.output),
        rejects: opts.rejects,
        dedupeEmail: opts.dedupeEmail,
        conflicts: conflictsPath(opts.conflicts, opts.output, 'conflicts.ndjson'),
        campaign: opts.campaign,
        force: opts.force,
        jobs: opts.jobs,
        csvBom: opts.csvBom,
        confirmedOnly: opts.confirmedOnly,
      });
      process.exitCode = report(summary, opts.dedupeEmail, opts.confirmedOnly);
    });

  const confirm = cli.command('confirm').description('e-mail confirmation of signatures (double opt-in) through your own SMTP server');
  confirm
    .command('send')
    .description('e-mail each signer not yet confirmed a confirmation link and a "this wasn\'t me" link, in the language of their form; resumable, never twice')
    .option('-k, --key <file>', 'key file (repeatable, for a campaign that rotated keys)', collect, [])
    .requiredOption('--in <file>', 'the envelope file pull writes (envelopes, withdrawals, confirmations)')
    .option('--from <address>', 'the sender: campaign@example.org or "Open letter <campaign@example.org>" (else from --config)')
    .option('--smtp <url>', 'smtp://[user@]host[:port] (STARTTLS, 587) or smtps://[user@]host[:port] (TLS, 465); no password here: $SECURE_SIGN_SMTP_PASSWORD or the config file')
    .option('--smtp-insecure', 'allow an SMTP server without STARTTLS, and do not check its certificate (never over the internet)', false)
    .option('--config <file>', 'JSON settings: {"smtp":{"url","user","password","insecure"},"from","collector","campaignName"}; flags win')
    .option('--collector <url>', 'the collector base URL the links point to (else from --config)')
    .option('--campaign <id>', 'only signers of this campaign')
    .option('--campaign-name <text>', 'the campaign\'s name as the message shows it (default: the campaign id)')
    .option('--dry-run <dir>', 'write each message to DIR/<submission id>.eml (0600) and send nothing')
    .option('--state <file>', 'journal of what was sent (default: IN.confirm-state.ndjson)')
    .option('--limit <n>', 'send at most N messages in this run', positiveInt('--limit', Number.MAX_SAFE_INTEGER))
    .option('--resend-uncertain', 'also send again the messages an interrupted run may or may not have sent', false)
    .option('-j, --jobs <n>', 'decryption worker threads (default: every core)', positiveInt('--jobs', 256))
    .addOption(passphraseOption())
    .addHelpText(
      'after',
      `
It opens the envelope file as decrypt does (same keys, replays dropped, withdrawn, removed and
disowned signatures left out) and keeps one signer per e-mail address, the first to arrive. It
mails each of them whose envelope carries a confirmation secret (forms since issue 16) and who
has not confirmed yet nor been mailed before. The message, plain text in the language of the
signer's form (English, French or German; else English), holds two links to the collector:
  COLLECTOR/v1/campaigns/CAMPAIGN/confirm?code=SID.SECRET&lang=LANG
  COLLECTOR/v1/campaigns/CAMPAIGN/disown?code=SID.SECRET&lang=LANG
Opening a link changes nothing (mail scanners follow links): the page's button does. Nothing the
signer typed (not even the name) goes into the message. Run pull first so that signers who
already confirmed are not mailed again.

The SMTP password comes from $SECURE_SIGN_SMTP_PASSWORD or the config file (smtp.password), never
from a flag. smtp:// must upgrade with STARTTLS and a valid certificate, except to this machine
(localhost) or with --smtp-insecure.

Never twice: before each message the state file records "sending" (fsynced), after the server
accepted it "sent". Run the same command again after a failure or a crash: the sent ones are
skipped; one recorded "sending" but not "sent" may or may not have left, so it is listed as
uncertain and sent again only with --resend-uncertain. A message the server refuses (4xx, 5xx)
is recorded, named, and tried again on the next run; the run goes on and ends with status 1. A
connection failure stops the run with what to do. A second run on the same state file while one
is mailing is refused (STATE.lock holds the running one's process id).

Exit status: 0 done (uncertain messages are a warning); 1 failure, or some message refused;
2 usage; 6 the envelope file holds forged withdrawals or confirmations.

Examples:
  SECURE_SIGN_SMTP_PASSWORD=... secure-sign confirm send --key campaign.key --in envelopes.ndjson \\
    --from "Open letter <team@example.org>" --smtp smtp://team@mail.example.org \\
    --collector https://collector.example.org --campaign-name "Open letter on encryption"
  secure-sign confirm send --key campaign.key --in envelopes.ndjson --config mail.json --dry-run outbox/`,
    )
    .action(async (opts: { key: string[]; in: string; from?: string; smtp?: string; smtpInsecure: boolean; config?: string; collector?: string; campaign?: string; campaignName?: string; dryRun?: string; state?: string; limit?: number; resendUncertain: boolean; jobs?: number; passphraseFile?: string }) => {
      // Everything is checked before the passphrase is asked for.
      if (opts.key.length === 0) throw new CliError('no key file given', 'pass --key campaign.key (repeat it for older keys)', EXIT.USAGE);
      if (opts.campaign !== undefined) campaignId(opts.campaign);
      const { SMTP_PASSWORD_ENV, confirmReport, confirmSend, fromAddress, readConfig, smtpSettings } = await confirmModule();
      const config = await readConfig(opts.config);
      const fromText = opts.from ?? config.from;
      if (fromText === undefined) throw new CliError('no sender', 'pass --from ADDRESS (or "from" in --config)', EXIT.USAGE);
      const from = fromAddress(fromText);
      const collectorText = opts.collector ?? config.collector;
      if (collectorText === undefined) throw new CliError('no collector URL for the links', 'pass --collector URL (or "collector" in --config)', EXIT.USAGE);
      const collector = collectorUrl(collectorText);
      const campaignName = opts.campaignName ?? config.campaignName;
      if (campaignName !== undefined && (/[\u0000-\u001f\u007f-\u009f]/.test(campaignName) || [...campaignName].length > 200)) {
        throw new CliError('--campaign-name must be one line of at most 200 characters', undefined, EXIT.USAGE);
      }
      const smtpUrl = opts.smtp ?? config.smtp?.url;
      let smtp: SmtpSettings | undefined;
      if (opts.dryRun === undefined) {
        if (smtpUrl === undefined) throw new CliError('no SMTP server', 'pass --smtp smtp://user@host (or smtp.url in --config), or --dry-run DIR to write the messages to files', EXIT.USAGE);
        smtp = smtpSettings(smtpUrl, config.smtp?.user, process.env[SMTP_PASSWORD_ENV] ?? config.smtp?.password, opts.smtpInsecure || config.smtp?.insecure === true);
      }
      const secretKeys: string[] = [];
      for (const path of opts.key) {
        const keys = await unlockKeyFile(path, () => getPassphrase({ file: opts.passphraseFile }, `key file ${path}`));
        secretKeys.push(formatCampaignSecretKey(keys));
      }
      const summary = await confirmSend({
        secretKeys,
        input: opts.in,
        campaign: opts.campaign,
        from,
        collector,
        campaignName,
        smtp,
        dryRun: opts.dryRun,
        state: opts.state ?? `${opts.in}.confirm-state.ndjson`,
        limit: opts.limit,
        resendUncertain: opts.resendUncertain,
        jobs: opts.jobs,
      });
      process.exitCode = confirmReport(summary, opts.dryRun);
    });

  const wall = cli.command('wall').description('build, sign and publish the public signer wall');

  wall
    .command('build')
    .description('build wall data from decrypted NDJSON: one entry per e-mail address, consenting (and allowed) signers, newest arrival first, no e-mail')
    .option('--from <file>', 'decrypted records (NDJSON from `decrypt`), or - for stdin', '-')
    .option('--allow <file>', 'allow list: one submission id per line (# starts a comment)')
    .option('--campaign <id>', 'only accept records of this campaign')
    .option('--envelopes <file>', 'the envelope file `pull` writes: signers who withdrew since (or whom the operator removed, or who said "this wasn\'t me") are left out')
    .option('--confirmed-only', 'only signers whose e-mail address\'s owner confirmed the signature (needs --envelopes, which holds the confirmations)', false)
    .option('-o, --output <file>', 'output file (created 0600), or - for stdout', '-')
    .addOption(conflictsOption('wall-conflicts.ndjson'))
    .option('-f, --force', 'overwrite the output and conflicts files', false)
    .addHelpText(
      'after',
      `
With --envelopes (the file pull writes), signers who withdrew their signature, or whom the
collector's operator removed, are left out and counted, even if the decrypted records are older
than the withdrawal. A withdrawal whose secret does not hash to the envelope's wh is forged: the
signer stays on the wall, and the command ends with status 6. Signatures disowned by the owner of
their e-mail address are left out too. With --confirmed-only (and --envelopes), only signers
whose signature was confirmed are on the wall (a confirmation counts only if its secret hashes to
the envelope's ch; a forged one confirms nothing and ends the command with status 6).

Records are taken in arrival order (the collector's seq; records without one count as earlier,
in file order), never by createdAt. A replayed submission id is dropped; records with the same
e-mail address and content become one entry whose consents are the most restrictive of them all;
the same e-mail with other content (or the same submission id with other content) is a conflict:
the first arrival is kept and both sides go to the conflicts file for review.`,
    )
    .action(async (opts: { from: string; allow?: string; campaign?: string; envelopes?: string; confirmedOnly: boolean; output: string; conflicts?: string; force: boolean }) => {
      if (opts.confirmedOnly && opts.envelopes === undefined) {
        throw new CliError('--confirmed-only needs --envelopes', 'the confirmations are in the envelope file pull writes: pass --envelopes envelopes.ndjson', EXIT.USAGE);
      }
      const withdrawals = opts.envelopes === undefined ? NO_WITHDRAWALS : await scanWithdrawals(opts.envelopes);
      const { buildWall, parseAllowList } = await wallModule();
      const allow = opts.allow === undefined ? undefined : parseAllowList(await readSmallFile(opts.allow, 64 * 1024 * 1024, 'allow list'));
      const path = conflictsPath(opts.conflicts, opts.output, 'wall-conflicts.ndjson');
      if (opts.output !== '-' && resolve(opts.output) === resolve(path)) throw new CliError('--conflicts is the output file', 'give the conflicts file another name', EXIT.USAGE);
      const conflicts = new ConflictsFile(path, opts.force);
      let built;
      try {
        built = await buildWall({ from: opts.from, allow, campaign: opts.campaign === undefined ? undefined : campaignId(opts.campaign), conflicts, withdrawals, confirmedOnly: opts.confirmedOnly });
        await conflicts.close();
      } finally {
        conflicts.abandon();
      }
      await output(opts.output, JSON.stringify(built.data, null, 2) + '\n', opts.force);
      say(`wall: ${built.data.entries.length} entries (${built.skipped} signers left out: no consent${allow ? ' or not on the allow list' : ''})`);
      if (built.replays > 0) say(`dropped ${built.replays} replays (same submission id and content as an earlier line)`);
      if (built.duplicates > 0) say(`merged ${built.duplicates} duplicates by e-mail into the first arrival (consents: the most restrictive)`);
      reportConflicts(built.sidConflicts, built.emailConflicts, conflicts.written > 0 ? path : undefined, 'other content');
      for (const line of withdrawalSummary(withdrawals)) say(line);
      if (opts.confirmedOnly) say(unconfirmedLine(built.unconfirmed));
      if (hasForgeries(withdrawals)) process.exitCode = EXIT.MISBEHAVIOUR;
    });

  wall
    .command('sign')
    .description('sign wall data with the campaign key, with the next serial and a validity period')
    .argument('[file]', 'wall data from `wall build` (possibly edited), or - for stdin', '-')
    .requiredOption('-k, --key <file>', 'the key file')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('--collector <url>', 'read the serial of the wall this collector serves (GET files/wall.json, verified with the key)')
    .option('--state <file>', 'local record of the serials signed (default: KEY.walls.json, beside the key file)')
    .option('--serial <n>', 'use this serial instead of the next one (it must be higher than the one the collector serves)', positiveInt('--serial', Number.MAX_SAFE_INTEGER))
    .option('--valid-for <duration>', 'how long the wall stays valid: a number and s, m, h, d or w (default: 30d)', parseDuration)
    .option('-o, --output <file>', 'output file, or - for stdout', '-')
    .option('-f, --force', 'overwrite the output file', false)
    .addOption(timeoutOption())
    .addOption(passphraseOption())
    .addHelpText(
      'after',
      `
The serial is the larger of the collector's (with --collector) and the state file's, plus one
(1 for the first wall); --serial N forces one. The collector refuses a wall whose serial is not
higher than the one it serves, so an older wall can never come back. The state file is updated
after each wall signed. Widgets refuse a wall after its validUntil: sign and publish a new one
before then.

Example:
  secure-sign wall sign --key campaign.key --campaign open-letter \\
    --collector https://collector.example.org --valid-for 30d wall-data.json -o wall.json`,
    )
    .action(async (file: string, opts: { key: string; campaign: string; collector?: string; state?: string; serial?: number; validFor?: number; output: string; force: boolean; timeout: number; passphraseFile?: string }) => {
      const campaign = campaignId(opts.campaign);
      const collector = opts.collector === undefined ? undefined : collectorUrl(opts.collector);
      const { checkWallData } = await wallModule();
      const data = checkWallData(parseJson(await readInput(file, MAX_DOCUMENT_BYTES, 'wall data'), 'the wall data'));
      const statePath = opts.state ?? defaultStatePath(opts.key);
      const state = await readSerialState(statePath);
      let serial = opts.serial;
      if (serial === undefined) {
        let served = 0;
        if (collector) {
          // Only the clear public key is needed here; unlocking below checks it against the secret key.
          const publicKey = await keyFilePublicKey(opts.key);
          const text = await fetchDocument(collector, campaign, 'wall.json', MAX_DOCUMENT_BYTES, opts.timeout * 1000);
          if (text !== undefined) {
            try {
              // An expired wall still holds the serial to beat.
              served = (await verifyDocument(publicKey, text, { type: 'wall', campaign, now: null })).serial;
            } catch (error) {
              if (!isSecureSignError(error)) throw error;
              throw new CliError(`the wall the collector serves does not verify with this key (${error.code})`, 'check --collector, --campaign and --key; or pass --serial N to choose the serial yourself');
            }
          }
        }
        serial = Math.max(served, state?.walls[campaign]?.serial ?? 0) + 1;
        if (!Number.isSafeInteger(serial)) throw new CliError('the serial cannot go any higher', 'pass --serial N');
      }
      const keys = await unlockKeyFile(opts.key, () => getPassphrase({ file: opts.passphraseFile }, `key file ${opts.key}`));
      const issuedAt = new Date();
      const validUntil = new Date(issuedAt.getTime() + (opts.validFor ?? DEFAULT_DOCUMENT_VALIDITY_MS));
      const doc = await signDocument(keys, { type: 'wall', campaign, serial, issuedAt, validUntil, data: { entries: data.entries.map((e) => ({ ...e })) } });
      await output(opts.output, JSON.stringify(doc) + '\n', opts.force);
      await recordSerial(statePath, state, campaign, { serial, issuedAt: doc.payload.issuedAt, validUntil: doc.payload.validUntil });
      say(`signed the wall (${data.entries.length} entries): serial ${serial}, issued ${doc.payload.issuedAt}, valid until ${doc.payload.validUntil}, key ${keys.publicKey.fingerprint}`);
    });

  wall
    .command('publish')
    .description('upload a signed wall to the collector (checked first when a key is given)')
    .argument('<file>', 'the signed wall from `wall sign`')
    .requiredOption('--collector <url>', 'the collector base URL')
    .requiredOption('--campaign <id>', 'the campaign id')
    .option('--token-file <file>', 'file holding the staff token (else $SECURE_SIGN_TOKEN)')
    .option('-k, --key <file>', 'verify against this key file\'s public key before uploading')
    .option('--public-key <sspk1>', 'verify against this public key before uploading')
    .option('--name <name>', 'published file name', 'wall.json')
    .addOption(timeoutOption())
    .addHelpText(
      'after',
      `
The collector refuses a wall whose serial is not higher than the one it serves (409
stale-document) and an expired one (400 expired-document): both end with status 1 and a hint;
sign again (wall sign reads the served serial with --collector) and publish the new file.`,
    )
    .action(async (file: string, opts: { collector: string; campaign: string; tokenFile?: string; key?: string; publicKey?: string; name: string; timeout: number }) => {
      const campaign = campaignId(opts.campaign);
      if (!/^[a-z0-9][a-z0-9-]{0,62}\.json$/.test(opts.name)) throw new CliError('--name must be like wall.json (a-z, 0-9, -; ending .json)', undefined, EXIT.USAGE);
      const text = await readInput(file, MAX_DOCUMENT_BYTES, 'signed document');
      if (opts.key !== undefined || opts.publicKey !== undefined) {
        await verifyDocument(await publicKeyFrom(opts), text, { campaign, ...(opts.name === 'wall.json' ? { type: 'wall' } : {}) }).catch((error: unknown) => {
          throw verificationError(error, 'do not publish it');
        });
      }
      const token = await readToken(opts.tokenFile, 'staff');
      const url = await publish(collectorUrl(opts.collector), campaign, token, opts.name, text, opts.timeout * 1000);
      say(`published ${url}`);
    });

  cli
    .command('verify')
    .description('verify a signed document (e.g. wall.json) against a campaign key; prints its payload')
    .argument('[file]', 'the document, or - for stdin', '-')
    .option('-k, --key <file>', 'the key file (its public part)')
    .option('--public-key <sspk1>', 'the public campaign key string')
    .option('--type <type>', 'require this document type (e.g. wall)')
    .option('--campaign <id>', 'require this campaign')
    .option('--min-serial <n>', 'refuse a document with a lower serial (one you have seen before)', positiveInt('--min-serial', Number.MAX_SAFE_INTEGER))
    .action(async (file: string, opts: { key?: string; publicKey?: string; type?: string; campaign?: string; minSerial?: number }) => {
      const publicKey = await publicKeyFrom(opts);
      const text = await readInput(file, MAX_DOCUMENT_BYTES, 'document');
      let payload: DocumentPayload;
      try {
        payload = await verifyDocument(publicKey, text, {
          ...(opts.type === undefined ? {} : { type: opts.type }),
          ...(opts.campaign === undefined ? {} : { campaign: campaignId(opts.campaign) }),
          ...(opts.minSerial === undefined ? {} : { minSerial: opts.minSerial }),
        });
      } catch (error) {
        throw verificationError(error, 'do not publish or trust this document');
      }
      process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
      say(`good signature: ${payload.type} for campaign ${payload.campaign}, serial ${payload.serial}, issued ${payload.issuedAt}, valid until ${payload.validUntil}, key ${publicKey.fingerprint}`);
    });

  const receipt = cli.command('receipt').description('check what a signer\'s receipt proves');
  receipt
    .command('check')
    .description('check a saved receipt against the collector\'s public log: counted, not yet, withdrawn, or missing although promised')
    .argument('<file>', 'the receipt file the signature form saved (secure-sign-receipt-<campaign>-<n>.json)')
    .option('--collector <url>', 'the collector to ask (default: the one named in the receipt)')
    .option('--log-key <vkey>', 'the campaign\'s log key, checked elsewhere (default: the key written in the receipt)')
    .option('--witness <vkey>', 'a witness\'s cosignature verifier key (repeatable): the latest checkpoint must carry its cosignature', collect, [])
    .option('--witness-quorum <n>', 'how many of the --witness keys must have cosigned (default: all)', positiveInt('--witness-quorum', 64))
    .addOption(timeoutOption())
    .addHelpText(
      'after',
      `
It verifies the receipt's promise (the collector's signed statement that the entry is at that
position of the log), fetches the latest signed checkpoint and an inclusion proof, and prints one
sentence on stdout, e.g. "counted in the log of open-letter at position 42 of 1234".
With --witness, that checkpoint must also carry valid cosignatures of --witness-quorum of those
witnesses (status 1 otherwise, naming which cosigned); the collector does not gather witnesses'
cosignatures yet (docs/cli.md, "Witnesses").

Exit status: 0 counted (or a withdrawal receipt counted); 1 failure, or the promise does not
verify (bad signature); 2 usage; 4 not yet in a checkpoint (retry in a minute); 5 withdrawn by
the signer or removed by the collector's operator; 6 proof of misbehaviour: missing although
promised, or withdrawn with another secret than the receipt's (forged): keep the receipt file.

Example:
  secure-sign receipt check secure-sign-receipt-open-letter-41.json \\
    --log-key 'collector.example/open-letter+1a2b3c4d+AbC...'`,
    )
    .action(async (file: string, opts: { collector?: string; logKey?: string; witness: string[]; witnessQuorum?: number; timeout: number }) => {
      const witnesses = witnessesFrom(opts.witness, opts.witnessQuorum);
      const { checkReceipt } = await receiptModule();
      const outcome = await checkReceipt({ file, collector: opts.collector, logKey: opts.logKey, witnesses, timeoutMs: opts.timeout * 1000 });
      process.stdout.write(outcome.message + '\n');
      process.exitCode = outcome.exitCode;
    });

  registerFrameCommand(cli);
  return cli;
}

/** A failed verification as a {@link CliError}: the code, the library's message, and what to do. */
function verificationError(error: unknown, hint: string): unknown {
  if (!isSecureSignError(error)) return error;
  const hints: Partial<Record<string, string>> = {
    DOCUMENT_EXPIRED: 'it is past its validUntil: sign a new one (secure-sign wall sign) and publish that',
    DOCUMENT_ROLLED_BACK: 'its serial is lower than --min-serial: an older document was served in place of a newer one',
  };
  return new CliError(`verification failed (${error.code}): ${error.message}`, hints[error.code] ?? hint);
}

function fail(message: string, hint: string | undefined): void {
  say(`error: ${message}`);
  if (hint) say(`hint: ${hint}`);
}

/** Runs the command line; resolves to the exit status. */
export async function run(argv: readonly string[]): Promise<number> {
  const cli = program();
  cli.exitOverride();
  const applyOutput = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ outputError: (str, write) => write(`secure-sign: error: ${str.replace(/^error: /, '')}`) });
    for (const sub of command.commands) applyOutput(sub);
  };
  applyOutput(cli);
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.OK;
      if (error.code === 'commander.executeSubCommandAsync' || error.exitCode === 0) return EXIT.OK;
      say('hint: see secure-sign --help, or secure-sign COMMAND --help');
      return EXIT.USAGE;
    }
    if (error instanceof CliError) {
      fail(error.message, error.hint);
      return error.exitCode;
    }
    if (isSecureSignError(error)) {
      // Messages of @secure-sign/crypto never carry secrets or plaintext.
      fail(`${error.message} (${error.code})`, undefined);
      return EXIT.FAILURE;
    }
    const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined;
    fail(`unexpected failure${code ? ` (${code})` : ''}`, 'please report it; run with NODE_DEBUG=secure-sign for details');
    if (process.env['NODE_DEBUG']?.includes('secure-sign')) console.error(error);
    return EXIT.FAILURE;
  }
}

process.exitCode = await run(process.argv.slice(2));
