/**
 * Leases: renewing them while handlers run, reclaiming the ones whose worker stopped renewing (crashed,
 * hung, partitioned), and giving them back on a graceful shutdown. Whoever ends an attempt writes its
 * row: here, the reaper writes `lease_lost` for the worker that can no longer speak for itself.
 */
import type { Db, Queryable } from '../../db/db.ts';
import { isRunning, ms, type SqlContext } from './context.ts';
import { cancelDependents } from './dependents.ts';

export interface HeldLease {
  id: number;
  attempt: number;
}

/**
 * Ids and attempts as two arrays, one entry per job: statements match rows by id, and of two attempts
 * of one job only the later can still hold the lease.
 */
function leaseArrays(leases: readonly HeldLease[]): [number[], number[]] {
  const latest = new Map<number, number>();
  for (const l of leases) latest.set(l.id, Math.max(l.attempt, latest.get(l.id) ?? 0));
  return [[...latest.keys()], [...latest.values()]];
}

// As in complete.ts: rows by primary key, each row's attempt by its position in the arrays, no join.
const heartbeatSql = (c: SqlContext) => `
  update ${c.s}.jobs j set lease_expires_at = $1::timestamptz + ${ms('$3')}
  where j.id = any($4::bigint[]) and ${isRunning('j')} and j.lease_owner = $2
    and j.attempt_count = ($5::integer[])[array_position($4::bigint[], j.id)]
  returning j.id, j.attempt_count`;

/** Extends the leases still held; returns `id:attempt` of those still held (the others were lost or cancelled). */
export async function renewLeases(
  db: Db,
  c: SqlContext,
  workerId: string,
  leases: readonly HeldLease[],
  leaseMs: number,
  now: Date,
): Promise<Set<string>> {
  if (leases.length === 0) return new Set();
  const { rows } = await db.query<{ id: number; attempt_count: number }>(heartbeatSql(c), [now, workerId, leaseMs, ...leaseArrays(leases)], { prepare: true });
  return new Set(rows.map((r) => `${r.id}:${r.attempt_count}`));
}

/** Locks the job row if this worker still holds the lease on this attempt (inside a transaction). */
export async function holdsLease(q: Queryable, c: SqlContext, workerId: string, id: number, attempt: number): Promise<boolean> {
  const { rows } = await q.query(
    `select 1 from ${c.s}.jobs where id = $1 and status = 'running' and lease_owner = $2 and attempt_count = $3 for update`,
    [id, workerId, attempt],
  );
  return rows.length === 1;
}

const reclaimSql = (c: SqlContext) => `
  with expired as (
    select id, lease_owner from ${c.s}.jobs
    where status = 'running' and lease_expires_at < $1::timestamptz
    order by lease_expires_at
    limit 500
    for update skip locked
  ), upd as (
    update ${c.s}.jobs j set
      status = case when j.attempt_count > j.max_retries then 'dead' else 'pending' end,
      run_at = $1::timestamptz,
      lease_owner = null, lease_expires_at = null,
      finished_at = case when j.attempt_count > j.max_retries then $1::timestamptz end,
      last_error = jsonb_build_object('class', 'LeaseExpired', 'retryable', true,
        'message', 'worker ' || e.lease_owner || ' stopped renewing its lease; attempt ' || j.attempt_count || ' presumed lost'),
      updated_at = $1::timestamptz
    from expired e where j.id = e.id
    returning j.id, j.status, j.attempt_count, j.attempt_started_at, j.has_dependents, e.lease_owner, j.last_error
  ), attempts as (
    insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome,
      error_class, error_message)
    select id, attempt_count, lease_owner, attempt_started_at, $1::timestamptz,
      extract(epoch from ($1::timestamptz - attempt_started_at)) * 1000, 'lease_lost',
      'LeaseExpired', last_error->>'message'
    from upd
  ), wake as (
    select pg_notify($2, '') from upd where status = 'pending' limit 1
  )
  select id, status, has_dependents, (select count(*) from wake) as woke from upd`;

/** Returns expired leases' jobs to pending (or dead past the budget). Returns the reclaimed ids. */
export async function reclaimExpiredLeases(db: Db, c: SqlContext, now: Date): Promise<number[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; status: string; has_dependents: boolean }>(reclaimSql(c), [now, c.jobsChannel]);
    const dead = rows.filter((r) => r.status === 'dead' && r.has_dependents);
    if (dead.length > 0) await cancelDependents(tx, c, dead, now);
    return rows.map((r) => r.id);
  });
}

const releaseStartedSql = (c: SqlContext) => `
  with upd as (
    update ${c.s}.jobs j set status = 'pending', run_at = $1::timestamptz, lease_owner = null,
      lease_expires_at = null, updated_at = $1::timestamptz
    where j.id = any($3::bigint[]) and ${isRunning('j')} and j.lease_owner = $2
      and j.attempt_count = ($5::integer[])[array_position($3::bigint[], j.id)]
    returning j.id, j.attempt_count, j.attempt_started_at
  ), attempts as (
    insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome,
      error_class, error_message)
    select id, attempt_count, $2, attempt_started_at, $1::timestamptz,
      extract(epoch from ($1::timestamptz - attempt_started_at)) * 1000, 'released',
      'WorkerShutdown', 'the worker shut down before the handler finished; the job was released'
    from upd
  ), wake as (select pg_notify($4, '') from upd limit 1)
  select id, (select count(*) from wake) as woke from upd`;

const unclaimSql = (c: SqlContext) => `
  with upd as (
    update ${c.s}.jobs j set status = 'pending', attempt_count = j.attempt_count - 1, lease_owner = null,
      lease_expires_at = null, updated_at = $1::timestamptz
    where j.id = any($3::bigint[]) and ${isRunning('j')} and j.lease_owner = $2
      and j.attempt_count = ($5::integer[])[array_position($3::bigint[], j.id)]
    returning j.id
  ), wake as (select pg_notify($4, '') from upd limit 1)
  select id, (select count(*) from wake) as woke from upd`;

/**
 * Graceful shutdown. Jobs whose handler started and did not finish get a `released` attempt and go
 * back to pending; jobs claimed but never started are handed back as if never claimed.
 */
export async function releaseLeases(
  db: Db,
  c: SqlContext,
  workerId: string,
  started: readonly HeldLease[],
  notStarted: readonly HeldLease[],
  now: Date,
): Promise<number[]> {
  const out: number[] = [];
  if (started.length > 0) {
    const [ids, attempts] = leaseArrays(started);
    const { rows } = await db.query<{ id: number }>(releaseStartedSql(c), [now, workerId, ids, c.jobsChannel, attempts]);
    out.push(...rows.map((r) => r.id));
  }
  if (notStarted.length > 0) {
    const [ids, attempts] = leaseArrays(notStarted);
    const { rows } = await db.query<{ id: number }>(unclaimSql(c), [now, workerId, ids, c.jobsChannel, attempts]);
    out.push(...rows.map((r) => r.id));
  }
  return out;
}
