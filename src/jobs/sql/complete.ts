/**
 * Recording success, for many jobs in one statement. Every outcome is guarded the same way: the row
 * must still be `running`, leased to this worker, on this attempt number — otherwise the lease was
 * taken over and the outcome is refused (fencing, invariant 2). The attempt row is written here, by
 * the worker that ran it; dependents whose last dependency this was become ready.
 */
import type { Queryable } from '../../db/db.ts';
import { ms, type SqlContext } from './context.ts';

export const attemptKey = (id: number, attempt: number) => `${id}:${attempt}`;

export interface Completion {
  id: number;
  attempt: number;
  duration_ms: number;
  result: unknown;
}

const completeSql = (c: SqlContext) => `
  with done as (
    select * from jsonb_to_recordset($1::jsonb) as d(id bigint, attempt integer, duration_ms double precision, result jsonb)
  ), upd as (
    update ${c.s}.jobs j set status = 'succeeded', lease_owner = null, lease_expires_at = null,
      result = d.result, finished_at = $2::timestamptz, updated_at = $2::timestamptz
    from done d
    where j.id = d.id and j.status = 'running' and j.lease_owner = $3 and j.attempt_count = d.attempt
    returning j.id, j.attempt_count, j.attempt_started_at, j.has_dependents, d.duration_ms
  ), attempts as (
    insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome)
    select id, attempt_count, $3, attempt_started_at, attempt_started_at + ${ms('duration_ms')}, duration_ms, 'succeeded'
    from upd
  ), unblocked as (
    update ${c.s}.jobs child set pending_dependencies = child.pending_dependencies - x.n, updated_at = $2::timestamptz
    from (
      select dep.job_id, count(*)::integer as n
      from ${c.s}.job_dependencies dep join upd on dep.depends_on_id = upd.id
      where upd.has_dependents
      group by dep.job_id
    ) x
    where child.id = x.job_id and child.status = 'pending'
    returning child.id, child.pending_dependencies
  ), wake as (
    select pg_notify($4, '') from unblocked where pending_dependencies = 0 limit 1
  )
  select upd.id, upd.attempt_count, (select count(*) from wake) as woke from upd`;

/** Marks the given attempts succeeded; returns `id:attempt` of those whose outcome was accepted. */
export async function completeJobs(
  q: Queryable,
  c: SqlContext,
  workerId: string,
  completions: readonly Completion[],
  now: Date,
): Promise<Set<string>> {
  if (completions.length === 0) return new Set();
  const { rows } = await q.query<{ id: number; attempt_count: number }>(completeSql(c), [
    JSON.stringify(completions.map((x) => ({ ...x, result: x.result === undefined ? null : x.result }))),
    now,
    workerId,
    c.jobsChannel,
  ]);
  return new Set(rows.map((r) => attemptKey(r.id, r.attempt_count)));
}
