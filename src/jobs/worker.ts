/**
 * The worker: claims jobs in batches, runs their handlers with a concurrency limit, and records each
 * outcome under the lease guard. Execution is at-least-once (a crash after the handler's side effect
 * and before the outcome runs it again), so handlers are idempotent; database side effects can be made
 * exactly-once with `ctx.completeInTransaction`.
 *
 * Around the loop: NOTIFY wakes it when jobs arrive (polling is the fallback), heartbeats renew the
 * leases of running jobs, a reaper returns other workers' expired leases, and `stop()` drains
 * gracefully and releases whatever did not finish in the grace period. Successes are written in
 * batches, each by the statement that also claims the next jobs; at most two statements are in flight.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../log.ts';
import { nextRunAt } from './backoff.ts';
import { snapshotError } from './classify.ts';
import { JobCancelled, JobSnoozed, LeaseLost, WorkerShutdown } from './errors.ts';
import { JobRun, type JobContext, type RunEnv } from './job-run.ts';
import { claimKeyed, claimUnkeyed, completeAndClaimUnkeyed, type ClaimParams } from './sql/claim.ts';
import { attemptKey, completeJobs, completionRounds, type Completion } from './sql/complete.ts';
import { failJob } from './sql/fail.ts';
import { releaseLeases, renewLeases } from './sql/lease.ts';
import { snoozeJob } from './sql/snooze.ts';
import type { JobStore } from './store.ts';
import type { Job } from './types.ts';
import { Scheduler } from './scheduler.ts';

export type { JobContext } from './job-run.ts';

/**
 * Statements one worker keeps in flight: two, so that while one claims (and records successes) on one
 * connection, another does on a second — the database side is the slower one for short handlers.
 */
const LANES = 2;
/** Beside a statement in flight, a claim goes only for at least this share of the prefetch depth. */
const SECOND_LANE_MIN = 0.5;
/** The adaptive prefetch keeps about this much work (ms, all slots together) claimed ahead… */
const PREFETCH_WORK_MS = 100;
/** …but never more jobs than this. */
const MAX_PREFETCH = 2000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobHandler<Payload = any> = (job: Job<Payload>, ctx: JobContext<Payload>) => unknown;

export interface WorkerOptions {
  handlers: Record<string, JobHandler>;
  /** Handlers running at once in this process. Default 10. */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots, so a finished slot refills without a round trip. Default:
   * adaptive — about 100 ms of work at the measured handler time, between the concurrency and 2000:
   * deep for quick handlers, so claims are few and large; shallow for slow ones, so one worker never
   * hoards jobs others could run.
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
  /** Successes written per statement, at most. Default 1000. */
  completionBatchSize?: number;
  /** Also fire recurring schedules from this worker. Default true. */
  schedules?: boolean;
  workerId?: string;
  logger?: Logger;
  random?: () => number;
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
  private avgHandlerMs = 0;
  private handlerSamples = 0;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly reclaimIntervalMs: number;
  private readonly graceMs: number;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly scheduler: Scheduler | undefined;
  private readonly runEnv: RunEnv;

  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  // Keyed by job id and attempt: after its own lease expired, a worker may hold two attempts of one job.
  private readonly running = new Map<string, JobRun>();
  private buffer: Job[] = [];
  // Statements in flight, each claiming jobs and/or recording successes; at most LANES at once.
  private readonly lanes = new Set<Promise<void>>();
  /** Jobs the claims in flight may bring. */
  private claimsInFlight = 0;
  /** A NOTIFY, poll or freed slot asked for a claim that no lane has made yet. */
  private claimDue = false;
  /** Wake-ups so far (to tell whether one came while a claim was in flight). */
  private kicks = 0;
  private claimingKeyed = false;
  private claimRound = 0;
  private keyedDue = true;
  /** Wake-ups that may concern keyed jobs, counted so a claim in flight can tell it missed one. */
  private keyedWakeups = 0;
  private completions: Completion[] = [];
  private flushScheduled = false;
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
    this.batchSize = positive('completionBatchSize', options.completionBatchSize ?? 1000);
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.logger = (options.logger ?? silentLogger).child({ worker_id: this.id });
    this.random = options.random ?? Math.random;
    this.scheduler = options.schedules === false ? undefined : new Scheduler(store, this.logger);
    this.runEnv = { db: store.db, sql: store.sql, clock: store.clock, workerId: this.id, logger: this.logger };
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
          if (String(entry.job.id) === payload) entry.abort(new JobCancelled(entry.job.id));
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
    // No new claim starts; wait for those in flight.
    while ((this.claimsInFlight > 0 || this.claimingKeyed) && this.lanes.size > 0) await Promise.race([...this.lanes]);
    // A claim that was in flight when stop was called has landed: what it took for a free slot runs
    // (within the grace period, like the rest); what was claimed ahead goes back untouched.
    this.startFromBuffer(true);
    const notStarted = this.buffer.splice(0);
    if (this.running.size > 0) await Promise.race([this.allSettled(), sleep(graceMs)]);
    const unfinished = [...this.running.values()];
    for (const r of unfinished) {
      r.abandoned = true;
      r.abort(new WorkerShutdown());
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
      await this.drain();
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
    if (anyKind) {
      this.keyedDue = true;
      this.keyedWakeups++;
    }
    this.kicks++;
    this.claimDue = true;
    this.pump();
  }

