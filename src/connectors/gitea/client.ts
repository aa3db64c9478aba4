/**
 * One authenticated call to a Gitea repository's REST API (reference gitea.md §1): `Authorization: token <t>`,
 * paths relative to `/repos/{owner}/{repo}`, the per-request timeout from the config. Every status → typed error
 * classification happens in the shared httpJson, so this file only builds URLs and headers; the token never leaves
 * the header (httpJson keeps headers out of errors).
 */
import { httpJson, type HttpJsonResponse } from '../http.ts';
import { ValidationError } from '../../protocol/errors.ts';
import type { IssueProviderConfig } from '../../protocol/issues.ts';

/** Per request, when the config sets none. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface GiteaRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under the repository, e.g. `/issues/3`; empty for the repository itself. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** The repository's API root and credentials; stateless, so one client serves concurrent calls. */
export class GiteaClient {
  readonly #repoRoot: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(config: IssueProviderConfig) {
    const parts = config.repo.split('/');
    if (parts.length !== 2 || parts.some((p) => p === '')) throw new ValidationError(`Gitea repo must be "owner/name", got ${JSON.stringify(config.repo)}`);
    if (!config.token) throw new ValidationError('Gitea token is empty');
    let base: URL;
    try {
      base = new URL(config.baseUrl);
    } catch (err) {
      throw new ValidationError('Gitea baseUrl is not a URL', { cause: err });
    }
    const root = base.toString().replace(/\/+$/, '');
    this.#repoRoot = `${root}/repos/${parts.map(encodeURIComponent).join('/')}`;
    this.#authorization = `token ${config.token}`;
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Sends one request; resolves with the 2xx answer or throws the typed error httpJson classified. */
  send<T = unknown>(req: GiteaRequest): Promise<HttpJsonResponse<T>> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) query.set(key, String(value));
    const q = query.toString();
    return httpJson<T>({
      method: req.method,
      url: `${this.#repoRoot}${req.path}${q ? `?${q}` : ''}`,
      headers: { authorization: this.#authorization },
      ...(req.body !== undefined ? { body: req.body } : {}),
      timeoutMs: this.#timeoutMs,
      ...(req.signal ? { signal: req.signal } : {}),
    });
  }
}
