#!/usr/bin/env node
// Makes a large envelope file for measuring `secure-sign decrypt`:
//   node packages/cli/scripts/make-envelopes.mjs DIR COUNT [UNIQUE]
// writes DIR/campaign.key (passphrase from SECURE_SIGN_PASSPHRASE) and DIR/envelopes.ndjson with
// COUNT lines: UNIQUE distinct envelopes (default 10000) repeated, since sealing a million takes
// longer than decrypting them. Each repeat is still opened (the same decryption work), but decrypt
// then drops it as a replay and writes only UNIQUE records: for output-side figures, make
// UNIQUE = COUNT (bench/envelopes.mjs makes distinct envelopes).
import { sealSubmission } from '@secure-sign/crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createKeyFile, unlockKeyFile } from '../dist/index.js';

const [dir, countText, uniqueText = '10000'] = process.argv.slice(2);
const passphrase = process.env.SECURE_SIGN_PASSPHRASE;
if (!dir || !countText || !passphrase) {
  console.error('usage: SECURE_SIGN_PASSPHRASE=... node make-envelopes.mjs DIR COUNT [UNIQUE]');
  process.exit(2);
}
const count = Number(countText);
const unique = Math.min(count, Number(uniqueText));
const keyPath = join(dir, 'campaign.key');
await createKeyFile(keyPath, passphrase, true);
const keys = await unlockKeyFile(keyPath, passphrase);
const lines = [];
for (let i = 0; i < unique; i++) {
  const envelope = await sealSubmission({
    publicKey: keys.publicKey,
    campaign: 'open-letter',
    signer: {
      kind: i % 10 === 0 ? 'organisation' : 'individual',
      name: `Signer ${i}`,
      email: `signer${i}@example.org`,
      ...(i % 10 === 0 ? { organisation: `Organisation ${i}` } : {}),
      ...(i % 3 === 0 ? { comment: 'Strong encryption keeps everyone safe. '.repeat(3).trim() } : {}),
      consent: { listPublicly: i % 2 === 0, contactLater: false },
    },
    createdAt: Date.UTC(2026, 10, 1) + i,
  });
  lines.push(JSON.stringify(envelope) + '\n');
}
const out = createWriteStream(join(dir, 'envelopes.ndjson'));
for (let i = 0; i < count; i++) {
  if (!out.write(lines[i % unique])) await new Promise((resolve) => out.once('drain', resolve));
}
await new Promise((resolve) => out.end(resolve));
console.error(`wrote ${count} envelopes (${unique} distinct) and ${keyPath}`);
