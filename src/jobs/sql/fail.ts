/**
 * Recording a failed attempt. The worker has already decided the consequence from the typed error and
 * the attempt budget — retry at a time, failed, or dead — and this writes it under the same lease guard
 * as success, with the error snapshot on the attempt and on the job.
 */
import type { Db } from '../../db/db.ts';
import type { ErrorSnapshot } from '../classify.ts';
import type { SqlContext } from './context.ts';
import { cancelDependents } from './dependents.ts';

export interface Failure {
  id: number;
  attempt: number;
  durationMs: number;
  /** `retry` puts the job back to pending at `runAt`; the others end it. */
  outcome: 'retry' | 'failed' | 'dead';
  runAt: Date | undefined;
  error: ErrorSnapshot;
}

const failSql = (c: SqlContext) => `
  with upd as (
    update ${c.s}.jobs j set
      status = case when $5 = 'retry' then 'pending' else $5 end,
      run_at = coalesce($6::timestamptz, j.run_at),
      lease_owner = null, lease_expires_at = null,
      last_error = $7::jsonb,
      finished_at = case when $5 = 'retry' then null else $2::timestamptz end,
      updated_at = $2::timestamptz
    where j.id = $1 and j.status = 'running' and j.lease_owner = $3 and j.attempt_count = $4
    returning j.id, j.attempt_count, j.attempt_started_at, j.has_dependents, j.status
  ), attempt as (
    insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome,
      error_class, error_message, error_detail)
    select id, attempt_count, $3, attempt_started_at, attempt_started_at + ($8::double precision * interval '1 millisecond'),
      $8, $5, $9, $10, $11::jsonb
    from upd
  )
  select id, has_dependents, status from upd`;

/** Returns false when the lease was lost and nothing was recorded. */
export async function failJob(db: Db, c: SqlContext, workerId: string, f: Failure, now: Date): Promise<boolean> {
  const params = [
    f.id,
    now,
    workerId,
    f.attempt,
    f.outcome,
    f.runAt ?? null,
    JSON.stringify(f.error),
    f.durationMs,
    f.error.class,
    f.error.message,
    f.error.detail === undefined ? null : JSON.stringify(f.error.detail),
  ];
  if (f.outcome === 'retry') {
    const { rows } = await db.query(failSql(c), params);
    return rows.length === 1;
  }
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; has_dependents: boolean; status: string }>(failSql(c), params);
    const row = rows[0];
    if (!row) return false;
    if (row.has_dependents) await cancelDependents(tx, c, [row], now);
    return true;
  });
}
