/**
 * Recurring jobs. A schedule names a job (type, entity, payload) and a cadence — a cron expression in
 * UTC or a fixed interval. Any worker may fire a due schedule: `FOR UPDATE SKIP LOCKED` picks each due
 * row once, the job is enqueued with an idempotency key made of the schedule and the fire time, and
 * the enqueue is idempotent per entity, so a slow previous run is never doubled. Missed fire times
 * (all workers down) are skipped, not replayed in a burst.
 */
import { Cron } from 'croner';
import type { Logger } from '../log.ts';
import { ValidationError } from '../protocol/errors.ts';
import { enqueueJobs } from './sql/enqueue.ts';
import type { JobStore } from './store.ts';

export interface ScheduleInput {
  name: string;
  jobType: string;
  entityId: string;
  payload?: unknown;
  /** Cron expression (5 or 6 fields), evaluated in UTC. Exactly one of cron and everySeconds. */
  cron?: string;
  everySeconds?: number;
  priority?: number;
  maxRetries?: number;
  enabled?: boolean;
}

export interface Schedule {
  name: string;
  job_type: string;
  entity_id: string;
  payload: unknown;
  cron: string | null;
  every_seconds: number | null;
  priority: number;
  max_retries: number | null;
  enabled: boolean;
  next_run_at: Date;
  last_run_at: Date | null;
  last_job_id: number | null;
}

/** The first fire time strictly after `after`. */
export function nextFireTime(s: { cron: string | null; every_seconds: number | null }, after: Date): Date {
  if (s.cron !== null) {
    const next = new Cron(s.cron, { timezone: 'UTC', paused: true }).nextRun(after);
    if (!next) throw new ValidationError(`cron: ${JSON.stringify(s.cron)} never fires again`, { detail: { field: 'cron' } });
    return next;
  }
  return new Date(after.getTime() + s.every_seconds! * 1000);
}

export function validateSchedule(input: ScheduleInput): void {
  const bad = (field: string, why: string) => {
    throw new ValidationError(`${field}: ${why}`, { detail: { field } });
  };
  if (!/^[\w.:-]{1,200}$/.test(input.name ?? '')) bad('name', 'use 1 to 200 letters, digits, _ . : -');
  if ((input.cron === undefined) === (input.everySeconds === undefined)) bad('cron', 'give exactly one of cron and every_seconds');
  if (input.cron !== undefined) {
    try {
      new Cron(input.cron, { timezone: 'UTC', paused: true });
    } catch (err) {
      bad('cron', `invalid cron expression: ${(err as Error).message}`);
    }
  }
  if (input.everySeconds !== undefined && !(Number.isFinite(input.everySeconds) && input.everySeconds > 0)) {
    bad('every_seconds', 'must be a positive number');
  }
}

export class Scheduler {
  private readonly store: JobStore;
  private readonly logger: Logger;
  constructor(store: JobStore, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  /** Creates or replaces a schedule; its next fire time is computed from now. */
  static async upsert(store: JobStore, input: ScheduleInput): Promise<Schedule> {
    validateSchedule(input);
    const now = store.clock.now();
    const cadence = { cron: input.cron ?? null, every_seconds: input.everySeconds ?? null };
    const { rows } = await store.db.query<Schedule>(
      `insert into ${store.sql.s}.schedules (name, job_type, entity_id, payload, cron, every_seconds, priority,
         max_retries, enabled, next_run_at, created_at, updated_at)
       values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $11)
       on conflict (name) do update set job_type = excluded.job_type, entity_id = excluded.entity_id,
         payload = excluded.payload, cron = excluded.cron, every_seconds = excluded.every_seconds,
         priority = excluded.priority, max_retries = excluded.max_retries, enabled = excluded.enabled,
         next_run_at = excluded.next_run_at, updated_at = excluded.updated_at
       returning *`,
      [
        input.name,
        input.jobType,
        input.entityId,
        JSON.stringify(input.payload ?? {}),
        cadence.cron,
        cadence.every_seconds,
        input.priority ?? 0,
        input.maxRetries ?? null,
        input.enabled ?? true,
        nextFireTime(cadence, now),
        now,
      ],
    );
    return rows[0]!;
  }

  static async list(store: JobStore): Promise<Schedule[]> {
    const { rows } = await store.db.query<Schedule>(`select * from ${store.sql.s}.schedules order by name`);
    return rows;
  }

  static async remove(store: JobStore, name: string): Promise<boolean> {
    const { rowCount } = await store.db.query(`delete from ${store.sql.s}.schedules where name = $1`, [name]);
    return rowCount > 0;
  }

  /** Fires every due schedule once; returns how many fired. */
  async tick(): Promise<number> {
    const { db, sql: c } = this.store;
    const now = this.store.clock.now();
    return db.transaction(async (tx) => {
      const { rows: due } = await tx.query<Schedule>(
        `select * from ${c.s}.schedules where enabled and next_run_at <= $1
         order by next_run_at limit 50 for update skip locked`,
        [now],
      );
      for (const s of due) {
        const [res] = await enqueueJobs(
          tx,
          c,
          [
            {
              jobType: s.job_type,
              entityId: s.entity_id,
              payload: s.payload,
              priority: s.priority,
              scheduleName: s.name,
              idempotencyKey: `schedule:${s.name}:${s.next_run_at.toISOString()}`,
              ...(s.max_retries === null ? {} : { maxRetries: s.max_retries }),
            },
          ],
          this.store.defaults,
          now,
          { notifyInTx: true },
        );
        const next = nextFireTime(s, now > s.next_run_at ? now : s.next_run_at);
        await tx.query(
          `update ${c.s}.schedules set next_run_at = $2, last_run_at = $3, last_job_id = $4, updated_at = $3 where name = $1`,
          [s.name, next, now, res!.job.id],
        );
        this.logger.info({ event: 'schedule.fired', schedule: s.name, job_id: res!.job.id, created: res!.created, next_run_at: next });
      }
      return due.length;
    });
  }
}
