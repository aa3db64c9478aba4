/**
 * The worker: claims jobs in batches, runs their handlers with a concurrency limit, and records each
 * outcome under the lease guard. Execution is at-least-once (a crash after the handler's side effect
 * and before the outcome runs it again), so handlers are idempotent; database side effects can be made
 * exactly-once with `ctx.completeInTransaction`.
 *
 * Around the loop: NOTIFY wakes it when jobs arrive (polling is the fallback), heartbeats renew the
 * leases of running jobs, a reaper returns other workers' expired leases, successes are written in
 * batches, and `stop()` drains gracefully and releases whatever did not finish in the grace period.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Queryable } from '../db/db.ts';
import { silentLogger, type Logger } from '../log.ts';
import { nextRunAt } from './backoff.ts';
import { snapshotError } from './classify.ts';
import { JobCancelled, JobSnoozed, LeaseLost, WorkerShutdown } from './errors.ts';
import { claimKeyed, claimUnkeyed } from './sql/claim.ts';
import { attemptKey, completeJobs, type Completion } from './sql/complete.ts';
import { failJob } from './sql/fail.ts';
import { holdsLease, releaseLeases, renewLeases } from './sql/lease.ts';
import { snoozeJob } from './sql/snooze.ts';
import type { JobStore } from './store.ts';
import type { Job } from './types.ts';
import { Scheduler } from './scheduler.ts';

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobHandler<Payload = any> = (job: Job<Payload>, ctx: JobContext<Payload>) => unknown;

export interface WorkerOptions {
  handlers: Record<string, JobHandler>;
  /** Handlers running at once in this process. Default 10. */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots, so a finished slot refills without a round trip. Default:
   * adaptive — deep (up to 500) while handlers take a few milliseconds, so claims are few and large;
   * shallow (the concurrency) for slow handlers, so one worker never hoards jobs others could run.
   */
  prefetch?: number;
  /** Look for due jobs at least this often even without a NOTIFY. Default 1000. */
  pollIntervalMs?: number;
  /** Lease length; default from the store (SYNCBRIDGE_JOB_LEASE_SECONDS). */
  leaseMs?: number;
  /** How often leases are renewed. Default a third of the lease. */
  heartbeatMs?: number;
  /** How often expired leases (of any worker) are reclaimed. Default half the lease, at most 30 s. */
  reclaimIntervalMs?: number;
  /** On stop, how long running handlers may take to finish before their leases are released. Default 10 s. */
  shutdownGraceMs?: number;
  /** Successes written per statement, at most. Default 500. */
  completionBatchSize?: number;
  /** Also fire recurring schedules from this worker. Default true. */
  schedules?: boolean;
  workerId?: string;
  logger?: Logger;
  random?: () => number;
}

interface Running {
  job: Job;
  controller: AbortController;
  startedAt: number;
  completedInTx: boolean;
  /** Given up on at shutdown: its lease is released, so whatever the handler does later is not recorded. */
  abandoned: boolean;
}

export interface WorkerStats {
  claimed: number;
  succeeded: number;
  failed: number;
  refused: number;
}

export class Worker {
  readonly id: string;
  readonly stats: WorkerStats = { claimed: 0, succeeded: 0, failed: 0, refused: 0 };
  private readonly store: JobStore;
  private readonly handlers: Record<string, JobHandler>;
  private readonly jobTypes: string[];
  private readonly concurrency: number;
  private readonly fixedPrefetch: number | undefined;
  /** Moving average of handler durations, for the adaptive prefetch. */
  private avgHandlerMs = 1000;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly reclaimIntervalMs: number;
  private readonly graceMs: number;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly scheduler: Scheduler | undefined;

  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  // Keyed by job id and attempt: after its own lease expired, a worker may hold two attempts of one job.
  private readonly running = new Map<string, Running>();
  private buffer: Job[] = [];
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private claimRound = 0;
  private keyedDue = true;
  private completions: Completion[] = [];
  private flushing: Promise<void> | undefined;
  private readonly writes = new Set<Promise<unknown>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisteners: (() => Promise<void>)[] = [];
  private readonly settled = new Set<() => void>();

