/** Jobs and attempts as the API serves them: flat snake_case objects, times as ISO-8601 with Z. */
import type { JobWithAttempts } from '../../jobs/store.ts';
import type { Attempt, Job } from '../../jobs/types.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function jobJson(j: Job) {
  return {
    id: j.id,
    job_type: j.job_type,
    entity_id: j.entity_id,
    status: j.status,
    payload: j.payload,
    priority: j.priority,
    attempt_count: j.attempt_count,
    max_retries: j.max_retries,
    run_at: iso(j.run_at)!,
    correlation_id: j.correlation_id,
    idempotency_key: j.idempotency_key,
    concurrency_key: j.concurrency_key,
    replay_of_job_id: j.replay_of_job_id,
    replay_of_attempt_id: j.replay_of_attempt_id,
    pending_dependencies: j.pending_dependencies,
    lease_owner: j.lease_owner,
    lease_expires_at: iso(j.lease_expires_at),
    result: j.result,
    last_error: j.last_error,
    created_at: iso(j.created_at)!,
    updated_at: iso(j.updated_at)!,
    finished_at: iso(j.finished_at),
  };
}

export function attemptJson(a: Attempt) {
  return {
    id: a.id,
    number: a.number,
    worker: a.worker_id,
    outcome: a.outcome,
    started_at: iso(a.started_at)!,
    finished_at: iso(a.finished_at)!,
    duration_ms: a.duration_ms,
    error_class: a.error_class,
    error_message: a.error_message,
    error_detail: a.error_detail,
  };
}

export function jobWithAttemptsJson(j: JobWithAttempts) {
  return { ...jobJson(j), attempts: j.attempts.map(attemptJson), depends_on: j.depends_on };
}
