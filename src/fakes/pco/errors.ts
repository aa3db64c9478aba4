/**
 * PCO's error bodies (reference §10): `{"errors": [{status, title, code?, detail, source?, meta?}]}` as one thrown
 * class, so the store can refuse an operation in-process and the HTTP layer answers with the same body and status.
 * Bodies quoted in the reference are reproduced exactly; wording marked "approximate" is not confirmed by it.
 */

export interface PcoErrorObject {
  status?: string;
  title?: string;
  code?: string;
  detail?: string;
  source?: { parameter?: string; pointer?: string };
  meta?: Record<string, unknown>;
}

export class PcoError extends Error {
  readonly status: number;
  readonly errors: PcoErrorObject[];

  constructor(status: number, errors: PcoErrorObject[]) {
    super(errors.map((e) => e.detail ?? e.title ?? e.code).join('; '));
    this.name = 'PcoError';
    this.status = status;
    this.errors = errors;
  }

  get body(): { errors: PcoErrorObject[] } {
    return { errors: this.errors };
  }
}

/** 400 as pypco recorded it for `POST /people/v2/people` with `{}`. */
export function invalidPayload(detail = "The payload given does not contain a 'data' key."): PcoError {
  return new PcoError(400, [{ status: '400', title: 'Bad Request', code: 'invalid_resource_payload', detail }]);
}

/** 400 for a bad query parameter (unknown `order` or `include`); wording approximate. */
export function badRequest(detail: string, parameter?: string): PcoError {
  return new PcoError(400, [{ status: '400', title: 'Bad Request', detail, ...(parameter ? { source: { parameter } } : {}) }]);
}

/** 400 `unsupported_version_error` for an `X-PCO-API-Version` older than 2018-08-01 (reference §2); wording approximate. */
export function unsupportedVersion(requested: string): PcoError {
  return new PcoError(400, [
    { status: '400', title: 'Bad Request', code: 'unsupported_version_error', detail: `The version ${requested} is not supported. Use a version on or after 2018-08-01, or LATEST.` },
  ]);
}

/** Error-code hints PCO puts in a 401's detail (reference §10). */
export type AuthHint = 'CHINCHILLA' | 'BABOON' | 'CAPUCHIN' | 'PELICAN' | 'TRASH_PANDA';

/** 401 exactly as issue #901 quotes it, with the hint when there is one. */
export function unauthorized(hint?: AuthHint): PcoError {
  const detail = `This request could not be authenticated.${hint ? ` Error Code Hint: (${hint})` : ''}`;
  return new PcoError(401, [{ code: 'unauthorized', title: 'Unauthorized', status: '401', detail }]);
}

export function forbidden(): PcoError {
  return new PcoError(403, [{ status: '403', title: 'Forbidden', detail: 'You do not have access to this resource' }]);
}

/** 404 as recorded for `GET /bogus`: the same body for an unknown URL and an unknown (or deleted) id. */
export function notFound(): PcoError {
  return new PcoError(404, [{ status: '404', title: 'Not Found', detail: 'The resource you requested could not be found' }]);
}

/** 422 in the shape of issue #203 (`source.parameter`, `meta.resource`). */
export function validationError(detail: string, parameter: string, resource: string): PcoError {
  return new PcoError(422, [{ detail, status: '422', title: 'Validation Error', source: { parameter }, meta: { resource } }]);
}

/** 429 as the rate-limiting docs page shows it: only `code` and `detail`, no `status`/`title`. */
export function rateLimited(count: number, limit: number, periodSeconds: number): PcoError {
  return new PcoError(429, [{ code: '429', detail: `Rate limit exceeded: ${count} of ${limit} requests per ${periodSeconds} seconds` }]);
}

/** 500 as in issue #1428; 503 (maintenance, reference §10) with an approximate JSON body. 502 is not JSON: see faults.ts. */
export function serverError(status: number): PcoError {
  if (status === 503) {
    return new PcoError(503, [{ status: '503', title: 'Service Unavailable', detail: 'Planning Center is temporarily unavailable for maintenance. Please try again shortly.' }]);
  }
  return new PcoError(status, [
    { status: String(status), title: 'Internal Server Error', detail: "An internal server error occurred on our end and we've been notified. Please contact support if the issue persists." },
  ]);
}
