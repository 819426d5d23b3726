/**
 * @secure-sign/collector: the HTTP service that stores sealed signatures it cannot read.
 *
 * The `secure-sign-collector` command is the usual way to run it; these exports let you embed
 * the app in your own server or tests. The HTTP contract is docs/api.md.
 *
 * @packageDocumentation
 */
export { createApp, MAX_EXPORT_LIMIT, MAX_FILE_BYTES, MAX_SUBMISSION_BODY_BYTES, type AppOptions, type Clock } from './app.js';
export { isOpen, registerCampaign, rotateStaffToken, updateCampaign, type RegisterResult } from './campaigns.js';
export { campaignInputSchema, DEFAULT_POW_DIFFICULTY, resolveConfig, type CampaignInput, type CollectorConfig } from './config.js';
export { CollectorError, type CollectorErrorCode } from './errors.js';
export { createMetrics, type Metrics } from './metrics.js';
export { POW_ALGORITHM, checkPow, issueChallenge, type IssuedChallenge, type PowCheck, type PowSecrets } from './pow.js';
export { PROBLEMS, PROBLEM_TYPE_BASE, problem, type Problem, type ProblemCode, type ProblemExtensions } from './problems.js';
export { MAX_RETENTION_DAYS, RETENTION_INTERVAL_MS, closeCampaign, parseRetentionPeriod, runRetention, startRetentionJob, type RetentionJob } from './retention.js';
export { MAX_HEADER_BYTES, startServer, type RunningServer, type ServerOptions } from './server.js';
export { openPostgresStore, type PostgresStoreOptions } from './store/postgres.js';
export { openSqliteStore, SQLITE_FILE_NAME } from './store/sqlite.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './store/migrations.js';
export type { CampaignRecord, CampaignSettings, InsertResult, NewCampaign, PutFileResult, Retention, RetentionDeletion, Store, ExportedEvent, StoredFile, SubmissionInsert, SubmissionTrace, WithdrawalRequest, WithdrawalResult } from './store/types.js';
export { STAFF_TOKEN_PATTERN } from './tokens.js';
