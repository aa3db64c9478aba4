/**
 * SyncBridge under the queue benchmark, on Postgres or in-memory PGlite: `jobs.enqueue` /
 * `jobs.enqueueMany` and `engine.worker()` with its defaults (every attempt recorded, successes
 * written in batches). Done means `status = 'succeeded'` in the jobs table.
 */
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import type { Worker, WorkerOptions } from '../../src/jobs/worker.ts';
import { createSyncBridge, type SyncBridge } from '../../src/syncbridge.ts';
import type { QueueSystem } from './system.ts';

const SCHEMA = 'sbbench_q';

export interface SyncBridgeBenchOptions {
  /** Postgres URL; absent: in-memory PGlite. */
  url?: string;
  /** Pool size (Postgres): enough for the largest concurrency plus the worker's own connections. */
  poolSize?: number;
  /** Extra worker options, for experiments (e.g. prefetch). */
  worker?: Partial<WorkerOptions>;
  label?: string;
  /** Postgres `synchronous_commit` for the engine's pool. */
  synchronousCommit?: 'on' | 'off';
}

export function syncBridgeSystem(options: SyncBridgeBenchOptions): QueueSystem {
  const { url } = options;
  let db: Db | undefined;
  let sb: SyncBridge | undefined;
  let worker: Worker | undefined;
  let seq = 0;
  const engine = () => {
    if (!sb) throw new Error('setup() first');
    return sb;
  };
  const freshSchema = async () => {
    await db!.exec(`drop schema if exists ${SCHEMA} cascade`);
  };
  const extra = options.worker ? `; worker ${JSON.stringify(options.worker)}` : '';

  return {
    name: options.label ?? 'SyncBridge',
    backend: url ? 'Postgres' : 'PGlite',
    settings: url
      ? `createPgDb (pool max ${options.poolSize ?? 60}), worker defaults (adaptive prefetch: ~100 ms of work, up to 2000 jobs; two statements in flight, each completing ≤ 1000 successes and claiming the next jobs)${extra}`
      : `createPgliteDb() in memory, worker defaults${extra}`,
    async setup() {
      db = url ? createPgDb({ connectionString: url, max: options.poolSize ?? 60, applicationName: 'bench', ...(options.synchronousCommit ? { synchronousCommit: options.synchronousCommit } : {}) }) : await createPgliteDb();
      await freshSchema();
      sb = await createSyncBridge({ db, schema: SCHEMA });
    },
    async enqueueOne(tag) {
      await engine().jobs.enqueue({ jobType: 'noop', entityId: `e${seq++}`, payload: { t: tag } });
    },
    async enqueueBatch(count) {
      await engine().jobs.enqueueMany(Array.from({ length: count }, () => ({ jobType: 'noop', entityId: `e${seq++}`, payload: { t: -1 } })));
    },
    async startWorker(concurrency, onStart) {
      worker = engine().worker({
        ...options.worker,
        concurrency,
        handlers: {
          noop: (job) => {
            onStart((job.payload as { t: number }).t);
            return undefined;
          },
        },
      });
      await worker.start();
    },
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    async countDone() {
      const { rows } = await engine().db.query<{ n: number }>(`select count(*)::integer as n from ${SCHEMA}.jobs where status = 'succeeded'`);
      return rows[0]!.n;
    },
    async reset() {
      await freshSchema();
      await migrate(db!, SCHEMA);
    },
    async teardown() {
      if (!db) return;
      await worker?.stop();
      await freshSchema();
      await sb?.close();
      await db.close();
      db = undefined;
      sb = undefined;
    },
  };
}