  /** Jobs the worker may still take: slots and prefetch, less what it holds and what claims in flight may bring. */
  private room(): number {
    return this.concurrency + this.prefetch() - this.running.size - this.buffer.length - this.claimsInFlight;
  }

  /**
   * Starts statements while a lane is free. A claim goes when one is due — beside a statement already in
   * flight only when it would bring a worthwhile batch — and carries the successes waiting to be
   * written. Those go on their own when no claim takes them: at once when nothing else is in flight,
   * otherwise when a whole batch is waiting.
   */
  private pump(): void {
    while (this.lanes.size < LANES) {
      const room = this.room();
      if (this.claimDue && (room <= 0 || this.state !== 'running')) this.claimDue = false;
      const share = Math.max(this.concurrency, Math.ceil(SECOND_LANE_MIN * this.prefetch()));
      if (this.claimDue && (this.lanes.size === 0 || room >= share)) {
        // At most a share per statement, so a deep refill goes out as two claims side by side rather
        // than one twice as long that the handlers wait for.
        const limit = Math.min(room, share);
        this.claimDue = limit < room;
        this.startLane(limit);
      } else if (this.completions.length > 0 && (this.lanes.size === 0 || this.completions.length >= this.batchSize)) {
        this.startLane(0);
      } else return;
    }
  }

  private startLane(limit: number): void {
    const lane = this.runLane(limit, this.takeCompletions()).finally(() => {
      this.lanes.delete(lane);
      this.pump();
    });
    this.lanes.add(lane);
  }

  /** One statement: claims up to `limit` jobs (none when 0) and records the successes of `round`. */
  private async runLane(limit: number, round: Completion[]): Promise<void> {
    const now = this.store.clock.now();
    if (limit === 0) {
      if (round.length === 0) return;
      try {
        const done = await completeJobs(this.store.db, this.store.sql, this.id, round, now);
        this.recordCompleted(round, done.size, () => done);
      } catch (err) {
        // Not written: the leases expire and the reaper records lost attempts; the jobs run again.
        this.logger.error({ event: 'worker.complete_failed', err, job_ids: round.map((b) => b.id) });
      }
      return;
    }
    const params = { workerId: this.id, limit, leaseMs: this.leaseMs, jobTypes: this.jobTypes, now };
    const kicks = this.kicks;
    let jobs: Job[] = [];
    this.claimsInFlight += limit;
    try {
      if (round.length > 0) {
        const out = await completeAndClaimUnkeyed(this.store.db, this.store.sql, params, round);
        this.recordCompleted(round, out.completed.length, () => new Set(out.completed.map((r) => attemptKey(r.id, r.attempt_count))));
        jobs = out.jobs;
      } else jobs = await claimUnkeyed(this.store.db, this.store.sql, params);
    } catch (err) {
      this.logger.error({ event: 'worker.claim_failed', err });
      if (round.length > 0) this.logger.error({ event: 'worker.complete_failed', err, job_ids: round.map((b) => b.id) });
      return;
    } finally {
      this.claimsInFlight -= limit;
    }
    this.accept(jobs);
    // A full batch: there may be more. A short one: the queue is drained, and only a wake-up since this
    // claim began (or a later one) makes another claim worth a round trip.
    if (jobs.length === limit) this.claimDue = true;
    else if (this.kicks === kicks) this.claimDue = false;
    try {
      await this.claimKeyedIfDue(params);
    } catch (err) {
      this.logger.error({ event: 'worker.claim_failed', err });
    }
  }

  /**
   * Keyed jobs take a slower path (a transaction with advisory locks), so it runs only when there may be
   * some: after a wake-up or poll, after a keyed job finished, after it last found work. Only for slots
   * free now, never into the buffer: a keyed job claimed but waiting here would hold one of its key's
   * few slots while other workers sit idle (bench:orchestrate saw 10–25 s of that); what another claim in
   * flight may bring counts as taken. Every eighth round one is claimed even with no slot free, so a
   * flood of unkeyed jobs that keeps every slot busy cannot starve keyed ones. One at a time per worker.
   */
  private async claimKeyedIfDue(params: ClaimParams): Promise<void> {
    if (this.claimingKeyed || this.state !== 'running') return;
    const free = this.concurrency - this.running.size - this.buffer.length - this.claimsInFlight;
    const starving = ++this.claimRound % 8 === 0;
    if (!((free > 0 && this.keyedDue) || starving)) return;
    this.keyedDue = false;
    this.claimingKeyed = true;
    const wakeups = this.keyedWakeups;
    try {
      const keyed = await claimKeyed(this.store.db, this.store.sql, { ...params, limit: Math.max(1, free), now: this.store.clock.now() });
      if (keyed.length > 0) this.keyedDue = true;
      this.accept(keyed);
    } finally {
      this.claimingKeyed = false;
      // A wake-up that came while this claim was in flight found it busy and left without claiming; the
      // job it announced may have committed after this claim's snapshot. Claim again (the lane's end
      // pumps), or that job would wait for the next poll.
      if (this.keyedWakeups !== wakeups && this.state === 'running') this.claimDue = true;
    }
  }

