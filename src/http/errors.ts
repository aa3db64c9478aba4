/**
 * One error shape for every HTTP response: `{"error": {"code", "message", "details", "request_id"}}`.
 * Typed errors map to statuses here and only here; anything unexpected is a 500 whose message reveals
 * nothing internal (the log has the stack).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { SyncError } from '../protocol/errors.ts';
import type { Logger } from '../log.ts';

export interface ErrorBody {
  error: { code: string; message: string; details: unknown; request_id: string | undefined };
}

export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;
  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? null;
  }
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  not_found: 404,
  validation_error: 422,
  invalid_state: 409,
  conflict: 409,
  auth_error: 401,
};

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details: unknown = null) {
  const body: ErrorBody = { error: { code, message, details, request_id: c.get('requestId') as string | undefined } };
  return c.json(body, status);
}

/** Field-level details from a zod failure: `[{ field: "entity_id", message }]`. */
export function zodDetails(error: ZodError, location: string) {
  return error.issues.map((i) => ({ field: i.path.join('.') || location, location, message: i.message }));
}

export function validationFailed(c: Context, error: ZodError, target: string) {
  const details = zodDetails(error, target);
  const fields = [...new Set(details.map((d) => d.field))].join(', ');
  return errorResponse(c, 422, 'validation_error', `invalid ${target}: ${fields}`, details);
}

const HTTP_CODES: Record<number, string> = { 413: 'payload_too_large', 415: 'unsupported_media_type' };

export function onError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof HttpError) return errorResponse(c, err.status, err.code, err.message, err.details);
    if (err instanceof SyncError) {
      const status = STATUS_BY_CODE[err.code] ?? (err.retryable ? 503 : 400);
      return errorResponse(c, status, err.code, err.message, err.detail ?? null);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const code = err.message.startsWith('Malformed JSON') ? 'malformed_json' : (HTTP_CODES[status] ?? `http_${status}`);
      return errorResponse(c, status, code, err.message || 'request rejected');
    }
    logger.error({ event: 'http.unhandled_error', err, path: c.req.path, request_id: c.get('requestId') });
    return errorResponse(c, 500, 'internal_error', 'internal error; see the server log for this request id');
  };
}
