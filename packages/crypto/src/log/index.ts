/**
 * @secure-sign/crypto log module: the transparency-log core of issue 11. RFC 6962 Merkle trees
 * (hashing, an incremental tree over stored hashes, inclusion and consistency proofs and their
 * verification), C2SP checkpoints, signed notes and cosignatures, and tlog-tiles paths.
 * Pure and synchronous-hash only (SHA-256 from @noble/hashes); Ed25519 is passed in by the caller.
 * Specified in docs/log.md.
 *
 * @packageDocumentation
 */
export {
  checkpointConfirmed,
  checkpointCount,
  formatCheckpoint,
  formatConfirmedLine,
  formatCountLine,
  openCheckpoint,
  parseCheckpoint,
  type Checkpoint,
  type CheckpointTrust,
  type VerifiedCheckpoint,
} from './checkpoint.js';
export {
  ENTRY_KIND_CONFIRMED,
  ENTRY_KIND_DISOWNED,
  ENTRY_KIND_REMOVED,
  ENTRY_KIND_STORED,
  ENTRY_KIND_WITHDRAWAL,
  ENTRY_SIZE,
  EntryCounter,
  confirmationMatches,
  countEntries,
  decodeEntry,
  encodeEntry,
  envelopeHash,
  tallyEntries,
  withdrawalMatches,
  type EntryTally,
  type LogEntry,
} from './entry.js';
export { LogClientError, createLogClient, isLogClientError, type LogClient, type LogClientErrorCode, type LogClientOptions } from './client.js';
export { LogError, isLogError, type LogErrorCode } from './errors.js';
export { HASH_SIZE, emptyRootHash, leafHash, nodeHash, rootHash } from './hash.js';
export {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  SIGNATURE_TYPE_COSIGNATURE_ED25519,
  SIGNATURE_TYPE_ED25519,
  cosignatureTimestamp,
  ed25519Cosigner,
  ed25519CosignatureVerifier,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  formatVerifierKey,
  noteKeyId,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  type Ed25519Sign,
  type Ed25519Verify,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
  type ParsedNote,
  type VerifierKey,
} from './note.js';
export {
  MAX_BUNDLE_ENTRY_BYTES,
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  entryBundlePath,
  formatEntryBundle,
  parseEntryBundle,
  parseTilePath,
  readTile,
  tileNodeIds,
  tilePath,
  tileWidth,
  type TilePath,
} from './tiles.js';
export {
  MemoryTree,
  consistencyProof,
  consistencyProofSync,
  hashesToAppend,
  hashesToAppendSync,
  inclusionProof,
  inclusionProofSync,
  treeRoot,
  treeRootSync,
  type HashReader,
  type NodeId,
  type StoredHash,
  type SyncHashReader,
} from './tree.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';
