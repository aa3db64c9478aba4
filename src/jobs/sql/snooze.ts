/**
 * Recording a snoozed attempt: the job goes back to pending at `runAt`, under the same lease guard as
 * any outcome, and its retry budget grows by one so that waiting never turns into dying (the attempt
 * still counts, so attempt numbers stay unique and the history shows every wake-up).
 */
import type { Queryable } from '../../db/db.ts';
import type { SqlContext } from './context.ts';

export interface Snooze {
  id: number;
  attempt: number;
  durationMs: number;
  runAt: Date;
  reason: string;
}

const snoozeSql = (c: SqlContext) => `
  with upd as (
    update ${c.s}.jobs j set
      status = 'pending', run_at = $5::timestamptz, max_retries = j.max_retries + 1,
      lease_owner = null, lease_expires_at = null, updated_at = $2::timestamptz
    where j.id = $1 and j.status = 'running' and j.lease_owner = $3 and j.attempt_count = $4
    returning j.id, j.attempt_count, j.attempt_started_at
  ), attempt as (
    insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome, error_class, error_message)
    select id, attempt_count, $3, attempt_started_at, attempt_started_at + ($6::double precision * interval '1 millisecond'),
      $6, 'snoozed', 'JobSnoozed', $7
    from upd
  )
  select id from upd`;

/** Returns false when the lease was lost (or the job cancelled) and nothing was recorded. */
export async function snoozeJob(db: Queryable, c: SqlContext, workerId: string, s: Snooze, now: Date): Promise<boolean> {
  const { rows } = await db.query(snoozeSql(c), [s.id, now, workerId, s.attempt, s.runAt, s.durationMs, s.reason]);
  return rows.length === 1;
}

/** Brings a pending job's run_at forward to now (a snoozed parent whose children finished). */
export async function runNow(db: Queryable, c: SqlContext, id: number, now: Date): Promise<boolean> {
  const { rows } = await db.query(
    `update ${c.s}.jobs set run_at = $2, updated_at = $2 where id = $1 and status = 'pending' and run_at > $2 returning id`,
    [id, now],
  );
  return rows.length === 1;
}
