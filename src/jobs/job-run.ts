/**
 * One attempt of one job in a worker: the context its handler receives, and the worker's record of it
 * while it runs. A class rather than an object of closures, because a worker runs tens of thousands of
 * these a second and every per-job allocation shows; the AbortController and the child logger are made
 * only when a handler (or an abort) first asks for them.
 */
import { performance } from 'node:perf_hooks';
import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from '../log.ts';
import { LeaseLost } from './errors.ts';
import { attemptKey, completeJobs } from './sql/complete.ts';
import type { SqlContext } from './sql/context.ts';
import { holdsLease } from './sql/lease.ts';
import type { Clock, Job } from './types.ts';

export interface JobContext<Payload = unknown> {
  job: Job<Payload>;
  /** This attempt's number, from 1. */
  attempt: number;
  /** Send as `X-Correlation-ID` on upstream calls. */
  correlationId: string;
  /** Aborted when the job is cancelled, its lease is lost, or the worker's grace period ends. */
  signal: AbortSignal;
  logger: Logger;
  /**
   * Runs `fn` in a transaction that also records this job's success, so the handler's database writes
   * and the completion commit together or not at all (exactly-once database side effects). Throws
   * LeaseLost, rolling `fn`'s writes back, when the lease was taken over.
   */
  completeInTransaction<T>(fn: (tx: Queryable) => Promise<T>, result?: unknown): Promise<T>;
}

/** What every run of one worker shares. */
export interface RunEnv {
  db: Db;
  sql: SqlContext;
  clock: Clock;
  workerId: string;
  logger: Logger;
}

export class JobRun implements JobContext {
  readonly job: Job;
  readonly attempt: number;
  readonly startedAt = performance.now();
  /** The success was recorded by completeInTransaction. */
  completedInTx = false;
  /** Given up on at shutdown: its lease is released, so whatever the handler does later is not recorded. */
  abandoned = false;
  private readonly env: RunEnv;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private childLogger: Logger | undefined;

  constructor(env: RunEnv, job: Job) {
    this.env = env;
    this.job = job;
    this.attempt = job.attempt_count;
  }

  get correlationId(): string {
    return this.job.correlation_id;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get logger(): Logger {
    const job = this.job;
    return (this.childLogger ??= this.env.logger.child({ job_id: job.id, job_type: job.job_type, attempt: this.attempt, correlation_id: job.correlation_id }));
  }

  /** Aborts the handler's signal (now, or as soon as it is first read); the first reason wins. */
  abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason);
    else this.abortReason ??= reason;
  }

  async completeInTransaction<T>(fn: (tx: Queryable) => Promise<T>, result?: unknown): Promise<T> {
    const { db, sql, clock, workerId } = this.env;
    const { id } = this.job;
    const attempt = this.attempt;
    const out = await db.transaction(async (tx) => {
      // Lock the job row first: a lost lease fails fast, before the handler's writes, and the reaper
      // cannot take the job over while this transaction is open.
      if (!(await holdsLease(tx, sql, workerId, id, attempt))) throw new LeaseLost(id, attempt);
      const value = await fn(tx);
      const completion = { id, attempt, duration_ms: performance.now() - this.startedAt, result: result ?? null };
      const done = await completeJobs(tx, sql, workerId, [completion], clock.now());
      if (!done.has(attemptKey(id, attempt))) throw new LeaseLost(id, attempt);
      return value;
    });
    this.completedInTx = true;
    return out;
  }
}
