/** Queue metrics computed from the database, so every process reports the same numbers. */
import type { Queryable } from '../../db/db.ts';
import type { SqlContext } from './context.ts';

export interface JobMetrics {
  total_jobs: number;
  /** Jobs that reached an end state: succeeded, failed, dead or cancelled. */
  finished_jobs: number;
  succeeded_jobs: number;
  /** succeeded / (succeeded + failed + dead); null before any job ended that way. */
  success_rate: number | null;
  /** Attempts beyond each job's first. */
  retry_count: number;
  attempt_count: number;
  avg_attempt_duration_ms: number | null;
  by_status: Record<string, number>;
  by_type: Record<string, Record<string, number>>;
  /** Seconds the oldest due, ready job has waited past its run_at; 0 when none waits. */
  queue_lag_seconds: number;
  oldest_pending_job: { id: number; job_type: string; created_at: Date; run_at: Date } | null;
}

export async function jobMetrics(q: Queryable, c: SqlContext, now: Date): Promise<JobMetrics> {
  const [counts, attempts, lag, oldest] = await Promise.all([
    q.query<{ status: string; job_type: string; n: number; retries: number }>(
      `select status, job_type, count(*)::integer as n, sum(greatest(attempt_count - 1, 0))::integer as retries
       from ${c.s}.jobs group by status, job_type`,
    ),
    q.query<{ n: number; avg: number | null }>(
      `select count(*)::integer as n, avg(duration_ms)::double precision as avg from ${c.s}.job_attempts`,
    ),
    q.query<{ run_at: Date | null }>(
      `select min(run_at) as run_at from ${c.s}.jobs
       where status = 'pending' and pending_dependencies = 0 and run_at <= $1::timestamptz`,
      [now],
    ),
    q.query<{ id: number; job_type: string; created_at: Date; run_at: Date }>(
      `select id, job_type, created_at, run_at from ${c.s}.jobs where status = 'pending' order by created_at, id limit 1`,
    ),
  ]);
  const byStatus: Record<string, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, dead: 0, cancelled: 0 };
  const byType: Record<string, Record<string, number>> = {};
  let total = 0;
  let retries = 0;
  for (const r of counts.rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    (byType[r.job_type] ??= {})[r.status] = r.n;
    total += r.n;
    retries += r.retries;
  }
  const ended = byStatus.succeeded! + byStatus.failed! + byStatus.dead!;
  const lagFrom = lag.rows[0]?.run_at;
  return {
    total_jobs: total,
    finished_jobs: ended + byStatus.cancelled!,
    succeeded_jobs: byStatus.succeeded!,
    success_rate: ended === 0 ? null : byStatus.succeeded! / ended,
    retry_count: retries,
    attempt_count: attempts.rows[0]?.n ?? 0,
    avg_attempt_duration_ms: attempts.rows[0]?.avg ?? null,
    by_status: byStatus,
    by_type: byType,
    queue_lag_seconds: lagFrom ? Math.max(0, (now.getTime() - lagFrom.getTime()) / 1000) : 0,
    oldest_pending_job: oldest.rows[0] ?? null,
  };
}
