/** The public library API of SyncBridge. Internals stay unexported. */
export { createSyncBridge, engineOptionsFromConfig, type SyncBridge, type SyncBridgeOptions } from './syncbridge.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
export type { Db, Queryable } from './db/db.ts';
export { migrate } from './db/migrate.ts';
export { JobStore, type JobDefaults, type JobWithAttempts } from './jobs/store.ts';
export { Worker, type JobHandler, type JobContext, type WorkerOptions } from './jobs/worker.ts';
export { Scheduler, type ScheduleInput, type Schedule } from './jobs/scheduler.ts';
export type { JobMetrics } from './jobs/sql/metrics.ts';
export type { JobFilter } from './jobs/sql/read.ts';
export * from './jobs/types.ts';
export { JobCancelled, JobNotFound, JobSnoozed, JobStateError, LeaseLost, WorkerShutdown } from './jobs/errors.ts';
export {
  SyncError,
  UpstreamTimeout,
  UpstreamUnavailable,
  UpstreamRateLimited,
  NotFound,
  ValidationError,
  AuthError,
  Conflict,
  parseRetryAfter,
} from './protocol/errors.ts';
export { createLogger, type Logger } from './log.ts';
export { defineSource, defineDestination, type Source, type Destination } from './protocol/connector.ts';
export { BUILTIN_CONNECTORS } from './connectors/index.ts';
export { spawnSource } from './sync/subprocess/spawn-source.ts';
export { spawnDestination } from './sync/subprocess/spawn-destination.ts';
export type { SpawnOptions } from './sync/subprocess/run-connector.ts';
export { TwoWayService, type ConnectionView, type IssueDetail, type IssueFilter } from './twoway/service.ts';
export type { IssueProvider, IssueProviderConfig, RemoteIssue, IssuePage, IssueWebhookEvent, IssueWebhookRequest } from './protocol/issues.ts';
