/**
 * Operator controls, each a state rule (invariant 6: history is append-only):
 * - cancel: pending or running only; a running job's attempt is recorded `cancelled` and its worker is
 *   told over NOTIFY to abort the handler, whose late outcome the lease guard then refuses;
 * - retry: failed only; the job goes back to pending and keeps its attempts, adding new ones;
 * - replay: a finished job only; a new job linked to the old job and its last attempt.
 */
import type { Db } from '../../db/db.ts';
import { JobNotFound, JobStateError } from '../errors.ts';
import type { EnqueueResult, Job } from '../types.ts';
import type { SqlContext } from './context.ts';
import { cancelDependents } from './dependents.ts';
import { enqueueJobs, type EnqueueDefaults } from './enqueue.ts';

const UNIQUE_VIOLATION = '23505';

async function lockJob(db: Pick<Db, 'query'>, c: SqlContext, id: number): Promise<Job> {
  const { rows } = await db.query<Job>(`select * from ${c.s}.jobs where id = $1 for update`, [id]);
  if (!rows[0]) throw new JobNotFound(id);
  return rows[0];
}

export async function cancelJob(db: Db, c: SqlContext, id: number, reason: string, now: Date): Promise<Job> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, c, id);
    if (job.status !== 'pending' && job.status !== 'running') {
      throw new JobStateError(`job ${id} is ${job.status}: only pending or running jobs can be cancelled`, id, job.status);
    }
    if (job.status === 'running') {
      await tx.query(
        `insert into ${c.s}.job_attempts (job_id, number, worker_id, started_at, finished_at, duration_ms, outcome,
           error_class, error_message)
         values ($1, $2, $3, $4, $5, extract(epoch from ($5::timestamptz - $4::timestamptz)) * 1000, 'cancelled', 'Cancelled', $6)`,
        [id, job.attempt_count, job.lease_owner, job.attempt_started_at, now, reason],
      );
    }
    const { rows } = await tx.query<Job>(
      `update ${c.s}.jobs set status = 'cancelled', lease_owner = null, lease_expires_at = null,
         finished_at = $2, updated_at = $2,
         last_error = jsonb_build_object('class', 'Cancelled', 'message', $3::text, 'retryable', false)
       where id = $1 returning *`,
      [id, now, reason],
    );
    if (job.status === 'running') await tx.query('select pg_notify($1, $2)', [c.cancelChannel, String(id)]);
    if (job.has_dependents) await cancelDependents(tx, c, [{ id, status: 'cancelled' }], now);
    return rows[0]!;
  });
}

export async function retryJob(db: Db, c: SqlContext, id: number, now: Date): Promise<Job> {
  try {
    return await db.transaction(async (tx) => {
      const job = await lockJob(tx, c, id);
      if (job.status !== 'failed') {
        throw new JobStateError(`job ${id} is ${job.status}: only failed jobs can be retried (replay creates a new job)`, id, job.status);
      }
      const { rows } = await tx.query<Job>(
        `update ${c.s}.jobs set status = 'pending', run_at = $2, finished_at = null, updated_at = $2
         where id = $1 returning *`,
        [id, now],
      );
      return rows[0]!;
    });
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new JobStateError(`job ${id} cannot be retried: another job for the same type and entity is active`, id, 'failed');
    }
    throw err;
  }
}

export async function replayJob(
  db: Db,
  c: SqlContext,
  id: number,
  defaults: EnqueueDefaults,
  now: Date,
  correlationId?: string,
): Promise<EnqueueResult> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, c, id);
    if (job.status === 'pending' || job.status === 'running') {
      throw new JobStateError(`job ${id} is ${job.status}: only finished jobs can be replayed`, id, job.status);
    }
    const { rows } = await tx.query<{ id: number }>(
      `select id from ${c.s}.job_attempts where job_id = $1 order by number desc limit 1`,
      [id],
    );
    const [result] = await enqueueJobs(
      tx,
      c,
      [
        {
          jobType: job.job_type,
          entityId: job.entity_id,
          payload: job.payload,
          priority: job.priority,
          maxRetries: job.max_retries,
          // A new job gets its own correlation id (a trace per job) unless the caller passes one.
          ...(correlationId ? { correlationId } : {}),
          ...(job.concurrency_key === null ? {} : { concurrencyKey: job.concurrency_key, concurrencyLimit: job.concurrency_limit }),
          replayOfJobId: id,
          ...(rows[0] ? { replayOfAttemptId: rows[0].id } : {}),
        },
      ],
      defaults,
      now,
    );
    if (!result!.created) {
      throw new JobStateError(
        `job ${id} cannot be replayed: job ${result!.job.id} for the same type and entity is still ${result!.job.status}`,
        id,
        job.status,
      );
    }
    return result!;
  });
}
