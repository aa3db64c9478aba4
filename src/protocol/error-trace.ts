/**
 * Typed errors ↔ error trace messages, so a typed error survives a process boundary: what a connector
 * throws in its process is thrown again, same class, code, retryability, detail and retry time, in ours.
 * Every SyncError class of the protocol layer is in ERROR_CLASSES; any other code comes back a RemoteError.
 */
import { ConnectorFailed, ConnectorTimeout, ProtocolError, RemoteError } from './connector-errors.ts';
import {
  AuthError,
  Conflict,
  NotFound,
  SyncError,
  UpstreamRateLimited,
  UpstreamTimeout,
  UpstreamUnavailable,
  ValidationError,
  type SyncErrorOptions,
} from './errors.ts';
import type { ErrorPayload, ErrorTraceMessage } from './messages.ts';

type ErrorClass = new (message: string, options?: SyncErrorOptions & { retryAt?: Date }) => SyncError;

/** Code → class, for every concrete error class of the protocol layer. */
export const ERROR_CLASSES: Readonly<Record<string, ErrorClass>> = {
  upstream_timeout: UpstreamTimeout,
  upstream_unavailable: UpstreamUnavailable,
  upstream_rate_limited: UpstreamRateLimited,
  not_found: NotFound,
  validation_error: ValidationError,
  auth_error: AuthError,
  conflict: Conflict,
  connector_failed: ConnectorFailed,
  connector_timeout: ConnectorTimeout,
  protocol_error: ProtocolError,
};

/** The code a thrown value that is not a SyncError travels under; retryable, like any unknown error (invariant 8). */
export const UNKNOWN_ERROR_CODE = 'unknown_error';

/** The wire form of anything thrown: a SyncError keeps its code; anything else becomes a retryable `unknown_error`. */
export function typedErrorToTrace(err: unknown, stream?: string): ErrorTraceMessage {
  return { type: 'trace', trace: { type: 'error', error: errorPayload(err, stream) } };
}

function errorPayload(err: unknown, stream: string | undefined): ErrorPayload {
  const where = stream === undefined ? {} : { stream };
  if (err instanceof SyncError) {
    const retryAt = err instanceof UpstreamRateLimited ? err.retryAt : undefined;
    return {
      code: err.code,
      message: err.message,
      retryable: err.retryable,
      ...(retryAt ? { retry_at: retryAt.toISOString() } : {}),
      ...(err.detail ? { detail: err.detail } : {}),
      error_class: err.name,
      ...where,
    };
  }
  if (err instanceof Error) {
    return {
      code: UNKNOWN_ERROR_CODE,
      message: err.message,
      retryable: true,
      ...(err.stack ? { detail: { stack: err.stack } } : {}),
      error_class: err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : 'Error',
      ...where,
    };
  }
  return { code: UNKNOWN_ERROR_CODE, message: String(err), retryable: true, error_class: typeof err, ...where };
}

/** The typed error an error trace stands for: the class its code names, or a RemoteError keeping the code. */
export function traceToError(trace: ErrorTraceMessage): SyncError {
  const e = trace.trace.error;
  const options: SyncErrorOptions & { retryAt?: Date } = {};
  if (e.detail) options.detail = e.detail;
  if (e.retry_at) options.retryAt = new Date(e.retry_at);
  const Known = Object.hasOwn(ERROR_CLASSES, e.code) ? ERROR_CLASSES[e.code] : undefined;
  if (Known) return new Known(e.message, options);
  return new RemoteError(e.message, {
    ...options,
    code: e.code,
    retryable: e.retryable,
    ...(e.error_class ? { errorClass: e.error_class } : {}),
  });
}
