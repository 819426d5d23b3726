// The log module in Chromium: hashing (@noble/hashes), proofs and their verification, and a signed
// note opened with WebCrypto Ed25519 as the verify function.
import { expect } from '@esm-bundle/chai';
import {
  LogError,
  MemoryTree,
  ed25519NoteVerifier,
  leafHash,
  openNote,
  parseCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Ed25519Verify,
} from '../../src/log/index.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text: string) => new Uint8Array(text.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);

const webCryptoVerify: Ed25519Verify = async (signature, message, publicKey) => {
  const key = await crypto.subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, message as BufferSource);
};

it('computes the RFC 6962 test tree root and verifies every proof of it', () => {
  const entries = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);
  const tree = new MemoryTree();
  entries.forEach((e) => tree.appendEntry(e));
  expect(hex(tree.root())).to.equal('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  for (let size = 1; size <= 8; size++) {
    for (let index = 0; index < size; index++) verifyInclusion(leafHash(entries[index]!), index, size, tree.inclusionProof(index, size), tree.root(size));
    for (let old = 1; old <= size; old++) verifyConsistency(old, size, tree.consistencyProof(old, size), tree.root(old), tree.root(size));
  }
  const proof = tree.consistencyProof(3, 8);
  proof[0]![0]! ^= 1;
  expect(() => verifyConsistency(3, 8, proof, tree.root(3), tree.root(8))).to.throw(LogError);
});

it('opens the signed-note example with WebCrypto Ed25519', async () => {
  const vkey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
  const note = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
  const opened = await openNote(note, [ed25519NoteVerifier(vkey, webCryptoVerify)]);
  expect(opened.text).to.equal('This is an example message.\n');
  let code = '';
  await openNote(note.replace('example message', 'exemple message'), [ed25519NoteVerifier(vkey, webCryptoVerify)]).catch((e: LogError) => (code = e.code));
  expect(code).to.equal('NOTE_BAD_SIGNATURE');
});

it('parses the tlog-checkpoint example body', () => {
  const checkpoint = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
  expect(checkpoint.size).to.equal(20852163);
});
