/**
 * GitHub's error answers (reference §1, §5, §6): `basic-error` `{message, documentation_url}` and `validation-error`
 * with `errors[].code`. Bodies the reference quotes are exact; the others are marked approximate.
 */
import { ApiError } from '../common/http.ts';

export const DOCS = 'https://docs.github.com/rest';

const basic = (status: number, message: string, doc = DOCS, headers: Record<string, string> = {}) => new ApiError(status, { message, documentation_url: doc, status: String(status) }, headers);

export const badCredentials = () => basic(401, 'Bad credentials');
/** No token at all; every repository in the fake is private, and the fake requires a token (approximate wording). */
export const requiresAuthentication = () => basic(401, 'Requires authentication');
export const notFound = () => basic(404, 'Not Found');
/** An issue deleted from a repository the caller can read (reference §3). */
export const gone = () => basic(410, 'This issue was deleted');
export const problemsParsingJson = () => new ApiError(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
export const notAnObject = () => new ApiError(400, { message: 'Body should be a JSON object', documentation_url: DOCS, status: '400' });

export interface FieldError {
  resource: string;
  field: string;
  code: 'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom';
  message?: string;
  value?: unknown;
}

export function validationFailed(...errors: FieldError[]): ApiError {
  return new ApiError(422, { message: 'Validation Failed', errors, documentation_url: DOCS, status: '422' });
}

/** Unsupported `X-GitHub-Api-Version` (reference §1; wording approximate). */
export const unsupportedVersion = (v: string) => basic(400, `API version ${v} is not supported.`);

/** No User-Agent (reference §1: required on github.com; wording approximate). */
export const userAgentRequired = () =>
  new ApiError(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n');

/** The primary limit (reference §5); the authenticated wording is approximate. */
export const primaryRateLimited = (userId: number, status: 403 | 429) =>
  basic(status, `API rate limit exceeded for user ID ${userId}.`, 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api');

/** The secondary limit, with `retry-after` (reference §5, the docs' example message). */
export const secondaryRateLimited = (retryAfter: number, status: 403 | 429) =>
  basic(
    status,
    'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
    'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    { 'retry-after': String(retryAfter) },
  );

/** 5xx: the reference quotes `{"message":"Server Error"}` for a timed-out request; used for every 5xx. */
export const serverError = (status: number) => new ApiError(status, { message: status === 503 ? 'Service Unavailable' : 'Server Error' });
