/**
 * @secure-sign/cli: the `secure-sign` staff command, and the pieces of it other tools may reuse
 * (key files, the CSV rules). The command itself is `bin/secure-sign.js`; see docs/cli.md.
 *
 * @packageDocumentation
 */
export { CliError, EXIT } from './errors.js';
export { FAST_KDF_ENV, KEY_FILE_TYPE, createKeyFile, keyFilePublicKey, readKeyFile, unlockKeyFile, type KeyFile } from './keyfile.js';
export { CSV_COLUMNS, csvRow, emailKey, formatRecord, neutraliseCell, parseRecord, toRecord, type Arrival, type DecryptedRecord, type Format } from './records.js';
export { checkWallData, parseAllowList, type WallData, type WallEntry } from './wall.js';
export { snippet, type Snippet, type SnippetOptions } from './snippet.js';
