/**
 * Recording success, for many jobs in one statement. Every outcome is guarded the same way: the row
 * must still be `running`, leased to this worker, on this attempt number — otherwise the lease was
 * taken over and the outcome is refused (fencing, invariant 2). The attempt row is written here, by
 * the worker that ran it; dependents whose last dependency this was become ready.
 */
import type { Queryable } from '../../db/db.ts';
import { isRunning, ms, type SqlContext } from './context.ts';

export const attemptKey = (id: number, attempt: number) => `${id}:${attempt}`;

export interface Completion {
  id: number;
  attempt: number;
  duration_ms: number;
  result: unknown;
}

// Rows are named by primary key (`id = any($1)`) and each row's own values are looked up by its
// position in the arrays, with no join: a join's plan depends on row estimates, which on a draining
// queue are always stale, and a wrong guess (a nested loop over every batch row) costs 100x.
const at = (array: string) => `(${array})[array_position($1::bigint[], j.id)]`;

const completeSql = (c: SqlContext) => `
  with upd as (
    update ${c.s}.jobs j set status = 'succeeded', lease_owner = null, lease_expires_at = null,
      result = ${at('$7::jsonb[]')}, finished_at = $2::timestamptz, updated_at = $2::timestamptz
    where j.id = any($1::bigint[]) and ${isRunning('j')} and j.lease_owner = $3 and j.attempt_count = ${at('$5::integer[]')}
    returning j.id, j.attempt_count, j.attempt_started_at, j.has_dependents, ${at('$6::double precision[]')} as duration_ms
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
  const accepted = new Set<string>();
  // Rows are matched by id (array_position finds the first), so one statement takes each job once; two
  // attempts of one job (possible after this worker's own lease expired) go in separate rounds.
  let rest = completions;
  while (rest.length > 0) {
    const seen = new Set<number>();
    const round: Completion[] = [];
    const later: Completion[] = [];
    for (const x of rest) {
      (seen.has(x.id) ? later : round).push(x);
      seen.add(x.id);
    }
    const { rows } = await q.query<{ id: number; attempt_count: number }>(completeSql(c), [
      round.map((x) => x.id),
      now,
      workerId,
      c.jobsChannel,
      round.map((x) => x.attempt),
      round.map((x) => x.duration_ms),
      round.map((x) => (x.result === undefined || x.result === null ? null : JSON.stringify(x.result))),
    ], { prepare: true });
    for (const r of rows) accepted.add(attemptKey(r.id, r.attempt_count));
    rest = later;
  }
  return accepted;
}
