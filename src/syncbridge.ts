/**
 * The engine in one object: the database, migrations applied, the job store, and workers on demand.
 * This is what the CLI, the HTTP server and an embedding application start from.
 */
import type { Config } from './config.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { openDb } from './db/open.ts';
import { silentLogger, type Logger } from './log.ts';
import { JobStore, type JobDefaults } from './jobs/store.ts';
import type { Clock } from './jobs/types.ts';
import { Worker, type JobHandler, type WorkerOptions } from './jobs/worker.ts';
import { BUILTIN_CONNECTORS, isManifestAdapter } from './connectors/index.ts';
import { PipelineService } from './sync/pipelines.ts';
import type { ConnectorRegistry } from './sync/stream-job.ts';
import type { Destination, Source } from './protocol/connector.ts';
import type { ManifestAdapter } from './protocol/manifest.ts';
import { createRateLimiter } from './sync/manifest/rate-limiter.ts';
import { manifestSource } from './sync/manifest/source.ts';
import { TwoWayService, type TwoWayServiceOptions } from './twoway/service.ts';


export interface SyncBridgeOptions {
  /** An open database; otherwise one is opened from `databaseUrl` / `dataDir`. */
  db?: Db;
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  schema?: string;
  defaults?: Partial<JobDefaults>;
  clock?: Clock;
  logger?: Logger;
  /** Apply pending migrations on start (default true). */
  migrate?: boolean;
  /**
   * Connectors pipelines may name: sources, destinations, and manifest adapters (which the engine runs
   * as sources with a rate limit shared through the database). Default the built-in ones.
   */
  connectors?: Record<string, Source | Destination | ManifestAdapter>;
  /** Entities of one manifest run syncing at once. Default 4. */
  entityConcurrency?: number;
  /** How often a waiting pipeline run looks at its streams when nothing wakes it (ms). Default 2000. */
  runPollMs?: number;
  /** Makes issue-provider clients for two-way sync; default the built-in GitHub, Gitea and GitLab clients. */
  issueProviders?: TwoWayServiceOptions['providers'];
}

export interface SyncBridge {
  db: Db;
  jobs: JobStore;
  logger: Logger;
  /** Pipelines and their runs. */
  pipelines: PipelineService;
  /** Two-way issue sync: connections, the local mirror, webhooks, outbox, polling and conflicts. */
  twoway: TwoWayService;
  /** The engine's own job handlers (pipeline runs and streams, two-way sync) under the caller's `handlers`. */
  handlers(handlers?: Record<string, JobHandler>): Record<string, JobHandler>;
  /** Creates (but does not start) a worker over this engine's store, with the engine's own handlers added. */
  worker(options: WorkerOptions): Worker;
  /** Stops workers created here, then closes the database if this engine opened it. */
  close(): Promise<void>;
}

export async function createSyncBridge(options: SyncBridgeOptions = {}): Promise<SyncBridge> {
  const ownsDb = !options.db;
  const db = options.db ?? (await openDb({ databaseUrl: options.databaseUrl, dataDir: options.dataDir }));
  const schema = options.schema ?? 'syncbridge';
  const logger = options.logger ?? silentLogger;
  try {
    if (options.migrate !== false) {
      const { applied } = await migrate(db, schema);
      if (applied.length > 0) logger.info({ event: 'db.migrated', schema, applied });
    }
  } catch (err) {
    if (ownsDb) await db.close();
    throw err;
  }
  const jobs = new JobStore(db, { schema, ...(options.clock ? { clock: options.clock } : {}), ...(options.defaults ? { defaults: options.defaults } : {}) });
  const workers: Worker[] = [];
  const limiter = createRateLimiter(db, schema);
  const connectors: ConnectorRegistry = Object.fromEntries(
    Object.entries(options.connectors ?? BUILTIN_CONNECTORS).map(([name, c]) => [name, isManifestAdapter(c) ? manifestSource(c, { limiter }) : c]),
  );
  const pipelines = new PipelineService({
    db,
    schema,
    jobs,
    connectors,
    ...(options.entityConcurrency === undefined ? {} : { entityConcurrency: options.entityConcurrency }),
    ...(options.runPollMs === undefined ? {} : { runPollMs: options.runPollMs }),
  });
  const twoway = new TwoWayService({ db, schema, jobs, logger, ...(options.issueProviders ? { providers: options.issueProviders } : {}) });
  const handlers = (own: Record<string, JobHandler> = {}) => ({ ...pipelines.handlers(), ...twoway.handlers(), ...own });
  return {
    db,
    jobs,
    logger,
    pipelines,
    twoway,
    handlers,
    worker(workerOptions) {
      const w = new Worker(jobs, { logger, ...workerOptions, handlers: handlers(workerOptions.handlers) });
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await jobs.notifier.flush();
      if (ownsDb) await db.close();
    },
  };
}

/** Engine options from the validated configuration. */
export function engineOptionsFromConfig(config: Config, logger?: Logger): SyncBridgeOptions {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.schema,
    ...(logger ? { logger } : {}),
    defaults: {
      maxRetries: config.jobs.maxRetries,
      leaseMs: config.jobs.leaseSeconds * 1000,
      backoff: { baseSeconds: config.jobs.backoffBaseSeconds, capSeconds: config.jobs.backoffCapSeconds, jitter: config.jobs.backoffJitter },
    },
  };
}
