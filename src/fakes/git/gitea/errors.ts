/**
 * Gitea's error answers (reference §6, services/context/api.go): `{"message", "url"}` with `url` the swagger page;
 * a 404 adds `errors: []`; a 403 on issue edits often has an empty body. Gitea has no rate limiting of its own
 * (reference §5), so the 429 is what a reverse proxy in front of it would send.
 */
import { ApiError } from '../common/http.ts';

export class GiteaErrors {
  readonly #swagger: () => string;

  constructor(root: () => string) {
    this.#swagger = () => `${root()}api/swagger`;
  }

  error(status: number, message: string): ApiError {
    return new ApiError(status, { message, url: this.#swagger() });
  }

  /** Missing or rejected token (wording approximate: Gitea's `reqToken` text). */
  unauthorized(): ApiError {
    return this.error(401, 'token is required');
  }

  notFound(): ApiError {
    return new ApiError(404, { message: "The target couldn't be found.", url: this.#swagger(), errors: [] });
  }

  /** Binding validation (reference §6: the exact text is unverified, e.g. `[Title]: Required`). */
  validation(message: string): ApiError {
    return this.error(422, message);
  }

  /** `PATCH` with a state other than open/closed (reference §3). */
  unknownState(state: string): ApiError {
    return this.error(412, `unknown state: ${state}`);
  }

  /** Production Gitea blanks 500 messages for non-admins; a proxy answers 502/503 itself. */
  serverError(status: number): ApiError {
    if (status === 500) return this.error(500, '');
    return new ApiError(status, status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Gateway Error');
  }

  /** A reverse proxy's limit: 429, `Retry-After`, plain text (reference §5). */
  proxyRateLimited(retryAfter: number): ApiError {
    return new ApiError(429, 'Too Many Requests\n', { 'Retry-After': String(retryAfter) });
  }
}
