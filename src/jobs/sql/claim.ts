/**
 * Claiming: take up to N ready jobs and lease them to one worker. Ready means pending, due, and with
 * every dependency succeeded. `FOR UPDATE SKIP LOCKED` lets any number of workers claim at once without
 * waiting on each other or taking the same row (invariant 2).
 *
 * Jobs with a concurrency key take a second, slower path: the claimer first takes a transaction-level
 * advisory lock per key (try-lock, so claimers never queue behind each other), and only then — in a new
 * statement, hence a fresh snapshot — counts the key's running jobs and claims up to its limit. Claims
 * are the only way the running count grows, so the lock makes the count exact.
 */
import type { Db } from '../../db/db.ts';
import type { Job } from '../types.ts';
import { ms, type SqlContext } from './context.ts';

export interface ClaimParams {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Only these job types (the ones the worker has handlers for). */
  jobTypes: readonly string[];
  now: Date;
}

const leaseSet = `
  status = 'running',
  attempt_count = j.attempt_count + 1,
  lease_owner = $3,
  lease_expires_at = $1::timestamptz + ${ms('$4')},
  attempt_started_at = $1::timestamptz,
  updated_at = $1::timestamptz`;

const claimUnkeyedSql = (c: SqlContext) => `
  with next as (
    select id from ${c.s}.jobs
    where status = 'pending' and pending_dependencies = 0 and run_at <= $1::timestamptz
      and concurrency_key is null and job_type = any($5::text[])
    order by priority desc, run_at, id
    limit $2
    for update skip locked
  )
  update ${c.s}.jobs j set ${leaseSet}
  from next where j.id = next.id
  returning j.*`;

const lockKeysSql = (c: SqlContext) => `
  select k.concurrency_key as key
  from (
    select distinct concurrency_key from ${c.s}.jobs
    where status = 'pending' and pending_dependencies = 0 and run_at <= $1::timestamptz
      and concurrency_key is not null and job_type = any($2::text[])
    limit 100
  ) k
  where pg_try_advisory_xact_lock(hashtext($3 || k.concurrency_key))`;

const claimKeyedSql = (c: SqlContext) => `
  with running as (
    select concurrency_key, count(*)::integer as n from ${c.s}.jobs
    where status = 'running' and concurrency_key = any($6::text[])
    group by concurrency_key
  ), ranked as (
    select j.id, j.priority, j.run_at, j.concurrency_limit, coalesce(r.n, 0) as running,
      row_number() over (partition by j.concurrency_key order by j.priority desc, j.run_at, j.id) as rn
    from ${c.s}.jobs j left join running r using (concurrency_key)
    where j.status = 'pending' and j.pending_dependencies = 0 and j.run_at <= $1::timestamptz
      and j.concurrency_key = any($6::text[]) and j.job_type = any($5::text[])
  ), pick as (
    select id from ranked where running + rn <= concurrency_limit
    order by priority desc, run_at, id
    limit $2
  )
  update ${c.s}.jobs j set ${leaseSet}
  from pick where j.id = pick.id and j.status = 'pending'
  returning j.*`;

/** Claims ready jobs without a concurrency key: one statement, the hot path. */
export async function claimUnkeyed(db: Db, c: SqlContext, p: ClaimParams): Promise<Job[]> {
  if (p.limit <= 0) return [];
  const { rows } = await db.query<Job>(claimUnkeyedSql(c), [p.now, p.limit, p.workerId, p.leaseMs, p.jobTypes], { prepare: true });
  return rows;
}

/** Claims ready jobs that carry a concurrency key, never exceeding any key's limit. */
export async function claimKeyed(db: Db, c: SqlContext, p: ClaimParams): Promise<Job[]> {
  if (p.limit <= 0) return [];
  return db.transaction(async (tx) => {
    const { rows: keys } = await tx.query<{ key: string }>(lockKeysSql(c), [p.now, p.jobTypes, `syncbridge:key:${c.schema}:`]);
    if (keys.length === 0) return [];
    const { rows } = await tx.query<Job>(claimKeyedSql(c), [
      p.now,
      p.limit,
      p.workerId,
      p.leaseMs,
      p.jobTypes,
      keys.map((k) => k.key),
    ]);
    return rows;
  });
}
