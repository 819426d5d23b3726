#!/usr/bin/env node
// `npm run demo`: installs and builds what is needed, then runs the open-letter demo
// (examples/demo.mjs): a demo campaign key, the collector on SQLite in .demo-data/, and the
// example partner pages. Ctrl-C stops everything; running it again reuses the same campaign.
//
// Environment: DEMO_PORT (pages, default 8080), DEMO_COLLECTOR_PORT (default 8787),
// DEMO_DATA_DIR (default .demo-data), SECURE_SIGN_SKIP_INSTALL=1 to skip install and build.
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNativeModules, rebuildEnv } from './setup/native.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => console.error(`secure-sign: ${message}`);

if (process.env.SECURE_SIGN_SKIP_INSTALL !== '1') {
  for (const [title, args] of [
    ['installing dependencies', ['install', '--frozen-lockfile']],
    ['building the packages', ['run', 'build:all']],
  ]) {
    say(`${title}...`);
    const result = spawnSync(process.execPath, ['scripts/pnpm.mjs', ...args], { cwd: root, stdio: 'inherit', env: rebuildEnv() });
    if (result.status !== 0) {
      say(`error: ${title} failed`);
      process.exit(result.status ?? 1);
    }
  }
}

// better-sqlite3 built by an earlier install for another Node is rebuilt for this one.
if (!(await ensureNativeModules({ say, root }))) {
  say('hint: read the compiler output above; deleting node_modules/ and running npm run demo again starts over');
  process.exit(1);
}

const { startDemo } = await import('../examples/demo.mjs');
const dataDir = process.env.DEMO_DATA_DIR ?? join(root, '.demo-data');
const pagePort = Number(process.env.DEMO_PORT ?? 8080);
const collectorPort = Number(process.env.DEMO_COLLECTOR_PORT ?? 8787);

let demo;
try {
  demo = await startDemo({ dataDir, pagePort, collectorPort, log: say });
} catch (error) {
  say(`error: ${error.message}`);
  if (/EADDRINUSE/.test(error.message)) {
    say('hint: another program uses that port; set DEMO_PORT or DEMO_COLLECTOR_PORT to free ones');
  }
  process.exit(1);
}

const rel = (path) => relative(process.cwd(), path) || '.';
const cli = `node ${rel(join(root, 'packages/cli/bin/secure-sign.js'))}`;
const data = rel(dataDir);
console.log(`
  secure-sign demo is running.

  Open letter (partner 1):   ${demo.pageUrl}
  Second partner (French):   ${demo.partnerUrl}
  Collector:                 ${demo.collectorUrl}   (SQLite in ${data}/collector)

  !! DEMO ONLY: the campaign key ${data}/campaign.key is protected by the throwaway
  !! passphrase "${demo.passphrase}". Never use this key or passphrase for a real campaign.

  After signing on the page, pull and decrypt what was signed (in another terminal):

    export SECURE_SIGN_PASSPHRASE='${demo.passphrase}'
    ${cli} pull --collector ${demo.collectorUrl} --campaign ${demo.campaign} --token-file ${data}/staff.token --log-key '${demo.logKey}' --out ${data}/envelopes.ndjson
    ${cli} decrypt --key ${data}/campaign.key --campaign ${demo.campaign} -i ${data}/envelopes.ndjson -o ${data}/signatures.csv --force

  Publish the signer wall (signers who agreed to be listed) and reload the page to see it:

    ${cli} decrypt --key ${data}/campaign.key --campaign ${demo.campaign} -i ${data}/envelopes.ndjson --format ndjson | ${cli} wall build > ${data}/wall-data.json
    ${cli} wall sign --key ${data}/campaign.key --campaign ${demo.campaign} ${data}/wall-data.json -o ${data}/wall.json --force
    ${cli} wall publish --collector ${demo.collectorUrl} --campaign ${demo.campaign} --token-file ${data}/staff.token --key ${data}/campaign.key ${data}/wall.json

  Ask each signer to confirm their e-mail address (--dry-run writes the messages to files instead
  of mailing them; open a link in one and press the button, then pull again):

    ${cli} confirm send --key ${data}/campaign.key --campaign ${demo.campaign} --in ${data}/envelopes.ndjson --collector ${demo.collectorUrl} --from campaign@example.org --dry-run ${data}/mail
    ${cli} decrypt --key ${data}/campaign.key --campaign ${demo.campaign} -i ${data}/envelopes.ndjson -o ${data}/confirmed.csv --confirmed-only --force

  A signer who pressed "Save my receipt" can check it, and withdraw with the link beside it:

    ${cli} receipt check ~/Downloads/secure-sign-receipt-${demo.campaign}-0.json   (the file the browser saved)

  Press Ctrl-C to stop.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  say('stopping the pages and the collector...');
  await demo.stop();
  say('stopped. Run `npm run demo` again to carry on with the same campaign.');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
