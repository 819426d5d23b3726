// The `secure-sign-collector` command. Output rules: data (the "listening" line, a staff token,
// the campaign list) goes to stdout; logs (pino JSON) and errors go to stderr, errors as
// "secure-sign-collector: error: ..." with a "hint:" line. Exit 0 on success, 1 when something
// failed at run time, 2 on a usage error.
import { pino, type Logger } from 'pino';
import { parseArgs } from 'node:util';
import { createApp } from './app.js';
import { CollectorError } from './errors.js';
import { registerCampaign, rotateStaffToken, isOpen, updateCampaign } from './campaigns.js';
import { DEFAULT_POW_BURST_MAX_FACTOR, DEFAULT_POW_BURST_THRESHOLD, DEFAULT_POW_DIFFICULTY, resolveConfig, type CollectorConfig } from './config.js';
import { MAX_POW_DIFFICULTY } from './pow.js';
import { createMetrics } from './metrics.js';
import { closeCampaign, parseRetentionPeriod } from './retention.js';
import { startServer } from './server.js';
import { openPostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { CampaignRecord, Store } from './store/types.js';

const NAME = 'secure-sign-collector';

/** Usage text of the command. */
export const USAGE = `Usage:
  ${NAME} [serve] [storage options] [--host HOST] [--port PORT] [--pow-difficulty N]
                  [--pow-burst N] [--pow-burst-window SECONDS] [--pow-burst-max-factor F]
                  [--rate-limit N] [--rate-window SECONDS] [--campaign-rate-limit N]
                  [--ipv6-prefix BITS] [--clock-skew SECONDS] [--trust-proxy] [--log-level LEVEL]
  ${NAME} campaign add ID --key sspk1... [--origin URL]... [--goal N] [--opens ISO] [--closes ISO]
                  [--count-shown all|confirmed] [storage options]
  ${NAME} campaign set ID [--origin URL]... [--any-origin] [--goal N|none] [--opens ISO|none]
                  [--closes ISO|none] [--count-shown all|confirmed] [storage options]
  ${NAME} campaign close ID --delete-after PERIOD [storage options]
  ${NAME} campaign token ID [storage options]
  ${NAME} campaign list [storage options]

Runs the secure-sign collector, or manages its campaigns.

Storage options (one engine; every process sharing a PostgreSQL database works together):
  --data-dir DIR          SQLite database in DIR/collector.sqlite   [env SECURE_SIGN_DATA_DIR,
                          default ./secure-sign-data]
  --database-url URL      PostgreSQL instead (postgres://...)        [env DATABASE_URL]
  --database-schema NAME  PostgreSQL schema (default public)         [env SECURE_SIGN_DATABASE_SCHEMA]

Serve options:
  --host HOST             address to listen on (default 127.0.0.1)   [env HOST]
  --port PORT             port, 0 for any free one (default 8787)    [env PORT]
  --pow-difficulty N      proof-of-work difficulty: the solver tries from 0 to N SHA-256
                          hashes, N/2 on average (default ${DEFAULT_POW_DIFFICULTY}, at most ${MAX_POW_DIFFICULTY})
                                                                      [env SECURE_SIGN_POW_DIFFICULTY]
  --pow-burst N           a campaign issued more than N challenges within the burst window
                          (this process) gets harder ones: 2x above N, 4x above 2N...
                          (default ${DEFAULT_POW_BURST_THRESHOLD})                               [env SECURE_SIGN_POW_BURST]
  --pow-burst-window SECONDS
                          the window --pow-burst counts over (default 60)
                                                                      [env SECURE_SIGN_POW_BURST_WINDOW]
  --pow-burst-max-factor F
                          largest burst factor: 1 (off), 2, 4, 8 ... 64 (default ${DEFAULT_POW_BURST_MAX_FACTOR})
                                                                      [env SECURE_SIGN_POW_BURST_MAX_FACTOR]
  --rate-limit N          submissions per client address per window (default 20)
                                                                      [env SECURE_SIGN_RATE_LIMIT]
                          (1 to 1000000; challenges: five times as many)
  --rate-window SECONDS   rate-limit window (default 60)              [env SECURE_SIGN_RATE_WINDOW]
  --campaign-rate-limit N submissions per campaign per window from all clients together
                          (default 6000, or --rate-limit if larger)   [env SECURE_SIGN_CAMPAIGN_RATE_LIMIT]
  --ipv6-prefix BITS      IPv6 clients share one limit per network of this prefix
                          (32 to 128, default 64)                     [env SECURE_SIGN_IPV6_PREFIX]
  --clock-skew SECONDS    how far the clocks of processes sharing a database may disagree;
                          spent challenges are kept that long past expiry (default 300)
                                                                      [env SECURE_SIGN_CLOCK_SKEW]
  --log-name NAME         names the campaign logs: origin NAME/CAMPAIGN; set it once to the
                          collector's public host (default localhost) [env SECURE_SIGN_LOG_NAME]
  --trust-proxy           take the client address from the last X-Forwarded-For hop
                                                                      [env SECURE_SIGN_TRUST_PROXY=1]
  --log-level LEVEL       pino level: info (default), warn, error, debug [env LOG_LEVEL]
  SECURE_SIGN_ADMIN_TOKEN (env only, 32+ characters) turns on the admin HTTP endpoints.

When listening it prints one line to stdout:
  ${NAME}: listening on http://HOST:PORT
Logs are JSON lines on stderr. SIGTERM or SIGINT stops it gracefully.

campaign add prints the new staff token (sst_...) alone on stdout, once: give it to the
campaign's staff. campaign token replaces it with a new one (the old one stops working).
campaign set changes origins (--origin replaces the list, --any-origin empties it), goal,
dates (none clears one) or the count shown, and prints the campaign's list line. campaign list
prints one tab-separated line per campaign.

--count-shown says which count the campaign's widgets show: all (the default) counts every
signature, confirmed only those whose signer clicked the confirmation link of staff's e-mail
(docs/api.md, Confirmation). The campaign answer and the signed checkpoints carry both counts
whatever it says; the list line shows them as count=N and confirmed=N.

campaign close ends a campaign for good: it refuses new signatures from now on (whatever its
dates say), and once PERIOD has passed the collector deletes every stored ciphertext of it
(the submission ids, hashes, the log and the count stay). PERIOD is Nd (days) or Nw (weeks),
at least 1d, at most 3650d. Closing again keeps the earlier deletion date: it can bring the
deletion forward, never put it off. It prints the campaign's list line, which for a closed
campaign ends closed=TIME delete=TIME (deleted=TIME once done). A running collector deletes
within a minute of that time (docs/operations.md, Retention).

Example:
  ${NAME} campaign add open-letter --key sspk1... --origin https://partner.example \\
    --goal 10000 --closes 2027-03-01T00:00:00Z > staff-token.txt
  ${NAME} --data-dir /var/lib/secure-sign --host 0.0.0.0 --port 8787
  ${NAME} campaign close open-letter --delete-after 180d --data-dir /var/lib/secure-sign
`;

class UsageError extends Error {}

/** Runs the command; resolves to the exit status (serve resolves when the server has stopped). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'database-schema': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'pow-difficulty': { type: 'string' },
        'pow-burst': { type: 'string' },
        'pow-burst-window': { type: 'string' },
        'pow-burst-max-factor': { type: 'string' },
        'rate-limit': { type: 'string' },
        'rate-window': { type: 'string' },
        'campaign-rate-limit': { type: 'string' },
        'ipv6-prefix': { type: 'string' },
        'clock-skew': { type: 'string' },
        'trust-proxy': { type: 'boolean' },
        'log-name': { type: 'string' },
        'any-origin': { type: 'boolean' },
        'log-level': { type: 'string' },
        key: { type: 'string' },
        origin: { type: 'string', multiple: true },
        goal: { type: 'string' },
        opens: { type: 'string' },
        closes: { type: 'string' },
        'delete-after': { type: 'string' },
        'count-shown': { type: 'string' },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const [command = 'serve', ...rest] = positionals;
    if (command === 'serve') {
      if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
      return await serveCommand(values, env);
    }
    if (command === 'campaign') return await campaignCommand(rest, values, env);
    throw new UsageError(`unknown command: ${command}`);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    if (error instanceof CollectorError) {
      // A failure with a known fix (a newer database, a driver built for another Node): say that
      // fix, not the generic "check the database" below.
      say(`error: ${error.message}`);
      for (const line of error.hint.split('\n')) say(`hint: ${line}`);
      return 1;
    }
    if (error instanceof TypeError || error instanceof RangeError) {
      say(`error: ${error.message}`);
      return 2;
    }
    say(`error: ${(error as Error).message}`);
    say('hint: check that the database is reachable and the data directory writable');
    return 1;
  }
}

type Values = Record<string, string | boolean | string[] | undefined>;

function say(line: string): void {
  process.stderr.write(`${NAME}: ${line}\n`);
}

function usageError(message: string): number {
  say(`error: ${message}`);
  say(`hint: run ${NAME} --help`);
  return 2;
}

function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^[0-9]{1,9}$/.test(text)) throw new UsageError(`${name}: expected a non-negative integer`);
  return Number(text);
}

/** Settings by the flag (or variable) that sets them: a bad value names the flag, not the config field. */
const FLAG_OF: Record<string, string> = {
  powDifficulty: '--pow-difficulty',
  powBurstThreshold: '--pow-burst',
  powBurstWindowSeconds: '--pow-burst-window',
  powBurstMaxFactor: '--pow-burst-max-factor',
  rateLimit: '--rate-limit',
  rateWindowSeconds: '--rate-window',
  campaignRateLimit: '--campaign-rate-limit',
  ipv6Prefix: '--ipv6-prefix',
  clockSkewSeconds: '--clock-skew',
  adminToken: 'SECURE_SIGN_ADMIN_TOKEN',
  logName: '--log-name',
};

function configFromFlags(input: Partial<CollectorConfig>): CollectorConfig {
  try {
    return resolveConfig(input);
  } catch (error) {
    const match = error instanceof TypeError ? /^config\.(\w+): (.*)$/.exec(error.message) : null;
    if (match && FLAG_OF[match[1]!] !== undefined) throw new UsageError(`${FLAG_OF[match[1]!]}: ${match[2]}`);
    throw error;
  }
}

async function openStore(values: Values, env: NodeJS.ProcessEnv): Promise<Store> {
  const url = str(values, 'database-url') ?? (env['DATABASE_URL'] || undefined);
  const dataDir = str(values, 'data-dir') ?? (env['SECURE_SIGN_DATA_DIR'] || undefined);
  if (url !== undefined && str(values, 'data-dir') !== undefined) throw new UsageError('give --data-dir or --database-url, not both');
  if (url !== undefined) {
    if (!/^postgres(?:ql)?:\/\//.test(url)) throw new UsageError('--database-url: expected a postgres:// URL');
    const schema = str(values, 'database-schema') ?? (env['SECURE_SIGN_DATABASE_SCHEMA'] || undefined);
    return openPostgresStore(url, schema === undefined ? {} : { schema });
  }
  return openSqliteStore(dataDir ?? './secure-sign-data');
}

function makeLogger(level: string): Logger {
  // Synchronous writes to stderr: a log line written just before a crash is not lost.
  return pino({ level, base: { service: NAME } }, pino.destination({ dest: 2, sync: true }));
}

async function serveCommand(values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const trustProxy = values['trust-proxy'] === true || env['SECURE_SIGN_TRUST_PROXY'] === '1';
  const adminToken = env['SECURE_SIGN_ADMIN_TOKEN'] || undefined;
  const logName = str(values, 'log-name') ?? (env['SECURE_SIGN_LOG_NAME'] || undefined);
  const shortRetention = shortRetentionForTests(env);
  const input: Partial<CollectorConfig> = { trustProxy, shortRetentionForTests: shortRetention, ...(logName === undefined ? {} : { logName }) };
  const difficulty = integer(str(values, 'pow-difficulty') ?? env['SECURE_SIGN_POW_DIFFICULTY'], '--pow-difficulty');
  const burst = integer(str(values, 'pow-burst') ?? env['SECURE_SIGN_POW_BURST'], '--pow-burst');
  const burstWindow = integer(str(values, 'pow-burst-window') ?? env['SECURE_SIGN_POW_BURST_WINDOW'], '--pow-burst-window');
  const burstFactor = integer(str(values, 'pow-burst-max-factor') ?? env['SECURE_SIGN_POW_BURST_MAX_FACTOR'], '--pow-burst-max-factor');
  const rateLimit = integer(str(values, 'rate-limit') ?? env['SECURE_SIGN_RATE_LIMIT'], '--rate-limit');
  const rateWindow = integer(str(values, 'rate-window') ?? env['SECURE_SIGN_RATE_WINDOW'], '--rate-window');
  const campaignRateLimit = integer(str(values, 'campaign-rate-limit') ?? env['SECURE_SIGN_CAMPAIGN_RATE_LIMIT'], '--campaign-rate-limit');
  const ipv6Prefix = integer(str(values, 'ipv6-prefix') ?? env['SECURE_SIGN_IPV6_PREFIX'], '--ipv6-prefix');
  const clockSkew = integer(str(values, 'clock-skew') ?? env['SECURE_SIGN_CLOCK_SKEW'], '--clock-skew');
  const config = configFromFlags({
    ...input,
    ...(difficulty === undefined ? {} : { powDifficulty: difficulty }),
    ...(burst === undefined ? {} : { powBurstThreshold: burst }),
    ...(burstWindow === undefined ? {} : { powBurstWindowSeconds: burstWindow }),
    ...(burstFactor === undefined ? {} : { powBurstMaxFactor: burstFactor }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(rateWindow === undefined ? {} : { rateWindowSeconds: rateWindow }),
    ...(campaignRateLimit === undefined ? {} : { campaignRateLimit }),
    ...(ipv6Prefix === undefined ? {} : { ipv6Prefix }),
    ...(clockSkew === undefined ? {} : { clockSkewSeconds: clockSkew }),
    ...(adminToken === undefined ? {} : { adminToken }),
  });
  const host = str(values, 'host') ?? (env['HOST'] || '127.0.0.1');
  const port = integer(str(values, 'port') ?? (env['PORT'] || undefined), '--port') ?? 8787;
  if (port > 65535) throw new UsageError('--port: expected 0 to 65535');
  const level = str(values, 'log-level') ?? (env['LOG_LEVEL'] || 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new UsageError('--log-level: unknown level');

  const logger = makeLogger(level);
  const store = await openStore(values, env);
  const metrics = createMetrics({ processMetrics: true });
  const app = createApp({ store, config, logger, metrics });
  let server;
  try {
    server = await startServer({
      app,
      store,
      logger,
      metrics,
      host,
      port,
      clockSkewMs: config.clockSkewSeconds * 1000,
      logName: config.logName,
      // Tests with periods in seconds look for due campaigns every half second, not every minute.
      ...(shortRetention ? { retentionIntervalMs: 500 } : {}),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  logger.info({ engine: store.engine, powDifficulty: config.powDifficulty, powBurstThreshold: config.powBurstThreshold, admin: adminToken !== undefined }, 'listening');
  process.stdout.write(`${NAME}: listening on ${server.url}\n`);

  const running = server;
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      running.close().then(
        () => {
          logger.info('stopped');
          resolve(0);
        },
        () => {
          logger.error('shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function campaignCommand(args: string[], values: Values, env: NodeJS.ProcessEnv): Promise<number> {
  const [action, id, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (action === 'list') {
    if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
    const store = await openStore(values, env);
    try {
      for (const c of await store.listCampaigns()) process.stdout.write(listLine(c));
    } finally {
      await store.close();
    }
    return 0;
  }
  if (action !== 'add' && action !== 'token' && action !== 'set' && action !== 'close') throw new UsageError('expected campaign add, set, close, token or list');
  if (id === undefined) throw new UsageError(`campaign ${action}: missing campaign id`);
  if (action === 'close') {
    const text = str(values, 'delete-after');
    if (text === undefined) throw new UsageError('campaign close: --delete-after PERIOD is required (e.g. 180d)');
    let period: number;
    try {
      period = parseRetentionPeriod(text, { allowSeconds: shortRetentionForTests(env) });
    } catch (error) {
      throw new UsageError(`--delete-after: ${(error as Error).message.replace(/^deleteAfter: /, '')}`);
    }
    const store = await openStore(values, env);
    try {
      const retention = await closeCampaign(store, id, period, Date.now());
      if (retention === undefined) {
        say(`error: no campaign ${id}`);
        say(`hint: run ${NAME} campaign list`);
        return 1;
      }
      const campaign = (await store.getCampaign(id))!;
      if (retention.deletedAt !== null) say(`campaign ${id}: its ciphertexts were deleted at ${retention.deletedAt}; nothing changed`);
      else say(`campaign ${id} is closed; its ciphertexts will be deleted at ${retention.deleteAt}`);
      process.stdout.write(listLine(campaign));
      return 0;
    } finally {
      await store.close();
    }
  }
  if (action === 'add') {
    const key = str(values, 'key');
    if (key === undefined) throw new UsageError('campaign add: --key sspk1... is required');
    const origins = values['origin'];
    const goal = integer(str(values, 'goal'), '--goal');
    const input = {
      campaign: id,
      key,
      origins: Array.isArray(origins) ? origins : [],
      ...(goal === undefined ? {} : { goal }),
      ...(str(values, 'opens') === undefined ? {} : { opensAt: str(values, 'opens') }),
      ...(str(values, 'closes') === undefined ? {} : { closesAt: str(values, 'closes') }),
      ...countShownOption(values),
    };
    const store = await openStore(values, env);
    try {
      const result = await registerCampaign(store, input);
      if (!result.ok) {
        say(`error: campaign ${id} exists`);
        say(`hint: run ${NAME} campaign token ${id} to issue a new staff token`);
        return 1;
      }
      process.stdout.write(`${result.token}\n`);
      return 0;
    } finally {
      await store.close();
    }
  }
  if (action === 'set') {
    const origins = values['origin'];
    if (Array.isArray(origins) && values['any-origin'] === true) throw new UsageError('give --origin or --any-origin, not both');
    const clearable = (name: string, parse: (text: string) => unknown) => {
      const text = str(values, name);
      return text === undefined ? {} : text === 'none' ? { [name]: null } : { [name]: parse(text) };
    };
    const changes = {
      ...(Array.isArray(origins) ? { origins } : values['any-origin'] === true ? { origins: [] } : {}),
      ...renameKey(clearable('goal', (text) => integer(text, '--goal')), 'goal', 'goal'),
      ...renameKey(clearable('opens', (text) => text), 'opens', 'opensAt'),
      ...renameKey(clearable('closes', (text) => text), 'closes', 'closesAt'),
      ...countShownOption(values),
    };
    const store = await openStore(values, env);
    try {
      if (!(await updateCampaign(store, id, changes))) {
        say(`error: no campaign ${id}`);
        say(`hint: run ${NAME} campaign list`);
        return 1;
      }
      process.stdout.write(listLine((await store.getCampaign(id))!));
      return 0;
    } finally {
      await store.close();
    }
  }
  const store = await openStore(values, env);
  try {
    const token = await rotateStaffToken(store, id);
    if (token === undefined) {
      say(`error: no campaign ${id}`);
      say(`hint: run ${NAME} campaign list`);
      return 1;
    }
    process.stdout.write(`${token}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `--count-shown all|confirmed`, as the campaign's `countShown`; a usage error for anything else. */
function countShownOption(values: Values): { countShown?: 'all' | 'confirmed' } {
  const text = str(values, 'count-shown');
  if (text === undefined) return {};
  if (text !== 'all' && text !== 'confirmed') throw new UsageError('--count-shown: expected all or confirmed');
  return { countShown: text };
}

/** `SECURE_SIGN_TEST_SHORT_RETENTION=1`: retention periods in seconds, for tests only. */
function shortRetentionForTests(env: NodeJS.ProcessEnv): boolean {
  return env['SECURE_SIGN_TEST_SHORT_RETENTION'] === '1';
}

function renameKey(object: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  return from in object ? { [to]: object[from] } : {};
}

/**
 * One line of `campaign list`: tab-separated `id count=.. goal=.. open=.. opens=.. closes=.. origins=.. key=..
 * confirmed=.. count-shown=..`, then `closed=.. delete=..` (or `deleted=..`) for a closed campaign.
 */
function listLine(c: CampaignRecord): string {
  const facts = [
    c.id,
    `count=${c.count}`,
    `goal=${c.goal ?? '-'}`,
    `open=${isOpen(c, Date.now())}`,
    `opens=${c.opensAt ?? '-'}`,
    `closes=${c.closesAt ?? '-'}`,
    `origins=${c.origins.length > 0 ? c.origins.join(',') : '*'}`,
    `key=${c.key}`,
    `confirmed=${c.confirmed}`,
    `count-shown=${c.countShown}`,
    ...(c.retention === null ? [] : [`closed=${c.retention.closedAt}`, `${c.retention.deletedAt === null ? 'delete' : 'deleted'}=${c.retention.deletedAt ?? c.retention.deleteAt}`]),
  ];
  return `${facts.join('\t')}\n`;
}
