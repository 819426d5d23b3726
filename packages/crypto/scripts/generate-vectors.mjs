#!/usr/bin/env node
// Writes the language-neutral test vectors of docs/format.md §7 into test-vectors/.
// Run with `npm run vectors` from the repository root (it builds the package first).
//
// Each vector is one file: a header of `key: value` lines, a blank line, then the input exactly as
// a reader receives it. Keys are derived from fixed labels so they stay stable across runs; sealed
// boxes use a fresh ephemeral key each time, so regenerating changes ciphertexts but never what a
// vector expects. Failures are crafted with raw libsodium, as an attacker would craft them.
import sodium from 'libsodium-wrappers';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  canonicalJson,
  confirmationHash,
  formatCampaignSecretKey,
  formatEnvelope,
  MAX_ENVELOPE_BYTES,
  parseCampaignSecretKey,
  sealSubmission,
  signDocument,
  validateSigner,
  withdrawalHash,
} from '../dist/index.js';
import { encodeKeyString } from '../dist/keys.js';
import { encodeEntry, envelopeHash, formatCheckpoint, formatConfirmedLine, formatCountLine, leafHash } from '../dist/log/index.js';

await sodium.ready;
const outDir = fileURLToPath(new URL('../test-vectors/', import.meta.url));
mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(outDir)) if (file.endsWith('.txt') || file === 'index.json') rmSync(outDir + file);

const b64url = (bytes) => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
const fromB64url = (text) => sodium.from_base64(text, sodium.base64_variants.URLSAFE_NO_PADDING);
const hash = (label) => sodium.crypto_generichash(32, sodium.from_string(label), null);

// Fixed keys: the secret key string is built from two labelled hashes, then parsed by the library.
async function fixedKeys(label) {
  const encryptionSecretKey = hash(`${label}/x25519`);
  const signingSeed = hash(`${label}/ed25519`);
  // formatCampaignSecretKey reads only the two secret fields.
  return parseCampaignSecretKey(formatCampaignSecretKey({ encryptionSecretKey, signingSeed }));
}
const keys = await fixedKeys('secure-sign test vector key A');
const otherKeys = await fixedKeys('secure-sign test vector key B');

const CAMPAIGN = 'open-letter-2026';
const SID = b64url(hash('secure-sign test vector sid 1').subarray(0, 16));
const CREATED = 1795740000000;
// The withdrawal secret of every envelope vector, and its hash (format.md §3.6).
const SECRET = b64url(hash('secure-sign test vector withdrawal secret 1'));
const WH = withdrawalHash(SECRET);
// The confirmation secret of the confirmable envelope vectors, and its hash (format.md §3.7).
const CONFIRMATION = b64url(hash('secure-sign test vector confirmation secret 1'));
const CH = confirmationHash(CONFIRMATION);
const individual = {
  kind: 'individual',
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  country: 'GB',
  comment: 'Privacy is a precondition for free expression.\nSigning gladly.',
  consent: { listPublicly: true, contactLater: false },
};
const organisation = {
  kind: 'organisation',
  name: 'Zoë Ørsted-Nguyễn',
  email: 'zoe@example.net',
  organisation: 'Association pour les libertés numériques',
  role: 'Directrice',
  country: 'FR',
  consent: { listPublicly: false, contactLater: true },
  extra: { newsletter: true, referral: 'partner site' },
};

const vectors = [];
function vector(name, header, body) {
  vectors.push(name);
  const lines = Object.entries(header).map(([key, value]) => `${key}: ${value}`);
  writeFileSync(`${outDir}${name}.txt`, `${lines.join('\n')}\n\n${body}\n`);
}
const envelopeHeader = (expect, comment, extra = {}) => ({
  kind: 'envelope',
  expect,
  comment,
  'secret-key': formatCampaignSecretKey(keys),
  'public-key': keys.publicKey.keyString,
  campaign: CAMPAIGN,
  'withdrawal-secret': SECRET,
  ...extra,
});
const seal = (signer, overrides = {}) =>
  sealSubmission({
    publicKey: keys.publicKey, campaign: CAMPAIGN, signer, submissionId: SID, createdAt: CREATED, withdrawalSecret: SECRET, ...overrides,
  });
// The opened plaintext a successful envelope vector expects, in canonical form.
const opened = (signer) => canonicalJson({ v: 1, campaign: CAMPAIGN, sid: SID, wh: WH, createdAt: CREATED, signer });
const json = (value) => JSON.stringify(value);

