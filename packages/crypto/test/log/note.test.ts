// Checkpoints (c2sp.org/tlog-checkpoint), signed notes (c2sp.org/signed-note), verifier keys and
// Ed25519 cosignatures (c2sp.org/tlog-cosignature), with the specs' published examples.
import { describe, expect, it } from 'vitest';
import {
  LogError,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  cosignatureTimestamp,
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  formatNote,
  formatVerifierKey,
  noteKeyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
  type NoteVerifier,
} from '../../src/log/index.js';
import { b64, ed25519Key, ed25519Verify, hex } from './support.js';

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof LogError) return error.code;
    return (error as Error).name;
  }
  return 'accepted';
}

// c2sp.org/signed-note, "Verifier keys", Example.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
// golang.org/x/mod/sumdb/note, the package documentation's example.
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
// c2sp.org/tlog-checkpoint, the introduction's example (no verifier key is published for it).
const SPEC_CHECKPOINT =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

describe('verifier keys', () => {
  it('parses the specification example and derives its key id', () => {
    const key = parseVerifierKey(SPEC_VKEY);
    expect(key.name).toBe('example.com/foo');
    expect(key.keyId).toBe(0x530d903a);
    expect(key.type).toBe(1);
    expect(noteKeyId(key.name, 1, key.publicKey)).toBe(0x530d903a);
    expect(formatVerifierKey(key.name, key.publicKey)).toBe(SPEC_VKEY);
  });

  it('parses keys of other implementations and writes them back unchanged', () => {
    for (const vkey of [
      GO_VKEY,
      'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop',
      // transparency-dev/formats tests: base64 holding a '+', and a cosignature (type 0x04) key.
      'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6',
      'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
    ]) {
      const key = parseVerifierKey(vkey);
      expect(formatVerifierKey(key.name, key.publicKey, key.type)).toBe(vkey);
    }
    expect(parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2').type).toBe(4);
  });

  it.each([
    ['no plus', 'example.com/foo'],
    ['no second plus', 'example.com/foo+530d903a'],
    ['a key id of 7 digits', SPEC_VKEY.replace('530d903a', '530d903')],
    ['an upper-case key id', SPEC_VKEY.replace('530d903a', '530D903A')],
    ['a key id that is not the derivation', SPEC_VKEY.replace('530d903a', '530d903b')],
    ['a name with a space', SPEC_VKEY.replace('example.com/foo', 'example.com/ foo')],
    ['an empty name', SPEC_VKEY.replace('example.com/foo', '')],
    ['base64 that is not base64', `${SPEC_VKEY}!`],
    ['base64 with a newline', SPEC_VKEY.replace('Aeky', 'Ae\nky')],
    ['non-canonical base64 (spare bits)', SPEC_VKEY.replace(/k$/, 'l')],
    ['a 31-byte key', `a+00000000+${Buffer.from([1, ...new Uint8Array(31)]).toString('base64')}`],
  ])('refuses %s', async (_, vkey) => {
    expect(await codeOf(() => parseVerifierKey(vkey))).toBe('INVALID_VERIFIER_KEY');
  });

  it('refuses a type other than Ed25519 note and cosignature keys', async () => {
    const typeTwo = `a+00000000+${Buffer.from([2, ...new Uint8Array(32)]).toString('base64')}`;
    expect(await codeOf(() => parseVerifierKey(typeTwo))).toBe('INVALID_VERIFIER_KEY');
    // A cosignature key is not a note key, and the other way round.
    const key = parseVerifierKey(SPEC_VKEY);
    expect(await codeOf(() => ed25519CosignatureVerifier(key, ed25519Verify))).toBe('INVALID_VERIFIER_KEY');
  });
});

describe('signed notes', () => {
  it('opens the specification example and the Go example with their published keys', async () => {
    const spec = await openNote(SPEC_NOTE, [ed25519NoteVerifier(SPEC_VKEY, ed25519Verify)]);
    expect(spec.text).toBe('This is an example message.\n');
    expect(spec.verified).toHaveLength(1);
    const go = await openNote(new TextEncoder().encode(GO_NOTE), [ed25519NoteVerifier(GO_VKEY, ed25519Verify)]);
    expect(go.text).toBe(GO_TEXT);
    expect(go.verified[0]!.keyId).toBe(0xc74f20a3);
  });

  it('refuses the examples once one byte of their text changed', async () => {
    const verifier = ed25519NoteVerifier(SPEC_VKEY, ed25519Verify);
    expect(await codeOf(() => openNote(SPEC_NOTE.replace('example', 'exemple'), [verifier]))).toBe('NOTE_BAD_SIGNATURE');
  });

  it('signs and opens, with several signers, ignoring unknown keys', async () => {
    const a = ed25519Key();
    const b = ed25519Key();
    const c = ed25519Key();
    const text = 'hello\n\nworld\n';
    const note = await signNote(text, [ed25519NoteSigner('a.example/log', a.publicKey, a.sign), ed25519NoteSigner('b.example', b.publicKey, b.sign)]);
    expect(note.startsWith(`${text}\n— a.example/log `)).toBe(true);
    const verifierA = ed25519NoteVerifier(formatVerifierKey('a.example/log', a.publicKey), ed25519Verify);
    const opened = await openNote(note, [verifierA]);
    expect(opened.text).toBe(text);
    expect(opened.verified.map((s) => s.name)).toEqual(['a.example/log']);
    expect(opened.unknown.map((s) => s.name)).toEqual(['b.example']);
    // Same name as a known key, another key id: unknown, ignored.
    const impostor = await signNote(text, [ed25519NoteSigner('a.example/log', c.publicKey, c.sign)]);
    expect(await codeOf(() => openNote(impostor, [verifierA]))).toBe('NOTE_NOT_VERIFIED');
    // Known name and key id, wrong signature: the whole note is refused.
    const parsed = parseNote(note);
    const forged = formatNote(text, [{ ...parsed.signatures[0]!, signature: parsed.signatures[1]!.signature }, parsed.signatures[1]!]);
    expect(await codeOf(() => openNote(forged, [verifierA]))).toBe('NOTE_BAD_SIGNATURE');
    // The same known key twice.
    expect(await codeOf(() => openNote(formatNote(text, [parsed.signatures[0]!, parsed.signatures[0]!]), [verifierA]))).toBe('NOTE_BAD_SIGNATURE');
    // A verifier whose function says anything but true does not verify.
    const truthy: NoteVerifier = { ...verifierA, verify: () => 1 as unknown as boolean };
    expect(await codeOf(() => openNote(note, [truthy]))).toBe('NOTE_BAD_SIGNATURE');
  });

  const sig = '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
  const refusals: [string, string | Uint8Array][] = [
    ['no blank line before the signatures', `text\n${sig}`],
    ['no signature', 'text\n\n'],
    ['a signature line without its newline', `text\n\n${sig.slice(0, -1)}`],
    ['a signature line without the em dash', `text\n\n${sig.replace('—', '-')}`],
    ['a signature line with a hyphen-minus and space', `text\n\n- ${sig.slice(2)}`],
    ['an empty key name', `text\n\n${sig.replace(' example.com/foo ', '  ')}`],
    ['a key name with a plus', `text\n\n${sig.replace('example.com/foo', 'example.com+foo')}`],
    ['a key name with a no-break space', `text\n\n${sig.replace('example.com/foo', 'example.com\u00a0foo')}`],
    ['a signature that is not base64', `text\n\n${sig.replace('Uw2Q', 'Uw2Q!')}`],
    ['a signature of only a key id', `text\n\n— example.com/foo AAAAAA==\n`],
    ['a carriage return', SPEC_NOTE.replace('message.', 'message.\r')],
    ['a tab', SPEC_NOTE.replace(' is', '\tis')],
    ['a NUL', SPEC_NOTE.replace(' is', '\u0000is')],
    ['invalid UTF-8', new Uint8Array([...new TextEncoder().encode('text \n\n'), 0xff, ...new TextEncoder().encode(sig)])],
    ['a lone surrogate', `text \ud800\n\n${sig}`],
    ['more than the signature limit', `text\n\n${sig.repeat(MAX_NOTE_SIGNATURES + 1)}`],
    ['more than the byte limit', `${'a'.repeat(MAX_NOTE_BYTES)}\n\n${sig}`],
  ];
  it.each(refusals)('refuses a note with %s as MALFORMED_NOTE', async (_, message) => {
    expect(await codeOf(() => parseNote(message))).toBe('MALFORMED_NOTE');
    expect(await codeOf(() => openNote(message, [ed25519NoteVerifier(SPEC_VKEY, ed25519Verify)]))).toBe('MALFORMED_NOTE');
  });

  it('accepts at least 16 signatures, and the text may hold blank lines', async () => {
    const parsed = parseNote(`a\n\nb\n\n${sig.repeat(16)}`);
    expect(parsed.text).toBe('a\n\nb\n');
    expect(parsed.signatures).toHaveLength(16);
  });

  it('refuses to sign text that a reader would refuse', async () => {
    const key = ed25519Key();
    const signer = ed25519NoteSigner('a', key.publicKey, key.sign);
    for (const text of ['no newline', '', 'tab\there\n', 'cr\r\n']) expect(await codeOf(() => signNote(text, [signer]))).toBe('TypeError');
    expect(() => ed25519NoteSigner('a b', key.publicKey, key.sign)).toThrow(TypeError);
    expect(await codeOf(() => signNote('x\n', [ed25519NoteSigner('a', key.publicKey, () => new Uint8Array(63))]))).toBe('TypeError');
  });
});

describe('checkpoints', () => {
  it('parses the specification example body exactly', () => {
    const { text } = parseNote(SPEC_CHECKPOINT);
    const checkpoint = parseCheckpoint(text);
    expect(checkpoint.origin).toBe('example.com/behind-the-sofa');
    expect(checkpoint.size).toBe(20852163);
    expect(hex(checkpoint.rootHash)).toBe(hex(b64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')));
    expect(checkpoint.extensions).toBeUndefined();
    expect(formatCheckpoint(checkpoint)).toBe(text);
    expect(parseNote(SPEC_CHECKPOINT).signatures[0]!.keyId).toBe(0x033de0ae);
  });

  it('round-trips extension lines and the empty tree', () => {
    const rootHash = new Uint8Array(32).fill(7);
    const text = formatCheckpoint({ origin: 'o', size: 0, rootHash, extensions: ['ext one', 'two'] });
    expect(text).toBe(`o\n0\n${Buffer.from(rootHash).toString('base64')}\next one\ntwo\n`);
    expect(parseCheckpoint(text)).toEqual({ origin: 'o', size: 0, rootHash, extensions: ['ext one', 'two'] });
  });

  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  it.each([
    ['no final newline', `o\n1\n${root}`],
    ['two lines', 'o\n1\n'],
    ['an empty origin', `\n1\n${root}\n`],
    ['a leading zero', `o\n01\n${root}\n`],
    ['a sign', `o\n+1\n${root}\n`],
    ['a negative size', `o\n-1\n${root}\n`],
    ['a size with a space', `o\n1 \n${root}\n`],
    ['a size above 2^53 - 1', `o\n9007199254740992\n${root}\n`],
    ['a hexadecimal size', `o\n0x10\n${root}\n`],
    ['a root of 31 bytes', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['a root of 33 bytes', `o\n1\n${Buffer.alloc(33).toString('base64')}\n`],
    ['a root without padding', `o\n1\n${root.slice(0, -1)}\n`],
    ['a root in base64url', `o\n1\n${root.replace('/', '_')}\n`],
    ['an empty extension line', `o\n1\n${root}\n\n`],
    ['an empty extension line between two', `o\n1\n${root}\na\n\nb\n`],
    ['a control character', `o\u0007\n1\n${root}\n`],
  ])('refuses a body with %s', async (_, text) => {
    expect(await codeOf(() => parseCheckpoint(text))).toBe('MALFORMED_CHECKPOINT');
  });

  it('accepts the largest safe size and refuses to format nonsense', () => {
    expect(parseCheckpoint(`o\n9007199254740991\n${root}\n`).size).toBe(2 ** 53 - 1);
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: new Uint8Array(32) })).toThrow(TypeError);
    expect(() => formatCheckpoint({ origin: 'a', size: -1, rootHash: new Uint8Array(32) })).toThrow(RangeError);
    expect(() => formatCheckpoint({ origin: 'a', size: 1, rootHash: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => formatCheckpoint({ origin: 'a', size: 1, rootHash: new Uint8Array(32), extensions: [''] })).toThrow(TypeError);
  });
});

describe('signed checkpoints with witnesses', () => {
  const origin = 'collector.example/open-letter';
  const log = ed25519Key();
  const logVerifier = ed25519NoteVerifier(formatVerifierKey(origin, log.publicKey), ed25519Verify);
  const logSigner = ed25519NoteSigner(origin, log.publicKey, log.sign);
  const witnessKeys = [ed25519Key(), ed25519Key(), ed25519Key()];
  const witnessNames = ['w1.example', 'w2.example', 'w3.example'];
  const cosigners = witnessKeys.map((k, i) => ed25519Cosigner(witnessNames[i]!, k.publicKey, k.sign, () => 1_727_964_367 + i));
  const witnessVerifiers = witnessKeys.map((k, i) =>
    ed25519CosignatureVerifier(formatVerifierKey(witnessNames[i]!, k.publicKey, 0x04), ed25519Verify),
  );
  const body = formatCheckpoint({ origin, size: 5, rootHash: new Uint8Array(32).fill(1) });

  it('opens a checkpoint signed by the log, counting the witnesses that cosigned', async () => {
    const note = await signNote(body, [logSigner, cosigners[0]!, cosigners[2]!]);
    const opened = await openCheckpoint(note, { origin, log: logVerifier, witnesses: witnessVerifiers, witnessQuorum: 2 });
    expect(opened.checkpoint.size).toBe(5);
    expect(opened.witnesses).toEqual(['w1.example', 'w3.example']);
    expect(cosignatureTimestamp(opened.note.verified[2]!)).toBe(1_727_964_369n);
    expect(await codeOf(() => openCheckpoint(note, { origin, log: logVerifier, witnesses: witnessVerifiers, witnessQuorum: 3 }))).toBe('NOTE_NOT_VERIFIED');
  });

  it('refuses a checkpoint without the log signature, of another origin, or with a forged cosignature', async () => {
    const onlyWitnesses = await signNote(body, [cosigners[0]!, cosigners[1]!]);
    expect(await codeOf(() => openCheckpoint(onlyWitnesses, { origin, log: logVerifier, witnesses: witnessVerifiers }))).toBe('NOTE_NOT_VERIFIED');
    const other = await signNote(formatCheckpoint({ origin: 'collector.example/other', size: 5, rootHash: new Uint8Array(32) }), [logSigner]);
    expect(await codeOf(() => openCheckpoint(other, { origin, log: logVerifier }))).toBe('WRONG_ORIGIN');
    // A cosignature is over "cosignature/v1\ntime T\n" and the body: moving its timestamp breaks it.
    const note = await signNote(body, [logSigner, cosigners[0]!]);
    const parsed = parseNote(note);
    const moved = parsed.signatures[1]!.signature.slice();
    moved[7]! ^= 1;
    const tampered = formatNote(parsed.text, [parsed.signatures[0]!, { ...parsed.signatures[1]!, signature: moved }]);
    expect(await codeOf(() => openCheckpoint(tampered, { origin, log: logVerifier, witnesses: witnessVerifiers }))).toBe('NOTE_BAD_SIGNATURE');
    // A note signature (type 0x01) of a witness key does not count as its cosignature (type 0x04).
    const plain = await signNote(body, [logSigner, ed25519NoteSigner('w1.example', witnessKeys[0]!.publicKey, witnessKeys[0]!.sign)]);
    expect(await codeOf(() => openCheckpoint(plain, { origin, log: logVerifier, witnesses: witnessVerifiers, witnessQuorum: 1 }))).toBe('NOTE_NOT_VERIFIED');
    await expect(openCheckpoint(note, { origin, log: logVerifier, witnesses: witnessVerifiers, witnessQuorum: 4 })).rejects.toThrow(RangeError);
  });

  it('reads the timestamp of a published cosignature (transparency-dev/formats test)', () => {
    const bytes = b64('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==');
    expect(cosignatureTimestamp({ name: 'x', keyId: 0, signature: bytes.slice(4) })).toBe(1_727_964_367n);
    expect(cosignatureTimestamp({ name: 'x', keyId: 0, signature: bytes.slice(5) })).toBeUndefined();
  });
});
