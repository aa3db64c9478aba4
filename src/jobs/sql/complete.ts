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

/** Where the completion CTEs find their parameters: the statement that embeds them numbers them. */
export interface CompletionParamRefs {
  ids: string;
  now: string;
  workerId: string;
  channel: string;
  attempts: string;
  durations: string;
  results: string;
}

// Rows are named by primary key (`id = any(ids)`), with no join: a join's plan depends on row
// estimates, which on a draining queue are always stale, and a wrong guess (a nested loop over every
// batch row, or a scan of the whole table per batch) costs 100x. Each row's own values (attempt,
// duration, result) come from JSON objects keyed by job id: a key look-up is a binary search, where
// finding the row's position in parallel arrays (array_position) is a linear scan per row — half the
// cost of the whole statement at 500 rows.
const field = (param: string) => `(${param}::jsonb ->> j.id::text)`;

/**
 * The completion as CTEs (`upd`, `attempts`, `unblocked`, `wake`), for a statement of its own or for
 * one that also claims the next jobs (claim.ts): one round trip and one commit instead of two. `wake`
 * runs only where the statement reads it.
 */
export const completionCtes = (c: SqlContext, p: CompletionParamRefs) => `
  upd as (
    update ${c.s}.jobs j set status = 'succeeded', lease_owner = null, lease_expires_at = null,
      result = ${p.results}::jsonb -> j.id::text, finished_at = ${p.now}::timestamptz, updated_at = ${p.now}::timestamptz
    where j.id = any(${p.ids}::bigint[]) and ${isRunning('j')} and j.lease_owner = ${p.workerId}
      and j.attempt_count = ${field(p.attempts)}::integer
    returning j.id, j.attempt_count, j.attempt_started_at, j.has_dependents, ${field(p.durations)}::double precision as duration_ms
  ), attempts as (
    insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome)
    select id, attempt_count, ${p.workerId}, attempt_started_at, attempt_started_at + ${ms('duration_ms')}, duration_ms, 'succeeded'
    from upd
  ), unblocked as (
    update ${c.s}.jobs child set pending_dependencies = child.pending_dependencies - x.n, updated_at = ${p.now}::timestamptz
    from (
      select dep.job_id, count(*)::integer as n
      from ${c.s}.job_dependencies dep join upd on dep.depends_on_id = upd.id
      where upd.has_dependents
      group by dep.job_id
    ) x
    where child.id = x.job_id and child.status = 'pending'
    returning child.id, child.pending_dependencies
  ), wake as (
    select pg_notify(${p.channel}, '') from unblocked where pending_dependencies = 0 limit 1
  )`;

const completeSql = (c: SqlContext) => `
  with ${completionCtes(c, { ids: '$1', now: '$2', workerId: '$3', channel: '$4', attempts: '$5', durations: '$6', results: '$7' })}
  select upd.id, upd.attempt_count, (select count(*) from wake) as woke from upd`;

/** The completion's own parameters for one round (each job once): ids, channel, attempts, durations, results. */
export function completionParams(c: SqlContext, round: readonly Completion[]): [number[], string, string, string, string] {
  const ids: number[] = [];
  const attempts: string[] = [];
  const durations: string[] = [];
  const results: string[] = [];
  for (const x of round) {
    ids.push(x.id);
    attempts.push(`"${x.id}":${x.attempt}`);
    durations.push(`"${x.id}":${Number.isFinite(x.duration_ms) ? x.duration_ms : 0}`);
    if (x.result !== undefined && x.result !== null) results.push(`"${x.id}":${JSON.stringify(x.result)}`);
  }
  return [ids, c.jobsChannel, `{${attempts.join(',')}}`, `{${durations.join(',')}}`, `{${results.join(',')}}`];
}

/**
 * Splits completions into rounds in which each job appears once: the look-ups are by job id, so two
 * attempts of one job (possible after this worker's own lease expired) go in separate statements.
 */
export function completionRounds(completions: readonly Completion[]): Completion[][] {
  const rounds: Completion[][] = [];
  let rest = completions;
  while (rest.length > 0) {
    const seen = new Set<number>();
    const round: Completion[] = [];
    const later: Completion[] = [];
    for (const x of rest) {
      (seen.has(x.id) ? later : round).push(x);
      seen.add(x.id);
    }
    rounds.push(round);
    rest = later;
  }
  return rounds;
}

/** Marks the given attempts succeeded; returns `id:attempt` of those whose outcome was accepted. */
export async function completeJobs(
  q: Queryable,
  c: SqlContext,
  workerId: string,
  completions: readonly Completion[],
  now: Date,
): Promise<Set<string>> {
  const accepted = new Set<string>();
  for (const round of completionRounds(completions)) {
    const [ids, channel, attempts, durations, results] = completionParams(c, round);
    const { rows } = await q.query<{ id: number; attempt_count: number }>(
      completeSql(c),
      [ids, now, workerId, channel, attempts, durations, results],
      { prepare: true },
    );
    for (const r of rows) accepted.add(attemptKey(r.id, r.attempt_count));
  }
  return accepted;
}