// Raw sealing of an arbitrary padded plaintext, for the crafted failures.
function sealPadded(padded, publicKey = keys.publicKey) {
  return b64url(sodium.crypto_box_seal(padded, publicKey.encryptionKey));
}
function padTo(bytes, size, marker = 0x80) {
  const out = new Uint8Array(size);
  out.set(bytes);
  if (marker !== null) out[bytes.length] = marker;
  return out;
}
// HSalsa20 (the key derivation inside crypto_box_beforenm), written out because libsodium.js's
// standard build does not export it and crypto_box_beforenm refuses the zero point we need.
function hsalsa20(key, input) {
  const word = (bytes, i) => bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
  const c = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
  const x = [c[0], word(key, 0), word(key, 4), word(key, 8), word(key, 12), c[1], word(input, 0), word(input, 4),
    word(input, 8), word(input, 12), c[2], word(key, 16), word(key, 20), word(key, 24), word(key, 28), c[3]];
  const rotl = (v, n) => (v << n) | (v >>> (32 - n));
  const quarter = (a, b, cc, d) => {
    x[b] ^= rotl((x[a] + x[d]) | 0, 7);
    x[cc] ^= rotl((x[b] + x[a]) | 0, 9);
    x[d] ^= rotl((x[cc] + x[b]) | 0, 13);
    x[a] ^= rotl((x[d] + x[cc]) | 0, 18);
  };
  for (let round = 0; round < 10; round++) {
    quarter(0, 4, 8, 12); quarter(5, 9, 13, 1); quarter(10, 14, 2, 6); quarter(15, 3, 7, 11);
    quarter(0, 1, 2, 3); quarter(5, 6, 7, 4); quarter(10, 11, 8, 9); quarter(15, 12, 13, 14);
  }
  const out = new Uint8Array(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((index, i) => {
    for (let b = 0; b < 4; b++) out[i * 4 + b] = (x[index] >>> (8 * b)) & 0xff;
  });
  return out;
}
{
  // Self-check against libsodium on a normal key pair.
  const a = sodium.crypto_box_keypair();
  const b = sodium.crypto_box_keypair();
  const expected = sodium.crypto_box_beforenm(b.publicKey, a.privateKey);
  if (sodium.to_hex(hsalsa20(sodium.crypto_scalarmult(a.privateKey, b.publicKey), new Uint8Array(16))) !== sodium.to_hex(expected)) {
    throw new Error('hsalsa20 does not match libsodium');
  }
}

const plaintext = (signer, over = {}) =>
  sodium.from_string(canonicalJson({ v: 1, campaign: CAMPAIGN, sid: SID, wh: WH, createdAt: CREATED, signer, ...over }));
const crafted = (ct, over = {}) => formatEnvelope({ v: 1, campaign: CAMPAIGN, kid: keys.publicKey.keyId, sid: SID, wh: WH, ct, ...over });

// --- envelopes: success -------------------------------------------------------------------
for (const [name, signer, comment] of [
  ['envelope-success-individual', individual, 'an individual with a two-line comment'],
  ['envelope-success-organisation', organisation, 'an organisation, non-ASCII text and extra fields'],
]) {
  const envelope = await seal(signer);
  vector(name, envelopeHeader('success', comment, {
    plaintext: opened(signer),
  }), json(envelope));
}
{
  const long = { ...individual, comment: 'é'.repeat(1500) };
  vector('envelope-success-bucket-4096', envelopeHeader('success', 'a long comment lands in the 4096-byte bucket', {
    plaintext: opened(long),
  }), json(await seal(long)));
}

// --- envelopes: failures ------------------------------------------------------------------
const good = await seal(individual);
{
  const wrong = await seal(individual, { publicKey: otherKeys.publicKey });
  vector('envelope-wrong-key', envelopeHeader('authentication failed', 'sealed to another key, relabelled with this key id'),
    json({ ...wrong, kid: keys.publicKey.keyId }));
  vector('envelope-key-mismatch', envelopeHeader('key mismatch', 'sealed to another campaign key and labelled so'), json(wrong));
}
{
  const bytes = fromB64url(good.ct);
  bytes[100] ^= 0x01;
  vector('envelope-corrupt-ciphertext', envelopeHeader('authentication failed', 'one bit of the ciphertext flipped'), json({ ...good, ct: b64url(bytes) }));
  vector('envelope-truncated-ciphertext', envelopeHeader('authentication failed', 'the last 16 bytes of the ciphertext cut off'),
    json({ ...good, ct: b64url(fromB64url(good.ct).subarray(0, -16)) }));
  const text = json(good);
  vector('envelope-truncated-json', envelopeHeader('malformed envelope', 'the envelope text cut short'), text.slice(0, text.length - 40));
}
vector('envelope-unknown-version', envelopeHeader('unsupported version', 'version 2 is not defined'), json({ ...good, v: 2 }));
vector('envelope-extra-field', envelopeHeader('malformed envelope', 'an unknown field beside the defined ones'), json({ ...good, ip: '203.0.113.7' }));
vector('envelope-bad-base64', envelopeHeader('malformed envelope', 'ciphertext with a non-canonical last character'),
  // 1072 sealed bytes leave 4 unused low bits in the last character: 'B' sets one of them.
  json({ ...good, ct: `${good.ct.slice(0, -1)}B` }));
{
  const other = await seal(individual, { campaign: 'another-campaign' });
  vector('envelope-campaign-mismatch', envelopeHeader('campaign mismatch', 'sealed for another-campaign, relabelled as this campaign'),
    json({ ...other, campaign: CAMPAIGN }));
}
{
  const otherSid = b64url(hash('secure-sign test vector sid 2').subarray(0, 16));
  vector('envelope-submission-mismatch', envelopeHeader('submission mismatch', 'the outer submission id replaced'), json({ ...good, sid: otherSid }));
}
{
  const pt = plaintext(individual);
  vector('envelope-bad-padding-no-marker', envelopeHeader('bad padding', 'zeros only after the plaintext, no 0x80 marker'),
    crafted(sealPadded(padTo(pt, 1024, null))));
  vector('envelope-bad-padding-size', envelopeHeader('bad padding', 'padded to 1000 bytes, not a bucket size'),
    crafted(sealPadded(padTo(pt, 1000))));
  vector('envelope-bad-padding-bucket', envelopeHeader('bad padding', 'padded to 2048 bytes where 1024 suffices'),
    crafted(sealPadded(padTo(pt, 2048))));
  const dirty = padTo(pt, 1024);
  dirty[1023] = 0x01;
  vector('envelope-bad-padding-trailing', envelopeHeader('bad padding', 'a non-zero byte after the marker'), crafted(sealPadded(dirty)));
}
{
  const { email: _omit, ...noEmail } = individual;
  vector('envelope-schema-missing-email', envelopeHeader('schema violation', 'the signer has no e-mail'),
    crafted(sealPadded(padTo(plaintext(noEmail), 1024))));
  vector('envelope-schema-unknown-field', envelopeHeader('schema violation', 'an unknown field inside the signer'),
    crafted(sealPadded(padTo(plaintext({ ...individual, ip: '203.0.113.7' }), 1024))));
  vector('envelope-schema-not-json', envelopeHeader('schema violation', 'the plaintext is not JSON'),
    crafted(sealPadded(padTo(sodium.from_string('name=Ada&email=ada@example.org'), 1024))));
  vector('envelope-schema-bad-utf8', envelopeHeader('schema violation', 'the plaintext is not valid UTF-8'),
    crafted(sealPadded(padTo(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 1024))));
  vector('envelope-schema-comment-too-long', envelopeHeader('schema violation', 'a comment of 2001 characters'),
    crafted(sealPadded(padTo(plaintext({ ...individual, comment: 'x'.repeat(2001) }), 4096))));
}
{
  // 32769 padded bytes seal to 32817, one byte over the largest bucket plus overhead, in an
  // envelope well under the text limit: only the ciphertext limit catches it.
  const text = crafted(sealPadded(padTo(new Uint8Array(32000), 32769)));
  if (text.length >= MAX_ENVELOPE_BYTES) throw new Error('oversize-ciphertext vector must fit the text limit');
  vector('envelope-oversize-ciphertext', envelopeHeader('oversize', `a sealed box of 32817 bytes (largest bucket plus overhead is 32816) in an envelope of ${text.length} bytes`),
    text);
  // The text limit, exactly: the good envelope with spaces before its closing brace.
  const goodText = json(good);
  const padded = (size) => `${goodText.slice(0, -1)}${' '.repeat(size - goodText.length)}}`;
  vector('envelope-success-max-text', envelopeHeader('success', `the good envelope padded with spaces to exactly ${MAX_ENVELOPE_BYTES} bytes`, {
    plaintext: opened(individual),
  }), padded(MAX_ENVELOPE_BYTES));
  vector('envelope-oversize-text', envelopeHeader('oversize', `the same envelope padded to ${MAX_ENVELOPE_BYTES + 1} bytes, one over the limit`),
    padded(MAX_ENVELOPE_BYTES + 1));
}

// --- envelopes: rules the first version of the spec left open --------------------------------
{
  // Normalisation (§4.1): NFC, trimming of every kind of white space, CR LF and lone CR, the
  // country's case. The sender did not normalise; the reader must, and gets exactly this.
  const raw = {
    kind: 'individual',
    name: '\u00a0 Zoe\u0308 Lovelace\u3000',
    email: ' ada@exa\u0301mple.org\t',
    country: ' gb\u2003',
    role: 'Cafe\u0301 owner\u200a',
    comment: '\r\n  Line one\r\nLine two\rLine three\u2028\n ',
    consent: { listPublicly: true, contactLater: true },
    extra: { referral: '\ufeffpartner site\u205f' },
  };
  const expected = {
    kind: 'individual',
    name: 'Zo\u00eb Lovelace',
    email: 'ada@ex\u00e1mple.org',
    country: 'GB',
    role: 'Caf\u00e9 owner',
    comment: 'Line one\nLine two\nLine three',
    consent: { listPublicly: true, contactLater: true },
    extra: { referral: 'partner site' },
  };
  if (canonicalJson(validateSigner(raw)) !== canonicalJson(expected)) throw new Error('normalisation vector: library disagrees with the expected result');
  vector('envelope-success-normalised', envelopeHeader('success', 'signer text that needs NFC, trimming (NBSP, U+3000, tab, U+2003, U+200A, U+FEFF, U+205F), CR LF and CR, and upper-casing', {
    plaintext: opened(expected),
  }), crafted(sealPadded(padTo(plaintext(raw), 1024))));
}
vector('envelope-empty-ciphertext', envelopeHeader('malformed envelope', 'ct is the empty string'), crafted(''));
{
  // SID ends in one of A, Q, g, w (4 unused bits zero); the next character sets an unused bit.
  const last = SID.at(-1);
  const lenient = SID.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
  vector('envelope-non-canonical-sid', envelopeHeader('malformed envelope', 'sid whose last character has a non-zero unused bit (decodes leniently to the real sid)'),
    json({ ...good, sid: lenient }));
}
{
  // Duplicate member names (§1). JavaScript keeps the last value, which is the real one here, so
  // a reader that does not look for duplicates opens this envelope.
  const otherSid = b64url(hash('secure-sign test vector sid 2').subarray(0, 16));
  const text = json(good).replace('"sid":', `"sid":"${otherSid}","sid":`);
  vector('envelope-duplicate-member', envelopeHeader('malformed envelope', 'sid appears twice (another id first, the real one last)'), text);
  const inner = sodium.from_string(
    canonicalJson({ v: 1, campaign: CAMPAIGN, sid: SID, wh: WH, createdAt: CREATED, signer: individual })
      .replace('"email":', '"email":"mallory@example.net","email":'),
  );
  vector('envelope-schema-duplicate-member', envelopeHeader('schema violation', 'the plaintext names email twice (another address first)'),
    crafted(sealPadded(padTo(inner, 1024))));
}
{
  // An address that displays as ada@example.org: U+202E turns the domain around.
  vector('envelope-schema-email-bidi-override', envelopeHeader('schema violation', 'e-mail ada@ U+202E gro.elpmaxe, which displays as ada@example.org'),
    crafted(sealPadded(padTo(plaintext({ ...individual, email: 'ada@\u202egro.elpmaxe' }), 1024))));
}
{
  // A sealed box whose ephemeral key is the zero point: X25519 gives the all-zero shared secret
  // for every recipient, so anyone can compute the box key. The box is built correctly under that
  // key: a reader that does not refuse the all-zero secret (libsodium does) would open it.
  const epk = new Uint8Array(32);
  const nonce = sodium.crypto_generichash(24, new Uint8Array([...epk, ...keys.publicKey.encryptionKey]), null);
  const boxKey = hsalsa20(new Uint8Array(32), new Uint8Array(16));
  const box = sodium.crypto_secretbox_easy(padTo(plaintext(individual), 1024), nonce, boxKey);
  vector('envelope-invalid-ephemeral-key', envelopeHeader('authentication failed', 'the sealed box ephemeral key is the zero point (all-zero shared secret), the box otherwise well formed'),
    crafted(b64url(new Uint8Array([...epk, ...box]))));
}

// --- envelopes: the withdrawal hash (§3.6) ---------------------------------------------------
{
  const otherWh = withdrawalHash(b64url(hash('secure-sign test vector withdrawal secret 2')));
  vector('envelope-withdrawal-mismatch', envelopeHeader('withdrawal mismatch', 'the outer wh replaced by the hash of another secret (the inner one is the real one)'),
    json({ ...good, wh: otherWh }));
  vector('envelope-withdrawal-mismatch-inner', envelopeHeader('withdrawal mismatch', 'sealed with the hash of another secret inside, the real one outside'),
    crafted(sealPadded(padTo(plaintext(individual, { wh: otherWh }), 1024))));
  const { wh: _omit, ...noWh } = good;
  vector('envelope-missing-wh', envelopeHeader('malformed envelope', 'an envelope without wh'), json(noWh));
  // 32 bytes leave 2 unused low bits in the last of 43 characters; the next character sets one.
  const last = WH.at(-1);
  const lenient = WH.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
  vector('envelope-non-canonical-wh', envelopeHeader('malformed envelope', 'wh whose last character has a non-zero unused bit'), json({ ...good, wh: lenient }));
  vector('envelope-schema-missing-wh', envelopeHeader('schema violation', 'a plaintext without wh (the envelope has one)'),
    crafted(sealPadded(padTo(sodium.from_string(canonicalJson({ v: 1, campaign: CAMPAIGN, sid: SID, createdAt: CREATED, signer: individual })), 1024))));
}

// --- envelopes: the confirmation hash (§3.7) ------------------------------------------------
{
  const confirmable = await seal(individual, { confirmationSecret: CONFIRMATION, lang: 'fr' });
  if (confirmable.ch !== CH) throw new Error('confirmable envelope: ch is not the hash of the confirmation secret');
  const confirmHeader = (expect, comment, extra = {}) => envelopeHeader(expect, comment, { 'confirmation-secret': CONFIRMATION, ...extra });
  vector('envelope-success-confirmable', confirmHeader('success', 'an envelope with ch (between wh and ct); its plaintext carries the confirmation secret as cs, and lang', {
    plaintext: canonicalJson({ v: 1, campaign: CAMPAIGN, sid: SID, wh: WH, createdAt: CREATED, signer: individual, cs: CONFIRMATION, lang: 'fr' }),
  }), formatEnvelope(confirmable));
  const otherCh = confirmationHash(b64url(hash('secure-sign test vector confirmation secret 2')));
  vector('envelope-confirmation-mismatch', confirmHeader('confirmation mismatch', 'the outer ch replaced by the hash of another secret (cs inside is the real one)'),
    formatEnvelope({ ...confirmable, ch: otherCh }));
  const { ch: _omitCh, ...noCh } = confirmable;
  vector('envelope-confirmation-mismatch-no-ch', confirmHeader('confirmation mismatch', 'the plaintext carries cs, the envelope has no ch (removed)'), formatEnvelope(noCh));
  vector('envelope-confirmation-mismatch-no-cs', confirmHeader('confirmation mismatch', 'the envelope has ch, the plaintext no cs'),
    crafted(sealPadded(padTo(plaintext(individual), 1024)), { ch: CH }));
  const last = CH.at(-1);
  const lenient = CH.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
  vector('envelope-non-canonical-ch', confirmHeader('malformed envelope', 'ch whose last character has a non-zero unused bit'), json({ ...confirmable, ch: lenient }));
  vector('envelope-schema-bad-lang', envelopeHeader('schema violation', 'lang is "EN": a language tag starts with 2 or 3 lower-case letters'),
    crafted(sealPadded(padTo(plaintext(individual, { lang: 'EN' }), 1024))));
}

// --- log entries (§8) -----------------------------------------------------------------------
// Fixed values, so that these vectors never change: sid = bytes 00..0f, secret = 32 bytes f0.
{
  const hex = (bytes) => sodium.to_hex(bytes);
  const entrySid = b64url(Uint8Array.from({ length: 16 }, (_, i) => i));
  const secretBytes = new Uint8Array(32).fill(0xf0);
  const secret = b64url(secretBytes);
  const tinyEnvelope = formatEnvelope({ v: 1, campaign: 'open-letter', kid: 'aaaaaaaaaaaaaaaa', sid: entrySid, wh: withdrawalHash(secret), ct: 'AA' });
  const entryHeader = (expect, comment, extra = {}) => ({ kind: 'log-entry', expect, comment, ...extra });
  const stored = encodeEntry({ kind: 'stored', submissionId: entrySid, envelopeHash: envelopeHash(tinyEnvelope) });
  const withdrawal = encodeEntry({ kind: 'withdrawal', submissionId: entrySid, withdrawalSecret: secretBytes });
  const removed = encodeEntry({ kind: 'removed', submissionId: entrySid });
  vector('log-entry-stored', entryHeader('success', 'kind 0x01: the value is SHA-256 of the envelope text below', {
    envelope: tinyEnvelope, sid: entrySid, value: hex(envelopeHash(tinyEnvelope)), 'leaf-hash': hex(leafHash(stored)),
  }), hex(stored));
  vector('log-entry-withdrawal', entryHeader('success', 'kind 0x02: the value is the withdrawal secret, whose SHA-256 is the wh of the envelope of log-entry-stored', {
    'withdrawal-secret': secret, wh: withdrawalHash(secret), sid: entrySid, value: hex(secretBytes), 'leaf-hash': hex(leafHash(withdrawal)),
  }), hex(withdrawal));
  vector('log-entry-removed', entryHeader('success', 'kind 0x03: removed by the operator, the value is 32 zero bytes', {
    sid: entrySid, value: '00'.repeat(32), 'leaf-hash': hex(leafHash(removed)),
  }), hex(removed));
  const nonZero = removed.slice();
  nonZero[48] = 1;
  vector('log-entry-removed-non-zero', entryHeader('malformed entry', 'kind 0x03 whose value is not all zero'), hex(nonZero));
  const unknown = removed.slice();
  unknown[0] = 6;
  vector('log-entry-unknown-kind', entryHeader('malformed entry', 'kind 0x06 is not defined'), hex(unknown));
  vector('log-entry-short', entryHeader('malformed entry', '48 bytes, one short'), hex(stored.subarray(0, 48)));
  // Confirmation entries (kinds 04 and 05): the value is the confirmation secret, 32 bytes cc.
  const confirmationBytes = new Uint8Array(32).fill(0xcc);
  const confirmationSecret = b64url(confirmationBytes);
  const confirmed = encodeEntry({ kind: 'confirmed', submissionId: entrySid, confirmationSecret: confirmationBytes });
  const disowned = encodeEntry({ kind: 'disowned', submissionId: entrySid, confirmationSecret: confirmationBytes });
  vector('log-entry-confirmed', entryHeader('success', 'kind 0x04: confirmed by the owner of the e-mail address, the value is the confirmation secret, whose SHA-256 is ch', {
    'confirmation-secret': confirmationSecret, ch: confirmationHash(confirmationSecret), sid: entrySid, value: hex(confirmationBytes), 'leaf-hash': hex(leafHash(confirmed)),
  }), hex(confirmed));
  vector('log-entry-disowned', entryHeader('success', 'kind 0x05: disowned by the owner of the e-mail address ("this wasn\'t me"), the value is the confirmation secret', {
    'confirmation-secret': confirmationSecret, ch: confirmationHash(confirmationSecret), sid: entrySid, value: hex(confirmationBytes), 'leaf-hash': hex(leafHash(disowned)),
  }), hex(disowned));

  // Sequences of entries and the count they give (§8.3): one entry per line, in log order.
  const sidOf = (n) => b64url(hash(`secure-sign test vector log sid ${n}`).subarray(0, 16));
  const st = (n) => hex(encodeEntry({ kind: 'stored', submissionId: sidOf(n), envelopeHash: hash(`envelope ${n}`) }));
  const wd = (n) => hex(encodeEntry({ kind: 'withdrawal', submissionId: sidOf(n), withdrawalSecret: hash(`secret ${n}`) }));
  const rm = (n) => hex(encodeEntry({ kind: 'removed', submissionId: sidOf(n) }));
  const countHeader = (expect, comment, extra = {}) => ({ kind: 'log-entries', expect, comment, ...extra });
  vector('log-entries-count', countHeader('success', 'stored 1, stored 2, withdrawn 1, stored 3, removed 2, stored 4: count 2 at size 6', { count: 2 }),
    [st(1), st(2), wd(1), st(3), rm(2), st(4)].join('\n'));
  vector('log-entries-withdraw-unknown', countHeader('inconsistent entries', 'a withdrawal of a submission id the log never stored'),
    [st(1), wd(2)].join('\n'));
  vector('log-entries-stored-twice', countHeader('inconsistent entries', 'one submission id stored twice'), [st(1), st(1)].join('\n'));
  vector('log-entries-withdrawn-twice', countHeader('inconsistent entries', 'a withdrawal, then a removal, of one submission'),
    [st(1), wd(1), rm(1)].join('\n'));
  const cf = (n) => hex(encodeEntry({ kind: 'confirmed', submissionId: sidOf(n), confirmationSecret: hash(`confirmation ${n}`) }));
  const dw = (n) => hex(encodeEntry({ kind: 'disowned', submissionId: sidOf(n), confirmationSecret: hash(`confirmation ${n}`) }));
  vector('log-entries-confirmed', countHeader('success', 'stored 1, 2, 3; confirmed 1, disowned 2, confirmed 3, withdrawn 3; stored 4: count 2, confirmed 1 at size 8', { count: 2, confirmed: 1 }),
    [st(1), st(2), st(3), cf(1), dw(2), cf(3), wd(3), st(4)].join('\n'));
  vector('log-entries-confirm-after-disown', countHeader('inconsistent entries', 'a confirmation after a disowning of one submission'),
    [st(1), dw(1), cf(1)].join('\n'));
  vector('log-entries-disown-after-confirm', countHeader('inconsistent entries', 'a disowning after a confirmation of one submission (the first decision stands)'),
    [st(1), cf(1), dw(1)].join('\n'));
  vector('log-entries-confirm-withdrawn', countHeader('inconsistent entries', 'a confirmation of a withdrawn submission'),
    [st(1), wd(1), cf(1)].join('\n'));

  // Checkpoint bodies and their count line (docs/log.md §4.1).
  const root = hash('secure-sign test vector root');
  const body = (size, ...extensions) => formatCheckpoint({ origin: 'collector.example/open-letter', size, rootHash: root, extensions });
  const cpHeader = (expect, comment, extra = {}) => ({ kind: 'checkpoint-count', expect, comment, ...extra });
  // The body ends with a newline, which the vector format adds after the input: drop it here.
  vector('checkpoint-count', cpHeader('success', 'size 6, count 2', { count: 2 }), body(6, 'count 2').slice(0, -1));
  vector('checkpoint-count-absent', cpHeader('success', 'no count line: no count', { count: 'none' }), body(6).slice(0, -1));
  vector('checkpoint-count-twice', cpHeader('malformed checkpoint', 'two count lines'), body(6, 'count 2', 'count 2').slice(0, -1));
  vector('checkpoint-count-leading-zero', cpHeader('malformed checkpoint', 'count 02'), body(6, 'count 02').slice(0, -1));
  vector('checkpoint-count-over-size', cpHeader('malformed checkpoint', 'count 7 in a tree of 6'), body(6, 'count 7').slice(0, -1));
  // The confirmed line (docs/log.md §4.1), after the count line.
  const cfHeader = (expect, comment, extra = {}) => ({ kind: 'checkpoint-confirmed', expect, comment, ...extra });
  vector('checkpoint-confirmed', cfHeader('success', 'size 8, count 2, confirmed 1', { confirmed: 1 }),
    body(8, formatCountLine(2), formatConfirmedLine(1)).slice(0, -1));
  vector('checkpoint-confirmed-absent', cfHeader('success', 'a count line and no confirmed line: no confirmed count', { confirmed: 'none' }),
    body(8, 'count 2').slice(0, -1));
  vector('checkpoint-confirmed-twice', cfHeader('malformed checkpoint', 'two confirmed lines'), body(8, 'count 2', 'confirmed 1', 'confirmed 1').slice(0, -1));
  vector('checkpoint-confirmed-over-count', cfHeader('malformed checkpoint', 'confirmed 3 with count 2'), body(8, 'count 2', 'confirmed 3').slice(0, -1));
}

// --- signed documents ---------------------------------------------------------------------
// Every document vector names the time to verify at (`now`), so that vectors never expire.
const ISSUED = new Date(CREATED);
const VALID_UNTIL = new Date(CREATED + 30 * 24 * 3600 * 1000);
const NOW = new Date(CREATED + 24 * 3600 * 1000).toISOString();
const SERIAL = 7;
const docHeader = (expect, comment, extra = {}) => ({
  kind: 'document',
  expect,
  comment,
  'public-key': keys.publicKey.keyString,
  type: 'wall',
  campaign: CAMPAIGN,
  now: NOW,
  ...extra,
});
const wallData = {
  entries: [
    { kind: 'individual', name: 'Ada Lovelace', country: 'GB', comment: 'Signing gladly.' },
    { kind: 'organisation', name: 'Grace Hopper', organisation: 'Example Foundation', role: 'Chair' },
  ],
};
const sign = (over = {}, signingKeys = keys) =>
  signDocument(signingKeys, { type: 'wall', campaign: CAMPAIGN, serial: SERIAL, data: wallData, issuedAt: ISSUED, ...over });
const wall = await sign();
vector('document-success', docHeader('success', 'a signer wall', { payload: canonicalJson(wall.payload) }), json(wall));
{
  // Same document, members reordered and pretty-printed: canonical form makes it verify all the same.
  const p = wall.payload;
  const reordered = {
    sig: wall.sig,
    payload: { data: p.data, validUntil: p.validUntil, issuedAt: p.issuedAt, serial: p.serial, campaign: CAMPAIGN, type: 'wall' },
    kid: wall.kid,
    v: 1,
  };
  vector('document-success-reordered', docHeader('success', 'members reordered and indented; the signature covers the canonical form', {
    payload: canonicalJson(wall.payload),
  }), JSON.stringify(reordered, null, 2));
}
{
  const tampered = structuredClone(wall);
  tampered.payload.data.entries[0].name = 'Mallory';
  vector('document-tampered', docHeader('authentication failed', 'an entry changed after signing'), json(tampered));
  const otherSigned = await sign({}, otherKeys);
  vector('document-wrong-key', docHeader('authentication failed', 'signed by another key, labelled with this key id'), json({ ...otherSigned, kid: wall.kid }));
  vector('document-key-mismatch', docHeader('key mismatch', 'signed and labelled by another key'), json(otherSigned));
  const notice = await sign({ type: 'notice', data: { text: 'hi' } });
  vector('document-type-mismatch', docHeader('document type mismatch', 'an authentic document of type notice where a wall is expected'), json(notice));
  const elsewhere = await sign({ campaign: 'another-campaign' });
  vector('document-campaign-mismatch', docHeader('campaign mismatch', 'an authentic wall of another campaign'), json(elsewhere));
  vector('document-unknown-version', docHeader('unsupported version', 'version 2 is not defined'), json({ ...wall, v: 2 }));
  vector('document-float', docHeader('malformed document', 'a number that is not an integer cannot be canonicalised'),
    json({ ...wall, payload: { ...wall.payload, data: { ratio: 0.5 } } }));
}
{
  // Freshness (§5.5): the reader already holds serial 8, and is offered the authentic serial 7.
  vector('document-rolled-back', docHeader('document rolled back', 'an authentic older wall (serial 7) where serial 8 was already seen', {
    'min-serial': SERIAL + 1,
  }), json(wall));
  vector('document-success-same-serial', docHeader('success', 'the wall already held (same serial) fetched again', {
    'min-serial': SERIAL,
    payload: canonicalJson(wall.payload),
  }), json(wall));
  vector('document-expired', docHeader('document expired', 'an authentic wall verified at the instant its validUntil is reached', {
    now: VALID_UNTIL.toISOString(),
  }), json(wall));
  vector('document-success-last-millisecond', docHeader('success', 'verified one millisecond before validUntil', {
    now: new Date(VALID_UNTIL.getTime() - 1).toISOString(),
    payload: canonicalJson(wall.payload),
  }), json(wall));
  // An impossible date, signed correctly (raw Ed25519 over the canonical payload), so only the date check can catch it.
  const bogus = { ...wall.payload, issuedAt: '2026-13-45T25:61:61.000Z' };
  const signRaw = (payload) => b64url(sodium.crypto_sign_detached(
    sodium.from_string(`secure-sign signed document v1\n${canonicalJson(payload)}`), keys.signingSecretKey));
  // Duplicate member names: the last serial is the signed one, so JavaScript alone would accept it.
  vector('document-duplicate-member', docHeader('malformed document', 'serial appears twice in the payload (99 first, the signed 7 last)'),
    json(wall).replace(`"serial":${SERIAL}`, `"serial":99,"serial":${SERIAL}`));
  // Nesting depth (§5.1): payload at depth 0, data at 1; a scalar at depth 32 is the deepest allowed.
  const nest = (arrays) => `${'['.repeat(arrays)}1${']'.repeat(arrays)}`;
  const nestedDoc = (arrays) => {
    const text = canonicalJson({ ...wall.payload, data: '@' }).replace('"@"', nest(arrays));
    const sig = b64url(sodium.crypto_sign_detached(sodium.from_string(`secure-sign signed document v1\n${text}`), keys.signingSecretKey));
    return `{"v":1,"kid":"${wall.kid}","payload":${text},"sig":"${sig}"}`;
  };
  vector('document-success-depth-32', docHeader('success', 'data is 31 nested arrays around 1: that 1 is at depth 32 counting the payload as 0', {
    payload: canonicalJson({ ...wall.payload, data: '@' }).replace('"@"', nest(31)),
  }), nestedDoc(31));
  vector('document-too-deep', docHeader('malformed document', 'data is 32 nested arrays around 1: that 1 is at depth 33, correctly signed'), nestedDoc(32));
  vector('document-impossible-issued-at', docHeader('malformed document', 'issuedAt is 2026-13-45T25:61:61.000Z, signed correctly'),
    json({ ...wall, payload: bogus, sig: signRaw(bogus) }));
}

// The smallest y (encoded with sign bit 0) for which no x satisfies the Ed25519 curve equation
// -x^2 + y^2 = 1 + d x^2 y^2: x^2 = (y^2 - 1) / (d y^2 + 1) is not a square modulo p.
function notOnCurve() {
  const p = 2n ** 255n - 19n;
  const pow = (b, e) => {
    let r = 1n;
    b %= p;
    for (; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    return r;
  };
  const d = ((p - 121665n) * pow(121666n, p - 2n)) % p;
  for (let y = 2n; ; y++) {
    const x2 = (((y * y - 1n) % p) * pow((d * y * y + 1n) % p, p - 2n)) % p;
    if (x2 !== 0n && pow(x2, (p - 1n) / 2n) === p - 1n) {
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) out[i] = Number((y >> BigInt(8 * i)) & 0xffn);
      return out;
    }
  }
}

// --- key strings --------------------------------------------------------------------------
const keyString = keys.publicKey.keyString;
vector('key-success', { kind: 'public-key-string', expect: 'success', comment: 'a public campaign key string', 'key-id': keys.publicKey.keyId, fingerprint: keys.publicKey.fingerprint }, keyString);
{
  const i = 40;
  const typo = keyString.slice(0, i) + (keyString[i] === 'a' ? 'b' : 'a') + keyString.slice(i + 1);
  vector('key-typo', { kind: 'public-key-string', expect: 'invalid key', comment: 'one character mistyped (checksum)' }, typo);
  const swapped = keyString.slice(0, i) + keyString[i + 1] + keyString[i] + keyString.slice(i + 2);
  if (swapped !== keyString) vector('key-transposed', { kind: 'public-key-string', expect: 'invalid key', comment: 'two neighbouring characters swapped' }, swapped);
  vector('key-truncated', { kind: 'public-key-string', expect: 'invalid key', comment: 'last character missing' }, keyString.slice(0, -1));
  // A correctly checksummed key string whose Ed25519 part is not a point on the curve.
  const bytes = new Uint8Array(64);
  bytes.set(keys.publicKey.encryptionKey);
  bytes.set(notOnCurve(), 32);
  vector('key-invalid-signing-key', { kind: 'public-key-string', expect: 'invalid key', comment: 'checksum right, but the Ed25519 key is not a point on the curve' },
    encodeKeyString('sspk1', bytes));
  vector('key-secret-as-public', { kind: 'public-key-string', expect: 'invalid key', comment: 'a secret key string where a public one belongs' }, formatCampaignSecretKey(keys));
}

writeFileSync(`${outDir}index.json`, `${JSON.stringify(vectors.map((v) => `${v}.txt`), null, 2)}\n`);
console.error(`secure-sign: wrote ${vectors.length} test vectors to ${outDir}`);
