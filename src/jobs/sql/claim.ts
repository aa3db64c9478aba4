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
import { completionCtes, completionParams, type Completion } from './complete.ts';
import { ms, type SqlContext } from './context.ts';

export interface ClaimParams {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Only these job types (the ones the worker has handlers for). */
  jobTypes: readonly string[];
  now: Date;
}

// The claimed rows are named by primary key (`id = any(array(…))`), never joined to the CTE: the planner
// would hash the whole jobs table to join 500 rows (a sequential scan per claim, growing with history).
//
// What the claim itself sets (status, owner, lease, start time) is not sent back: the worker knows it,
// and every column not returned is a value less to format and parse per job.
const leaseSet = `
  status = 'running',
  attempt_count = j.attempt_count + 1,
  lease_owner = $3,
  lease_expires_at = $1::timestamptz + ${ms('$4')},
  attempt_started_at = $1::timestamptz,
  updated_at = $1::timestamptz`;

const CLAIMED = [
  'id', 'job_type', 'entity_id', 'payload', 'priority', 'run_at', 'attempt_count', 'max_retries', 'correlation_id',
  'idempotency_key', 'concurrency_key', 'concurrency_limit', 'replay_of_job_id', 'replay_of_attempt_id',
  'pending_dependencies', 'has_dependents', 'schedule_name', 'result', 'last_error', 'created_at', 'finished_at',
];
// Times travel as epoch milliseconds: a float is cheaper to format and to parse than a timestamp's text
// (a measurable share of a claim at 40k jobs/s), and a JS Date holds milliseconds anyway.
const TIMES = new Set(['run_at', 'created_at', 'finished_at']);
const claimedColumns = CLAIMED.map((col) => (TIMES.has(col) ? `date_part('epoch', j.${col}) * 1000 as ${col}` : `j.${col}`)).join(', ');

type Times = 'run_at' | 'created_at' | 'finished_at';
type ClaimedRow = Omit<Job, 'status' | 'lease_owner' | 'lease_expires_at' | 'attempt_started_at' | 'updated_at' | Times> & {
  run_at: number;
  created_at: number;
  finished_at: number | null;
};

/** Completes claimed rows with what the claim set, as the row now reads. */
function leased(rows: ClaimedRow[], p: ClaimParams): Job[] {
  const at = p.now.getTime();
  return rows.map((row) => {
    const job = row as unknown as Job;
    job.run_at = new Date(row.run_at);
    job.created_at = new Date(row.created_at);
    job.finished_at = row.finished_at === null ? null : new Date(row.finished_at);
    job.status = 'running';
    job.lease_owner = p.workerId;
    job.lease_expires_at = new Date(at + p.leaseMs);
    job.attempt_started_at = new Date(at);
    job.updated_at = new Date(at);
    return job;
  });
}

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
  where j.id = any(array(select id from next))
  returning ${claimedColumns}`;

// Completing the previous batch and claiming the next in one statement. The two touch different rows
// (running ones and pending ones), so neither sees or blocks the other. Completed rows come back in the
// same result with only id and attempt_count set (job_type, never null on a job, is null on them).
const completeAndClaimSql = (c: SqlContext) => `
  with ${completionCtes(c, { ids: '$6', now: '$1', workerId: '$3', channel: '$7', attempts: '$8', durations: '$9', results: '$10' })},
  next as (
    select id from ${c.s}.jobs
    where status = 'pending' and pending_dependencies = 0 and run_at <= $1::timestamptz
      and concurrency_key is null and job_type = any($5::text[])
    order by priority desc, run_at, id
    limit $2
    for update skip locked
  ), claimed as (
    update ${c.s}.jobs j set ${leaseSet}
    where j.id = any(array(select id from next))
    returning ${claimedColumns}
  )
  select ${CLAIMED.join(', ')} from claimed
  union all
  select ${CLAIMED.map((col) => (col === 'id' || col === 'attempt_count' ? `upd.${col}` : 'null')).join(', ')} from upd
  where (select count(*) from wake) >= 0`;

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
  where j.id = any(array(select id from pick)) and j.status = 'pending'
  returning ${claimedColumns}`;

/** Claims ready jobs without a concurrency key: one statement, the hot path. */
export async function claimUnkeyed(db: Db, c: SqlContext, p: ClaimParams): Promise<Job[]> {
  if (p.limit <= 0) return [];
  const { rows } = await db.query<ClaimedRow>(claimUnkeyedSql(c), [p.now, p.limit, p.workerId, p.leaseMs, p.jobTypes], { prepare: true });
  return leased(rows, p);
}

/**
 * Records the successes of `round` (each job at most once) and claims ready jobs without a concurrency
 * key, in one statement. Returns the claimed jobs and the completions accepted (`id`, `attempt_count`).
 */
export async function completeAndClaimUnkeyed(
  db: Db,
  c: SqlContext,
  p: ClaimParams,
  round: readonly Completion[],
): Promise<{ jobs: Job[]; completed: { id: number; attempt_count: number }[] }> {
  const [ids, channel, attempts, durations, results] = completionParams(c, round);
  const { rows } = await db.query<ClaimedRow>(
    completeAndClaimSql(c),
    [p.now, Math.max(0, p.limit), p.workerId, p.leaseMs, p.jobTypes, ids, channel, attempts, durations, results],
    { prepare: true },
  );
  const claimed: ClaimedRow[] = [];
  const completed: { id: number; attempt_count: number }[] = [];
  for (const row of rows) (row.job_type === null ? completed : claimed).push(row);
  return { jobs: leased(claimed, p), completed };
}

/** Claims ready jobs that carry a concurrency key, never exceeding any key's limit. */
export async function claimKeyed(db: Db, c: SqlContext, p: ClaimParams): Promise<Job[]> {
  if (p.limit <= 0) return [];
  return db.transaction(async (tx) => {
    const { rows: keys } = await tx.query<{ key: string }>(lockKeysSql(c), [p.now, p.jobTypes, `syncbridge:key:${c.schema}:`]);
    if (keys.length === 0) return [];
    const { rows } = await tx.query<ClaimedRow>(claimKeyedSql(c), [
      p.now,
      p.limit,
      p.workerId,
      p.leaseMs,
      p.jobTypes,
      keys.map((k) => k.key),
    ]);
    return leased(rows, p);
  });
}
