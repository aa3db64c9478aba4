/**
 * Requests to GitHub's REST API for one repository (reference §1): the pinned API version, Bearer auth, a
 * User-Agent (GitHub refuses requests without one), conditional GETs, and GitHub's rate-limit refusals classified
 * at the boundary (rate-limit.ts). Credentials go only to the configured origin: a `Link` URL elsewhere is refused.
 * No retries here: a typed error with `retryAt` goes back to the engine, which owns scheduling.
 */
import { httpJson, type HttpJsonResponse } from '../http.ts';
import { ValidationError } from '../../protocol/errors.ts';
import type { IssueProviderConfig } from '../../protocol/issues.ts';
import { classifyGitHubAnswer } from './rate-limit.ts';

/** The version whose issue shape map.ts reads (reference §1: supported until March 2028). */
export const GITHUB_API_VERSION = '2022-11-28';
export const USER_AGENT = 'syncbridge';
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface GitHubRequest {
  /** Sent as JSON. */
  body?: unknown;
  /** A cached ETag: sent as If-None-Match, and a 304 comes back as a response instead of an error. */
  etag?: string;
  signal?: AbortSignal;
}

export class GitHubClient {
  readonly #base: string;
  readonly #origin: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  /** `/repos/{owner}/{repo}`, each part URL-encoded (reference §1). */
  readonly repoPath: string;

  constructor(config: IssueProviderConfig, now: () => number = Date.now) {
    let base: URL;
    try {
      base = new URL(config.baseUrl);
    } catch {
      throw new ValidationError('GitHub baseUrl is not a URL');
    }
    const parts = config.repo.split('/');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new ValidationError(`GitHub repo must be "owner/name", got ${JSON.stringify(config.repo)}`);
    if (!config.token) throw new ValidationError('GitHub token is empty');
    // GHES lives under a path (`https://host/api/v3`); keep it, minus a trailing slash (GitHub 404s on those).
    this.#base = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    this.#origin = base.origin;
    this.#token = config.token;
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = now;
    this.repoPath = `/repos/${encodeURIComponent(parts[0])}/${encodeURIComponent(parts[1])}`;
  }

  /** An absolute URL for a path under the API root, with a query. */
  url(path: string, query: Record<string, string> = {}): string {
    const q = new URLSearchParams(query).toString();
    return `${this.#base}${path}${q ? `?${q}` : ''}`;
  }

  /**
   * Sends one request to a path under the API root, or to an absolute URL GitHub gave (a `Link`), which must be
   * on the configured origin. Returns the 2xx (or, with `etag`, the 304) answer; throws the typed error otherwise.
   */
  async request<T = unknown>(method: 'GET' | 'POST' | 'PATCH', pathOrUrl: string, req: GitHubRequest = {}): Promise<HttpJsonResponse<T>> {
    const url = /^https?:\/\//i.test(pathOrUrl) ? this.sameOrigin(pathOrUrl) : this.url(pathOrUrl);
    const headers: Record<string, string> = {
      // Lowercase, so they replace httpJson's defaults rather than join them.
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${this.#token}`,
      'user-agent': USER_AGENT,
      'x-github-api-version': GITHUB_API_VERSION,
    };
    if (req.etag !== undefined) headers['if-none-match'] = req.etag;
    return httpJson<T>({
      method,
      url,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      timeoutMs: this.#timeoutMs,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.etag !== undefined ? { acceptStatuses: [304] } : {}),
      classify: (answer, fallback) => classifyGitHubAnswer(answer, fallback, this.#now),
    });
  }

  /** `raw` when it is on the configured origin; the token is never sent anywhere else. */
  sameOrigin(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError('a GitHub page link is not a URL');
    }
    if (url.origin !== this.#origin) {
      throw new ValidationError(`a GitHub page link points at ${url.origin}, not at baseUrl; credentials are only sent to ${this.#origin}`, { detail: { origin: url.origin } });
    }
    return raw;
  }
}
