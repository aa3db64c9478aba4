/** Reading jobs: one with its attempts, and filtered lists with keyset pagination (newest first). */
import type { Queryable } from '../../db/db.ts';
import type { Attempt, Job, JobStatus } from '../types.ts';
import type { SqlContext } from './context.ts';

export async function getJob(q: Queryable, c: SqlContext, id: number): Promise<Job | undefined> {
  const { rows } = await q.query<Job>(`select * from ${c.s}.jobs where id = $1`, [id]);
  return rows[0];
}

export async function getAttempts(q: Queryable, c: SqlContext, jobId: number): Promise<Attempt[]> {
  const { rows } = await q.query<Attempt>(`select * from ${c.s}.job_attempts where job_id = $1 order by number`, [jobId]);
  return rows;
}

export interface JobFilter {
  status?: JobStatus[];
  jobType?: string[];
  entityId?: string;
  /** Return jobs with an id below this one (the previous page's last id). */
  beforeId?: number;
  limit?: number;
}

export async function listJobs(q: Queryable, c: SqlContext, f: JobFilter): Promise<Job[]> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
  const { rows } = await q.query<Job>(
    `select * from ${c.s}.jobs
     where ($1::text[] is null or status = any($1::text[]))
       and ($2::text[] is null or job_type = any($2::text[]))
       and ($3::text is null or entity_id = $3)
       and ($4::bigint is null or id < $4)
     order by id desc
     limit $5`,
    [f.status?.length ? f.status : null, f.jobType?.length ? f.jobType : null, f.entityId ?? null, f.beforeId ?? null, limit],
  );
  return rows;
}

export async function getDependencies(q: Queryable, c: SqlContext, jobId: number): Promise<{ id: number; status: JobStatus }[]> {
  const { rows } = await q.query<{ id: number; status: JobStatus }>(
    `select j.id, j.status from ${c.s}.job_dependencies d join ${c.s}.jobs j on j.id = d.depends_on_id
     where d.job_id = $1 order by j.id`,
    [jobId],
  );
  return rows;
}
