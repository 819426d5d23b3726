// The open-letter demo, as a module: a campaign key made with the real CLI, the real collector on
// SQLite, and the example pages served as a partner would serve them. `npm run demo` runs it
// interactively (scripts/demo.mjs); the full-flow test starts it in a temporary folder.
//
// Everything lives in one data folder, so running it again reuses the same campaign and
// signatures:
//   campaign.key   the campaign key file (throwaway passphrase: DEMO_PASSPHRASE)
//   staff.token    the collector's staff token for the campaign (mode 0600)
//   collector/     the collector's SQLite database
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, startProcess } from '../scripts/processes.mjs';
import { startExampleServer } from './serve.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(root, 'packages/cli/bin/secure-sign.js');
export const COLLECTOR = join(root, 'packages/collector/bin/secure-sign-collector.js');
/** The demo campaign key's passphrase. It protects nothing: the demo is for trying things out. */
export const DEMO_PASSPHRASE = 'demo-only-passphrase-not-secret';
export const CAMPAIGN = 'open-letter';

/** Runs a Node script to completion; resolves with its trimmed stdout, rejects with its stderr. */
export async function runNode(script, args, { env = {} } = {}) {
  const { stdout, stderr } = await run(process.execPath, [script, ...args], { env, label: `${basename(script)} ${args[0]}` });
  return { stdout: stdout.trim(), stderr };
}

/**
 * Starts the collector's `serve` and resolves once it prints its listening line.
 * @param {{ dataDir: string, host: string, port: number, storage?: string[] }} options `storage`:
 *   the collector's storage flags, `--data-dir DIR` (SQLite) unless given.
 */
export async function startCollector({ dataDir, host, port, storage = ['--data-dir', dataDir] }) {
  const { child, match, stop } = await startProcess(
    process.execPath,
    [COLLECTOR, 'serve', ...storage, '--host', host, '--port', String(port), '--log-level', 'warn'],
    { ready: /secure-sign-collector: listening on (\S+)/, graceMs: 15_000, label: 'the collector' },
  );
  return { url: match[1], child, stop };
}

/**
 * Prepares (or reuses) the demo campaign in `dataDir` and starts the collector and the pages.
 * `database` (tests): a PostgreSQL URL and schema for the collector instead of SQLite in `dataDir`.
 * @param {{ dataDir: string, host?: string, collectorPort?: number, pagePort?: number, log?: (m: string) => void, database?: { url: string, schema: string } }} options
 */
export async function startDemo({ dataDir, host = '127.0.0.1', collectorPort = 8787, pagePort = 8080, log = () => {}, database }) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keyFile = join(dataDir, 'campaign.key');
  const tokenFile = join(dataDir, 'staff.token');
  const collectorDir = join(dataDir, 'collector');
  const storage = database ? ['--database-url', database.url, '--database-schema', database.schema] : ['--data-dir', collectorDir];
  const env = { SECURE_SIGN_PASSPHRASE: DEMO_PASSPHRASE };

  let campaignKey;
  if (existsSync(keyFile)) {
    campaignKey = (await runNode(CLI, ['pubkey', '--key', keyFile])).stdout;
    log(`reusing the demo campaign key in ${keyFile}`);
  } else {
    log('creating the demo campaign key (Argon2id takes a moment)');
    campaignKey = (await runNode(CLI, ['keygen', '--out', keyFile], { env })).stdout;
  }

  if (!existsSync(tokenFile)) {
    const listed = await runNode(COLLECTOR, ['campaign', 'list', ...storage]).catch(() => ({ stdout: '' }));
    const known = listed.stdout.split('\n').some((line) => line.split('\t')[0] === CAMPAIGN);
    const args = known
      ? ['campaign', 'token', CAMPAIGN, ...storage]
      : ['campaign', 'add', CAMPAIGN, '--key', campaignKey, '--goal', '1000', ...storage];
    const { stdout: token } = await runNode(COLLECTOR, args);
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    log(known ? 'issued a new staff token for the demo campaign' : 'registered the demo campaign with the collector');
  }

  const collector = await startCollector({ dataDir: collectorDir, host, port: collectorPort, storage });
  let pages;
  let logKey;
  try {
    // The campaign's log key, which the pages' widgets verify the signed count with (log-key) and
    // staff pin on their first pull. A real campaign copies it from `secure-sign register`.
    const response = await fetch(`${collector.url}/v1/campaigns/${CAMPAIGN}`);
    if (!response.ok) throw new Error(`the collector answered ${response.status} for the demo campaign`);
    logKey = (await response.json()).log.vkey;
    pages = await startExampleServer({ host, port: pagePort, campaign: CAMPAIGN, campaignKey, collectorUrl: collector.url, logKey });
  } catch (error) {
    await collector.stop();
    throw error;
  }
  const demo = {
    campaign: CAMPAIGN,
    campaignKey,
    logKey,
    keyFile,
    tokenFile,
    passphrase: DEMO_PASSPHRASE,
    collectorUrl: collector.url,
    /** The running collector; a caller that restarts it replaces this, and stop() stops that one. */
    collector,
    pageUrl: `${pages.url}/open-letter/`,
    partnerUrl: `${pages.url}/partner-fr/`,
    async stop() {
      await pages.close();
      await demo.collector.stop();
    },
  };
  return demo;
}

/** The staff token of a demo data folder. */
export function readToken(dataDir) {
  return readFileSync(join(dataDir, 'staff.token'), 'utf8').trim();
}
