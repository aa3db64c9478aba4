/** Errors of the job engine itself, each with a stable code the HTTP layer maps to a status. */
import { Conflict, NotFound, SyncError } from '../protocol/errors.ts';

/** A control (cancel, retry, replay) was asked of a job in a state that does not allow it. → 409 */
export class JobStateError extends Conflict {
  override readonly code = 'invalid_state';
  readonly jobId: number;
  readonly status: string;
  constructor(message: string, jobId: number, status: string) {
    super(message, { detail: { job_id: jobId, status } });
    this.jobId = jobId;
    this.status = status;
  }
}

/** No job with that id. → 404 */
export class JobNotFound extends NotFound {
  readonly jobId: number;
  constructor(jobId: number) {
    super(`job ${jobId} not found`, { detail: { job_id: jobId } });
    this.jobId = jobId;
  }
}

/**
 * This worker no longer holds the job's lease (it expired and was reclaimed, or the job was
 * cancelled): the outcome it tried to record was refused. Fencing, SPEC invariant 2.
 */
export class LeaseLost extends SyncError {
  readonly code = 'lease_lost';
  readonly retryable = false;
  readonly jobId: number;
  readonly attempt: number;
  constructor(jobId: number, attempt: number) {
    super(`job ${jobId} attempt ${attempt}: lease lost, outcome not recorded`);
    this.jobId = jobId;
    this.attempt = attempt;
  }
}

/** The job was cancelled while its handler ran: the reason the handler's AbortSignal carries. */
export class JobCancelled extends SyncError {
  readonly code = 'cancelled';
  readonly retryable = false;
  readonly jobId: number;
  constructor(jobId: number) {
    super(`job ${jobId} was cancelled`);
    this.jobId = jobId;
  }
}

/** The worker is shutting down and gave up on this handler: the reason its AbortSignal carries. */
export class WorkerShutdown extends SyncError {
  readonly code = 'worker_shutdown';
  readonly retryable = true;
  constructor() {
    super('the worker is shutting down');
  }
}

/**
 * Thrown by a handler to run the job again after `delayMs` without spending a retry: the attempt is
 * recorded `snoozed` and the job's retry budget grows by one. For work that waits on something else
 * (a parent waiting for its children, an upstream asking to come back later), not for failures.
 */
export class JobSnoozed extends SyncError {
  readonly code = 'snoozed';
  readonly retryable = true;
  readonly delayMs: number;
  constructor(delayMs: number, reason = 'snoozed') {
    super(`${reason}; runs again in ${Math.round(delayMs)} ms`);
    if (!(Number.isFinite(delayMs) && delayMs >= 0)) throw new RangeError(`snooze delay must be a finite number of ms ≥ 0, got ${delayMs}`);
    this.delayMs = delayMs;
  }
}
