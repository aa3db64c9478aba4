/**
 * The job store: every read and state change of jobs, over one Db and one schema. Workers, the HTTP
 * API, the CLI and the orchestrators above all go through it; the SQL lives in ./sql, one operation
 * per file.
 */
import type { Db, Queryable } from '../db/db.ts';
import { backoffSeconds, type BackoffPolicy } from './backoff.ts';
import { sqlContext, type SqlContext } from './sql/context.ts';
import { cancelJob, replayJob, retryJob } from './sql/controls.ts';
import { enqueueJobs } from './sql/enqueue.ts';
import { jobMetrics, type JobMetrics } from './sql/metrics.ts';
import { getAttempts, getDependencies, getJob, listJobs, type JobFilter } from './sql/read.ts';
import { reclaimExpiredLeases } from './sql/lease.ts';
import { runNow } from './sql/snooze.ts';
import { systemClock, type Attempt, type Clock, type EnqueueInput, type EnqueueResult, type Job, type JobStatus } from './types.ts';
import { JobNotFound } from './errors.ts';
import { WakeNotifier } from './notifier.ts';

export interface JobDefaults {
  maxRetries: number;
  backoff: BackoffPolicy;
  leaseMs: number;
}

export const DEFAULT_JOB_DEFAULTS: JobDefaults = {
  maxRetries: 3,
  backoff: { baseSeconds: 2, capSeconds: 3600, jitter: 0 },
  leaseMs: 60_000,
};

export interface JobStoreOptions {
  schema?: string;
  clock?: Clock;
  defaults?: Partial<JobDefaults>;
}

export interface JobWithAttempts extends Job {
  attempts: Attempt[];
  depends_on: { id: number; status: JobStatus }[];
}

export interface InTransactionOptions {
  /**
   * Do not NOTIFY inside the caller's transaction (a NOTIFY serialises every commit behind the WAL flush);
   * the caller calls `wake()` after its commit instead. A wake-up lost to a crash in between costs at
   * most a poll interval: the job itself is committed.
   */
  wakeAfterCommit?: boolean;
}

export class JobStore {
  readonly db: Db;
  readonly sql: SqlContext;
  readonly clock: Clock;
  readonly defaults: JobDefaults;
  /** Wakes idle workers after commits that made jobs claimable. */
  readonly notifier: WakeNotifier;

  constructor(db: Db, options: JobStoreOptions = {}) {
    this.db = db;
    this.sql = sqlContext(options.schema ?? 'syncbridge');
    this.notifier = new WakeNotifier(db, this.sql.jobsChannel);
    this.clock = options.clock ?? systemClock;
    this.defaults = { ...DEFAULT_JOB_DEFAULTS, ...options.defaults };
  }

  /**
   * Creates a job, or returns the active job for the same (type, entity) — or the job first created
   * with the same idempotency key — with `created: false`. Pass `tx` to enqueue inside your own
   * transaction (the job exists only if it commits).
   */
  async enqueue<P>(input: EnqueueInput<P>, tx?: Queryable, options?: InTransactionOptions): Promise<EnqueueResult<P>> {
    const [result] = await this.enqueueMany([input], tx, options);
    return result as EnqueueResult<P>;
  }

  /** Enqueues many jobs in one round trip; results come back in input order. */
  async enqueueMany(inputs: readonly EnqueueInput[], tx?: Queryable, options: InTransactionOptions = {}): Promise<EnqueueResult[]> {
    if (inputs.length === 0) return [];
    const now = this.clock.now();
    // Inside the caller's transaction the wake-up must wait for its commit: NOTIFY in the transaction,
    // unless the caller wakes the workers itself after committing (`wakeAfterCommit`).
    if (tx) return enqueueJobs(tx, this.sql, inputs, this.defaults, now, { notifyInTx: options.wakeAfterCommit !== true });
    // Dependencies lock their parents, which needs a transaction; plain enqueues need only a statement
    // and may take the bulk fast path.
    if (inputs.some((i) => i.dependsOn?.length)) {
      const results = await this.db.transaction((t) => enqueueJobs(t, this.sql, inputs, this.defaults, now));
      if (results.some((r) => r.created)) this.notifier.poke();
      return results;
    }
    const wake = this.notifier.inline();
    const results = await enqueueJobs(this.db, this.sql, inputs, this.defaults, now, { optimistic: true, wake });
    if (!wake && results.some((r) => r.created)) this.notifier.poke();
    return results;
  }

  /**
   * Wakes idle workers (debounced, outside any transaction). For callers that enqueued in their own
   * transaction with `wakeAfterCommit`: call it once that transaction has committed.
   */
  wake(): void {
    this.notifier.poke();
  }

  get(id: number): Promise<Job | undefined> {
    return getJob(this.db, this.sql, id);
  }

  /**
   * The job with its attempts (oldest first) and the jobs it depends on, read from one snapshot — so
   * the status and the attempts always agree, however fast a worker moves the job on; throws JobNotFound.
   */
  async getWithAttempts(id: number): Promise<JobWithAttempts> {
    return this.db.transaction(async (tx) => {
      await tx.query('set transaction isolation level repeatable read');
      const job = await getJob(tx, this.sql, id);
      if (!job) throw new JobNotFound(id);
      const attempts = await getAttempts(tx, this.sql, id);
      const dependsOn = await getDependencies(tx, this.sql, id);
      return { ...job, attempts, depends_on: dependsOn };
    });
  }

  attempts(jobId: number): Promise<Attempt[]> {
    return getAttempts(this.db, this.sql, jobId);
  }

  list(filter: JobFilter = {}): Promise<Job[]> {
    return listJobs(this.db, this.sql, filter);
  }

  /** Cancels a pending or running job (a running handler's AbortSignal fires). */
  cancel(id: number, reason = 'cancelled by request'): Promise<Job> {
    return cancelJob(this.db, this.sql, id, reason, this.clock.now());
  }

  /** Puts a failed job back to pending; its attempts are kept and new ones added. */
  async retry(id: number): Promise<Job> {
    const job = await retryJob(this.db, this.sql, id, this.clock.now());
    this.notifier.poke();
    return job;
  }

  /** Creates a new job from a finished one, linked to it and to its last attempt. */
  async replay(id: number, correlationId?: string): Promise<EnqueueResult> {
    const result = await replayJob(this.db, this.sql, id, this.defaults, this.clock.now(), correlationId);
    this.notifier.poke();
    return result;
  }

  /** Returns jobs whose lease expired to pending (or dead past their budget); returns their ids. */
  /**
   * Makes a pending job due now (a parent snoozed while it waits for children that just finished);
   * false when it is not pending or already due. Pass `tx` to do it in your transaction.
   */
  async runNow(id: number, tx?: Queryable): Promise<boolean> {
    const moved = await runNow(tx ?? this.db, this.sql, id, this.clock.now());
    if (moved && !tx) this.notifier.poke();
    return moved;
  }

  reclaimExpiredLeases(): Promise<number[]> {
    return reclaimExpiredLeases(this.db, this.sql, this.clock.now());
  }

  metrics(): Promise<JobMetrics> {
    return jobMetrics(this.db, this.sql, this.clock.now());
  }

  /** The delay before retry number `attempt + 1`, by the configured policy (no Retry-After). */
  backoffSeconds(attempt: number, random?: () => number): number {
    return backoffSeconds(this.defaults.backoff, attempt, random);
  }
}
