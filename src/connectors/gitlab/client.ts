/**
 * Requests to GitLab's REST API v4 for one project (reference §1): `:id` is the numeric id or the full path
 * URL-encoded as one segment (`group%2Fproject`), credentials go in `Authorization: Bearer`, and every non-2xx answer
 * is classified here, once: a 429's reset headers (rate-limit.ts) and what a 404 was about (not-found.ts), the rest
 * as the shared client does it. No retries here: a typed error goes back to the engine, which owns scheduling.
 */
import { httpJson, type HttpJsonResponse } from '../http.ts';
import { type SyncError, ValidationError } from '../../protocol/errors.ts';
import type { IssueProviderConfig } from '../../protocol/issues.ts';
import { notFoundError } from './not-found.ts';
import { rateLimitedError } from './rate-limit.ts';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface GitLabRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under the API root, e.g. `/projects/group%2Fproject/issues`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: Record<string, unknown>;
  signal?: AbortSignal | undefined;
}

export class GitLabClient {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  /** The configured project as given (`group/project` or an id), for messages. */
  readonly project: string;
  /** `/projects/:id` with `:id` encoded as one path segment. */
  readonly projectPath: string;

  constructor(config: IssueProviderConfig, now: () => number = Date.now) {
    let base: URL;
    try {
      base = new URL(config.baseUrl);
    } catch {
      throw new ValidationError('GitLab baseUrl is not a URL');
    }
    const repo = config.repo.trim().replace(/^\/+|\/+$/g, '');
    if (!/^\d+$/.test(repo) && !/^[^/]+(\/[^/]+)+$/.test(repo)) {
      throw new ValidationError(`GitLab repo must be a project's full path ("group/project") or its numeric id, got ${JSON.stringify(config.repo)}`);
    }
    if (!config.token) throw new ValidationError('GitLab token is empty');
    // Self-managed instances may live under a path (`https://host/gitlab/api/v4`); keep it, minus trailing slashes.
    this.#base = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    this.#token = config.token;
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = now;
    this.project = repo;
    // Subgroups make the path `a/b/c`; GitLab wants every slash encoded (reference §1, `group%2Fsubgroup%2Fproject`).
    this.projectPath = `/projects/${encodeURIComponent(repo)}`;
  }

  /** Sends one request; the 2xx answer, or the typed error. */
  send<T = unknown>(req: GitLabRequest): Promise<HttpJsonResponse<T>> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const q = query.toString();
    return httpJson<T>({
      method: req.method,
      url: `${this.#base}${req.path}${q ? `?${q}` : ''}`,
      // Bearer, not PRIVATE-TOKEN: GitLab takes personal, project and group access tokens either way, and OAuth
      // access tokens only this way (reference §1).
      headers: { authorization: `Bearer ${this.#token}` },
      ...(req.body !== undefined ? { body: req.body } : {}),
      timeoutMs: this.#timeoutMs,
      ...(req.signal ? { signal: req.signal } : {}),
      classify: (answer, fallback) => this.#classify(answer.status, answer.headers, answer.text, fallback),
    });
  }

  #classify(status: number, headers: Headers, text: string, fallback: SyncError): SyncError {
    if (status === 429) return rateLimitedError(headers, fallback, new Date(this.#now()));
    if (status === 404) return notFoundError(text, fallback, this.project);
    return fallback;
  }
}
