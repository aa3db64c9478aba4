/**
 * The job record as stored and as served: snake_case, one name from the column to the JSON body, so
 * there is no conversion layer to get wrong. Times are Dates (timestamptz, UTC).
 */

export const JOB_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const ACTIVE_STATUSES: readonly JobStatus[] = ['pending', 'running'];
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'dead', 'cancelled'];

export const ATTEMPT_OUTCOMES = ['succeeded', 'retry', 'failed', 'dead', 'cancelled', 'lease_lost', 'released', 'snoozed'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface Job<Payload = unknown> {
  id: number;
  job_type: string;
  entity_id: string;
  payload: Payload;
  status: JobStatus;
  priority: number;
  run_at: Date;
  attempt_count: number;
  max_retries: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  attempt_started_at: Date | null;
  correlation_id: string;
  idempotency_key: string | null;
  concurrency_key: string | null;
  concurrency_limit: number;
  replay_of_job_id: number | null;
  replay_of_attempt_id: number | null;
  pending_dependencies: number;
  has_dependents: boolean;
  schedule_name: string | null;
  result: unknown;
  last_error: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface Attempt {
  id: number;
  job_id: number;
  number: number;
  worker_id: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  outcome: AttemptOutcome;
  error_class: string | null;
  error_message: string | null;
  error_detail: Record<string, unknown> | null;
}

/** What a caller gives to create a job. Everything but type and entity has a default. */
export interface EnqueueInput<Payload = unknown> {
  jobType: string;
  entityId: string;
  payload?: Payload;
  /** Higher runs first; default 0. */
  priority?: number;
  /** Not before this time; default now. */
  runAt?: Date;
  /** Retries after the first attempt; default from configuration (3). */
  maxRetries?: number;
  /** Carried to logs and upstream calls (`X-Correlation-ID`); generated when absent. */
  correlationId?: string;
  /** A client key: enqueueing it again, in any state, returns the job it first created. */
  idempotencyKey?: string;
  /** At most `concurrencyLimit` jobs with this key run at once, across all workers. */
  concurrencyKey?: string;
  concurrencyLimit?: number;
  /** Ids of jobs that must succeed before this one runs. */
  dependsOn?: number[];
  scheduleName?: string;
  replayOfJobId?: number;
  replayOfAttemptId?: number;
}

export interface EnqueueResult<Payload = unknown> {
  job: Job<Payload>;
  /** False when an active job for the same (type, entity), or the same idempotency key, was returned. */
  created: boolean;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