  private prefetch(): number {
    if (this.fixedPrefetch !== undefined) return this.fixedPrefetch;
    // Shallow until a slot's worth of handlers has been timed: never hoard on a guess.
    if (this.handlerSamples < this.concurrency) return this.concurrency;
    // About a tenth of a second of work per worker, up to 2000 jobs: for quick handlers claims are then
    // large (the database's cost per job halves from claims of a hundred to claims of a thousand), for
    // slow ones a worker holds no more than its slots, so it never sits on jobs others could run.
    const depth = Math.round((this.concurrency * PREFETCH_WORK_MS) / Math.max(this.avgHandlerMs, 0.001));
    return Math.min(Math.max(depth, this.concurrency), MAX_PREFETCH);
  }

  /** Takes freshly claimed jobs: starts what fits, keeps the rest leased in the local buffer. */
  private accept(jobs: Job[]): void {
    if (jobs.length === 0) return;
    this.stats.claimed += jobs.length;
    this.buffer.push(...jobs);
    this.startFromBuffer();
  }

  private startFromBuffer(stopping = false): void {
    while (this.running.size < this.concurrency && this.buffer.length > 0 && (this.state === 'running' || stopping)) {
      void this.run(this.buffer.shift()!);
    }
  }

  private async run(job: Job): Promise<void> {
    const entry = new JobRun(this.runEnv, job);
    const attempt = entry.attempt;
    const key = attemptKey(job.id, attempt);
    this.running.set(key, entry);
    try {
      const result = await this.handlers[job.job_type]!(job, entry);
      if (entry.abandoned) return;
      const durationMs = performance.now() - entry.startedAt;
      if (!entry.completedInTx) {
        this.completions.push({ id: job.id, attempt, duration_ms: durationMs, result: toJson(result) });
        this.scheduleFlush();
      } else this.stats.succeeded++;
      if (this.logger.isLevelEnabled('info')) entry.logger.info({ event: 'job.succeeded', duration_ms: Math.round(durationMs * 100) / 100 });
    } catch (err) {
      if (!entry.abandoned) this.track(this.recordFailure(job, err, performance.now() - entry.startedAt, entry.logger));
    } finally {
      // The mean of the first ten durations, then a moving average that follows changes.
      this.handlerSamples++;
      this.avgHandlerMs += (performance.now() - entry.startedAt - this.avgHandlerMs) * Math.max(0.1, 1 / this.handlerSamples);
      this.running.delete(key);
      if (this.settled.size > 0) for (const notify of this.settled) notify();
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

  /** A success is waiting to be written: look at the end of this turn of the event loop, so one statement takes all of a burst. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.pump();
    });
  }

  /** Takes up to a batch of buffered successes, each job at most once (see completionRounds). */
  private takeCompletions(): Completion[] {
    if (this.completions.length === 0) return [];
    const [round, ...later] = completionRounds(this.completions.splice(0, this.batchSize));
    for (const rest of later.reverse()) this.completions.unshift(...rest);
    return round!;
  }

  /** Counts the written successes of `batch`, and logs the refused ones (lease lost or job cancelled). */
  private recordCompleted(batch: readonly Completion[], accepted: number, acceptedKeys: () => Set<string>): void {
    this.stats.succeeded += accepted;
    if (accepted < batch.length) {
      const done = acceptedKeys();
      const refused = batch.filter((b) => !done.has(attemptKey(b.id, b.attempt))).map((b) => b.id);
      this.stats.refused += refused.length;
      for (const id of refused) this.logger.warn({ event: 'job.outcome_refused', job_id: id, reason: 'lease lost or job cancelled' });
    }
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ event: 'jobs.succeeded', attempts: [...acceptedKeys()] });
  }

  /** Waits for every statement in flight, then writes whatever successes are still waiting (at shutdown). */
  private async drain(): Promise<void> {
    for (;;) {
      if (this.lanes.size > 0) await Promise.allSettled([...this.lanes]);
      else if (this.completions.length > 0) this.startLane(0);
      else return;
    }
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
      this.running.get(attemptKey(job.id, job.attempt_count))?.abort(new LeaseLost(job.id, job.attempt_count));
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