  constructor(store: JobStore, options: WorkerOptions) {
    this.store = store;
    this.handlers = options.handlers;
    this.jobTypes = Object.keys(options.handlers);
    if (this.jobTypes.length === 0) throw new Error('a worker needs at least one job handler');
    this.concurrency = positive('concurrency', options.concurrency ?? 10);
    this.fixedPrefetch = options.prefetch === undefined ? undefined : Math.max(0, options.prefetch);
    this.pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs ?? 1000);
    this.leaseMs = positive('leaseMs', options.leaseMs ?? store.defaults.leaseMs);
    this.heartbeatMs = positive('heartbeatMs', options.heartbeatMs ?? this.leaseMs / 3);
    this.reclaimIntervalMs = positive('reclaimIntervalMs', options.reclaimIntervalMs ?? Math.min(this.leaseMs / 2, 30_000));
    this.graceMs = Math.max(0, options.shutdownGraceMs ?? 10_000);
    this.batchSize = positive('completionBatchSize', options.completionBatchSize ?? 500);
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.logger = (options.logger ?? silentLogger).child({ worker_id: this.id });
    this.random = options.random ?? Math.random;
    this.scheduler = options.schedules === false ? undefined : new Scheduler(store, this.logger);
  }

  /** Starts claiming. Resolves once the worker listens for new jobs. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`worker already ${this.state}`);
    this.state = 'running';
    const c = this.store.sql;
    this.unlisteners.push(await this.store.db.listen(c.jobsChannel, () => this.kick(true)));
    this.unlisteners.push(
      await this.store.db.listen(c.cancelChannel, (payload) => {
        for (const entry of this.running.values()) {
          if (String(entry.job.id) === payload) entry.controller.abort(new JobCancelled(entry.job.id));
        }
      }),
    );
    this.every(this.pollIntervalMs, () => this.kick(true));
    this.every(this.heartbeatMs, () => this.heartbeat());
    this.every(this.reclaimIntervalMs, () => this.reclaim());
    if (this.scheduler) this.every(Math.min(this.pollIntervalMs, 1000), () => this.scheduler!.tick());
    this.logger.info({ event: 'worker.started', concurrency: this.concurrency, job_types: this.jobTypes });
    this.kick();
    void this.reclaim();
  }

  /** Jobs this worker is running now. */
  get activeCount(): number {
    return this.running.size;
  }

  /**
   * Graceful shutdown: stop claiming, let running handlers finish within the grace period, then abort
   * the rest and release their leases so another worker picks them up at once.
   */
  async stop(graceMs: number = this.graceMs): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    for (const t of this.timers) clearInterval(t);
    if (!wasRunning) {
      this.state = 'stopped';
      return;
    }
    this.logger.info({ event: 'worker.stopping', running: this.running.size, grace_ms: graceMs });
    await this.claiming;
    const notStarted = this.buffer.splice(0);
    if (this.running.size > 0) await Promise.race([this.allSettled(), sleep(graceMs)]);
    const unfinished = [...this.running.values()];
    for (const r of unfinished) {
      r.abandoned = true;
      r.controller.abort(new WorkerShutdown());
    }
    try {
      const released = await releaseLeases(
        this.store.db,
        this.store.sql,
        this.id,
        unfinished.map((r) => ({ id: r.job.id, attempt: r.job.attempt_count })),
        notStarted.map((j) => ({ id: j.id, attempt: j.attempt_count })),
        this.store.clock.now(),
      );
      if (released.length > 0) this.logger.info({ event: 'worker.released', job_ids: released });
      await this.flush();
      await Promise.allSettled([...this.writes]);
    } finally {
      for (const u of this.unlisteners.splice(0)) await u().catch(() => {});
      this.state = 'stopped';
      this.logger.info({ event: 'worker.stopped', ...this.stats });
    }
  }

  private every(ms: number, fn: () => unknown) {
    const t = setInterval(() => {
      if (this.state !== 'running') return;
      // A failed heartbeat or schedule tick is retried at the next tick; say so rather than stay silent.
      void Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.logger.error({ event: 'worker.periodic_task_failed', task: fn.name || 'task', err }));
    }, ms);
    this.timers.push(t);
  }

  /** Looks for work now (after a NOTIFY, a poll tick, or a freed slot). */
  private kick(anyKind = false): void {
    if (this.state !== 'running') return;
    if (anyKind) this.keyedDue = true;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => {
      this.claiming = undefined;
    });
  }

  private async claimLoop(): Promise<void> {
    do {
      this.claimAgain = false;
      const room = this.concurrency + this.prefetch() - this.running.size - this.buffer.length;
      if (room <= 0 || this.state !== 'running') return;
      const params = { workerId: this.id, limit: room, leaseMs: this.leaseMs, jobTypes: this.jobTypes, now: this.store.clock.now() };
      try {
        const jobs = await claimUnkeyed(this.store.db, this.store.sql, params);
        this.accept(jobs);
        // Keyed jobs take a slower path (a transaction with advisory locks), so it runs only when
        // there may be some: after a wake-up or poll, after a keyed job finished, after it last found
        // work. Only for slots free now, never into the buffer: a keyed job claimed but waiting here would hold
        // one of its key's few slots while other workers sit idle (bench:orchestrate saw 10–25 s of that).
        // Every eighth round one is claimed even with no slot free, so a flood of unkeyed jobs that keeps
        // every slot busy cannot starve keyed ones.
        const free = this.concurrency - this.running.size - this.buffer.length;
        const starving = ++this.claimRound % 8 === 0;
        if ((free > 0 && this.keyedDue) || starving) {
          this.keyedDue = false;
          const keyed = await claimKeyed(this.store.db, this.store.sql, { ...params, limit: Math.max(1, free), now: this.store.clock.now() });
          if (keyed.length > 0) this.keyedDue = true;
          this.accept(keyed);
        }
        if (jobs.length === room) this.claimAgain = true;
      } catch (err) {
        this.logger.error({ event: 'worker.claim_failed', err });
        return;
      }
    } while (this.claimAgain);
  }

  private prefetch(): number {
    if (this.fixedPrefetch !== undefined) return this.fixedPrefetch;
    if (this.avgHandlerMs < 5) return Math.max(this.concurrency, 500);
    if (this.avgHandlerMs < 50) return this.concurrency * 4;
    return this.concurrency;
  }

  /** Takes freshly claimed jobs: starts what fits, keeps the rest leased in the local buffer. */
  private accept(jobs: Job[]): void {
    if (jobs.length === 0) return;
    this.stats.claimed += jobs.length;
    this.buffer.push(...jobs);
    this.startFromBuffer();
  }

  private startFromBuffer(): void {
    while (this.running.size < this.concurrency && this.buffer.length > 0 && this.state === 'running') {
      void this.run(this.buffer.shift()!);
    }
  }

  private async run(job: Job): Promise<void> {
    const entry: Running = { job, controller: new AbortController(), startedAt: performance.now(), completedInTx: false, abandoned: false };
    const attempt = job.attempt_count;
    const key = attemptKey(job.id, attempt);
    this.running.set(key, entry);
    // Created on first use: most jobs log nothing, and a child logger per job is measurable at 20k jobs/s.
    let jobLogger: Logger | undefined;
    const logger = () => (jobLogger ??= this.logger.child({ job_id: job.id, job_type: job.job_type, attempt, correlation_id: job.correlation_id }));
    const ctx: JobContext = {
      job,
      attempt,
      correlationId: job.correlation_id,
      signal: entry.controller.signal,
      get logger() {
        return logger();
      },
      completeInTransaction: async (fn, result) => {
        const out = await this.store.db.transaction(async (tx) => {
          // Lock the job row first: a lost lease fails fast, before the handler's writes, and the
          // reaper cannot take the job over while this transaction is open.
          if (!(await holdsLease(tx, this.store.sql, this.id, job.id, attempt))) throw new LeaseLost(job.id, attempt);
          const value = await fn(tx);
          const done = await completeJobs(tx, this.store.sql, this.id, [{ id: job.id, attempt, duration_ms: performance.now() - entry.startedAt, result: result ?? null }], this.store.clock.now());
          if (!done.has(attemptKey(job.id, attempt))) throw new LeaseLost(job.id, attempt);
          return value;
        });
        entry.completedInTx = true;
        return out;
      },
    };
    try {
      const result = await this.handlers[job.job_type]!(job, ctx);
      if (entry.abandoned) return;
      const durationMs = performance.now() - entry.startedAt;
      if (!entry.completedInTx) {
        this.completions.push({ id: job.id, attempt, duration_ms: durationMs, result: toJson(result) });
        this.scheduleFlush();
      } else this.stats.succeeded++;
      if (this.logger.isLevelEnabled('info')) logger().info({ event: 'job.succeeded', duration_ms: Math.round(durationMs * 100) / 100 });
    } catch (err) {
      if (!entry.abandoned) this.track(this.recordFailure(job, err, performance.now() - entry.startedAt, logger()));
    } finally {
      this.avgHandlerMs = this.avgHandlerMs * 0.9 + (performance.now() - entry.startedAt) * 0.1;
      this.running.delete(key);
      for (const notify of this.settled) notify();
      this.startFromBuffer();
      // A finished keyed job frees a slot of its key: keyed jobs may be claimable now.
      // Refill while half the buffer is left, so the next claim overlaps the work on this one.
      if (this.buffer.length <= this.prefetch() / 2 || job.concurrency_key !== null) this.kick(job.concurrency_key !== null);
    }
  }

  private async recordFailure(job: Job, err: unknown, durationMs: number, logger: Logger): Promise<void> {
    if (err instanceof LeaseLost) {
      this.stats.refused++;
      logger.warn({ event: 'job.outcome_refused', reason: 'lease lost' });
      return;
    }
    if (err instanceof JobSnoozed) return this.recordSnooze(job, err, durationMs, logger);
    const error = snapshotError(err);
    const now = this.store.clock.now();
    const outcome = !error.retryable ? 'failed' : job.attempt_count > job.max_retries ? 'dead' : 'retry';
    const runAt =
      outcome === 'retry'
        ? nextRunAt(this.store.defaults.backoff, job.attempt_count, now, error.retry_at ? new Date(error.retry_at) : undefined, this.random)
        : undefined;
    try {
      const ok = await failJob(this.store.db, this.store.sql, this.id, { id: job.id, attempt: job.attempt_count, durationMs, outcome, runAt, error }, now);
      if (ok) {
        this.stats.failed++;
        const level = outcome === 'retry' ? 'warn' : 'error';
        logger[level]({ event: `job.${outcome}`, error_class: error.class, error_message: error.message, run_at: runAt?.toISOString() });
      } else {
        this.stats.refused++;
        logger.warn({ event: 'job.outcome_refused', reason: 'lease lost or job cancelled', error_class: error.class });
      }
    } catch (writeErr) {
      // The lease will expire and the reaper will record the attempt as lost; nothing is lost.
      logger.error({ event: 'job.fail_write_failed', err: writeErr });
    }
  }

  private async recordSnooze(job: Job, snooze: JobSnoozed, durationMs: number, logger: Logger): Promise<void> {
    const now = this.store.clock.now();
    const runAt = new Date(now.getTime() + snooze.delayMs);
    try {
      const ok = await snoozeJob(this.store.db, this.store.sql, this.id, { id: job.id, attempt: job.attempt_count, durationMs, runAt, reason: snooze.message }, now);
      if (ok) {
        this.store.notifier.poke();
        if (logger.isLevelEnabled('debug')) logger.debug({ event: 'job.snoozed', run_at: runAt.toISOString() });
      } else {
        this.stats.refused++;
        logger.warn({ event: 'job.outcome_refused', reason: 'lease lost or job cancelled', outcome: 'snoozed' });
      }
    } catch (writeErr) {
      logger.error({ event: 'job.snooze_write_failed', err: writeErr });
    }
  }

  private scheduleFlush(): void {
    if (this.completions.length >= this.batchSize) void this.flush();
    else if (!this.flushing) setImmediate(() => void this.flush());
  }

  /** Writes buffered successes, one statement per batch, one batch in flight at a time. */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.completions.length === 0) return;
    const batch = this.completions.splice(0, this.batchSize);
    this.flushing = (async () => {
      try {
        const done = await completeJobs(this.store.db, this.store.sql, this.id, batch, this.store.clock.now());
        this.stats.succeeded += done.size;
        if (done.size < batch.length) {
          const refused = batch.filter((b) => !done.has(attemptKey(b.id, b.attempt))).map((b) => b.id);
          this.stats.refused += refused.length;
          for (const id of refused) this.logger.warn({ event: 'job.outcome_refused', job_id: id, reason: 'lease lost or job cancelled' });
        }
        if (this.logger.isLevelEnabled('debug')) this.logger.debug({ event: 'jobs.succeeded', attempts: [...done] });
      } catch (err) {
        // Not written: the leases expire and the reaper records lost attempts; the jobs run again.
        this.logger.error({ event: 'worker.complete_failed', err, job_ids: batch.map((b) => b.id) });
      } finally {
        this.flushing = undefined;
      }
    })();
    await this.flushing;
    if (this.completions.length > 0) await this.flush();
  }

  private async heartbeat(): Promise<void> {
    const held = [...this.running.values()].map((r) => r.job).concat(this.buffer);
    if (held.length === 0) return;
    const kept = await renewLeases(
      this.store.db,
      this.store.sql,
      this.id,
      held.map((j) => ({ id: j.id, attempt: j.attempt_count })),
      this.leaseMs,
      this.store.clock.now(),
    );
    for (const job of held) {
      if (kept.has(attemptKey(job.id, job.attempt_count))) continue;
      this.logger.warn({ event: 'job.lease_lost', job_id: job.id, attempt: job.attempt_count });
      this.running.get(attemptKey(job.id, job.attempt_count))?.controller.abort(new LeaseLost(job.id, job.attempt_count));
      this.buffer = this.buffer.filter((b) => b !== job);
    }
  }

  private async reclaim(): Promise<void> {
    try {
      const ids = await this.store.reclaimExpiredLeases();
      if (ids.length > 0) {
        this.logger.warn({ event: 'jobs.leases_reclaimed', job_ids: ids });
        this.kick(true);
      }
    } catch (err) {
      this.logger.error({ event: 'worker.reclaim_failed', err });
    }
  }

  private track(p: Promise<unknown>): void {
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
  }

  private allSettled(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.running.size === 0) {
          this.settled.delete(check);
          resolve();
        }
      };
      this.settled.add(check);
      check();
    });
  }
}

function positive(name: string, n: number): number {
  if (!(typeof n === 'number' && Number.isFinite(n) && n > 0)) throw new Error(`${name} must be a positive number, got ${n}`);
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    JSON.stringify(value);
    return value;
  } catch {
    return { unserializable: String(value) };
  }
}
