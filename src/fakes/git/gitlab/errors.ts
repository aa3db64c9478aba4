/**
 * GitLab's error answers (reference §1, §5, §6): `{"message": "<status> <text>"}` from API helpers, Grape's
 * `{"error": "..."}` for parameter validation, and Rack::Attack's plain-text `Retry later` 429.
 */
import { ApiError } from '../common/http.ts';

export const unauthorized = () => new ApiError(401, { message: '401 Unauthorized' });
export const projectNotFound = () => new ApiError(404, { message: '404 Project Not Found' });
export const issueNotFound = () => new ApiError(404, { message: '404 Not found' });
export const routeNotFound = () => new ApiError(404, { error: '404 Not Found' });
/** Grape's parameter validation (the reference's observed style). */
export const invalidParam = (text: string) => new ApiError(400, { error: text });
export const badRequest = (text: string) => new ApiError(400, { message: `400 Bad request - ${text}` });
export const serverError = (status: number) =>
  new ApiError(status, { message: `${status} ${status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : 'Internal Server Error'}` });
/** Rack::Attack's throttle answer: plain text, default `Retry later` (reference §5); headers added by the dialect. */
export const retryLater = (headers: Record<string, string>) => new ApiError(429, 'Retry later\n', headers);
