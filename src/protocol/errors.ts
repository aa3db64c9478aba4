/**
 * The error taxonomy (SPEC invariant 8). A failure is classified once, where it is first understood —
 * usually where an upstream HTTP response is read — by throwing one of these; the job engine then
 * decides retry, fail or dead from `retryable` alone. Anything else thrown is an unknown error: it is
 * recorded with its class name and retried up to the limit.
 */

export interface SyncErrorOptions {
  /** Structured facts for the attempt record (status code, upstream request id…); never secrets. */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class SyncError extends Error {
  /** A stable machine-readable code, e.g. `upstream_rate_limited`. */
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  readonly detail: Record<string, unknown> | undefined;

  constructor(message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail;
  }
}

/** The upstream did not answer in time. Retryable. */
export class UpstreamTimeout extends SyncError {
  readonly code = 'upstream_timeout';
  readonly retryable = true;
}

/** The upstream answered 5xx or the connection failed. Retryable. */
export class UpstreamUnavailable extends SyncError {
  readonly code = 'upstream_unavailable';
  readonly retryable = true;
}

/** The upstream asked us to slow down (429, or a rate-limit reset header). Retryable, not before `retryAt`. */
export class UpstreamRateLimited extends SyncError {
  readonly code = 'upstream_rate_limited';
  readonly retryable = true;
  /** The earliest time the upstream allows another call, from `Retry-After` or a reset header. */
  readonly retryAt: Date | undefined;

  constructor(message: string, options: SyncErrorOptions & { retryAt?: Date } = {}) {
    super(message, options);
    this.retryAt = options.retryAt;
  }
}

/** The thing asked for does not exist upstream. Not retryable. */
export class NotFound extends SyncError {
  readonly code = 'not_found';
  readonly retryable = false;
}

/** The input was rejected as invalid (ours or the upstream's 400/422). Not retryable. */
export class ValidationError extends SyncError {
  readonly code = 'validation_error';
  readonly retryable = false;
}

/** Credentials are missing, wrong or lack permission. Not retryable. */
export class AuthError extends SyncError {
  readonly code = 'auth_error';
  readonly retryable = false;
}

/** The request conflicts with the current state (upstream 409, or a wrong job state). Not retryable. */
export class Conflict extends SyncError {
  readonly code: string = 'conflict';
  readonly retryable = false;
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into an absolute time.
 * Returns undefined for a missing or unparseable value.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): Date | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return new Date(now.getTime() + Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : new Date(at);
}
