/**
 * The GitHub IssueProvider: one repository's issues over the REST API (reference §3), pull requests left out. Reads
 * of single issues are conditional (an LRU of ETags, since a 304 costs no rate limit); lists walk `Link` pages;
 * writes are POST and PATCH, since GitHub's REST API cannot delete an issue. Every answer is checked against the
 * issue shape before it is trusted: a 2xx that is not one is a proxy page in front of GitHub, so transient.
 */
import { AuthError, NotFound, UpstreamUnavailable, ValidationError } from '../../protocol/errors.ts';
import type { IssueFields, IssuePage, IssueProvider, IssueProviderConfig, IssueWebhookEvent, IssueWebhookRequest, RemoteIssue } from '../../protocol/issues.ts';
import { GitHubClient } from './client.ts';
import { EtagCache } from './etag-cache.ts';
import { linkWithRel } from './link.ts';
import { isPullRequest, readIssue } from './map.ts';
import { parseGitHubDelivery, verifyGitHubSignature } from './webhook.ts';

/** GitHub's largest page (reference §3). */
export const PER_PAGE = 100;
export const DEFAULT_CACHE_SIZE = 1_000;

export interface GitHubProviderOptions {
  /** Issues whose last answer (and ETag) is kept for conditional reads; default 1 000, 0 turns it off. */
  cacheSize?: number;
  /** Epoch ms; turns `retry-after` seconds into `retryAt`. Default Date.now. */
  now?: () => number;
}

export class GitHubProvider implements IssueProvider {
  readonly name = 'github' as const;
  readonly canDelete = false;
  readonly #repo: string;
  readonly #client: GitHubClient;
  // null: the number is a pull request, which stays one, so its 304 is worth keeping too.
  readonly #cache: EtagCache<RemoteIssue | null>;

  constructor(config: IssueProviderConfig, options: GitHubProviderOptions = {}) {
    this.#repo = config.repo;
    this.#client = new GitHubClient(config, options.now);
    this.#cache = new EtagCache(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  }

  async get(externalId: string, signal?: AbortSignal): Promise<RemoteIssue | null> {
    const number = issueNumber(externalId);
    const cached = this.#cache.get(number);
    let res;
    try {
      res = await this.#client.request('GET', `${this.#client.repoPath}/issues/${number}`, { ...(cached ? { etag: cached.etag } : {}), ...(signal ? { signal } : {}) });
    } catch (err) {
      // 404: never was, or not visible to this token; 410: deleted (reference §3). Both mean "not there" here,
      // once the repository itself is known to be visible.
      if (!(err instanceof NotFound)) throw err;
      this.#cache.delete(number);
      await this.#assertRepositoryVisible(err, signal);
      return null;
    }
    if (res.status === 304 && cached) return copy(cached.value);
    const issue = this.#single(res.body, `GET issue ${number}`);
    // fetch follows a transferred issue's 301 to its new repository, where it has another number: gone from ours.
    const here = issue && issue.externalId === String(number) ? issue : null;
    const etag = res.headers.get('etag');
    if (etag) this.#cache.set(number, etag, copy(here));
    else this.#cache.delete(number);
    return here;
  }

  async listChangedSince(since: Date | null, page: string | null, signal?: AbortSignal): Promise<IssuePage> {
    // The incremental order of reference §3; `since` floored to whole seconds, GitHub's precision, so nothing at
    // the boundary is lost.
    const query: Record<string, string> = { state: 'all', sort: 'updated', direction: 'asc', per_page: String(PER_PAGE) };
    if (since) query.since = isoSeconds(since);
    const url = page ?? this.#client.url(`${this.#client.repoPath}/issues`, query);
    const res = await this.#client.request('GET', url, signal ? { signal } : {});
    if (!Array.isArray(res.body)) throw new UpstreamUnavailable('GitHub issue list answered with a body that is not an array', { detail: { body_type: typeof res.body } });
    const issues: RemoteIssue[] = [];
    for (const item of res.body as unknown[]) {
      const issue = this.#single(item, 'GitHub issue list');
      if (issue) issues.push(issue);
    }
    return { issues, next: linkWithRel(res.headers.get('link'), 'next') };
  }

  /**
   * Creates the issue; a closed one is opened, then closed with a PATCH (GitHub's create takes no state). If that
   * PATCH fails the issue is returned open — as GitHub holds it — instead of thrown: throwing would lose the new
   * number, and a retry would make a second issue, while an open issue is closed again by the engine's next pass.
   */
  async create(fields: IssueFields, signal?: AbortSignal): Promise<RemoteIssue> {
    const body = { title: fields.title, body: fields.body, labels: [...fields.labels], assignees: [...fields.assignees] };
    const res = await this.#client.request('POST', `${this.#client.repoPath}/issues`, { body, ...(signal ? { signal } : {}) });
    const created = this.#written(res.body, 'POST issue');
    if (fields.state !== 'closed' || created.fields.state === 'closed') return created;
    try {
      return await this.#patch(Number(created.externalId), { state: 'closed' }, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      return created;
    }
  }

  /** PATCHes only the fields given; `labels` and `assignees` replace their sets (reference §3). */
  async update(externalId: string, fields: Partial<IssueFields>, signal?: AbortSignal): Promise<RemoteIssue> {
    const number = issueNumber(externalId);
    const patch: Record<string, unknown> = {};
    if (fields.title !== undefined) patch.title = fields.title;
    if (fields.body !== undefined) patch.body = fields.body;
    if (fields.state !== undefined) patch.state = fields.state;
    if (fields.labels !== undefined) patch.labels = [...fields.labels];
    if (fields.assignees !== undefined) patch.assignees = [...fields.assignees];
    if (Object.keys(patch).length === 0) {
      // Nothing to change: a PATCH would cost five secondary-limit points to learn what a GET (perhaps a free 304) says.
      const now = await this.get(externalId, signal);
      if (!now) throw new NotFound(`GitHub issue ${number} does not exist`, { detail: { number } });
      return now;
    }
    return this.#patch(number, patch, signal);
  }

  /** Always throws: GitHub's REST API has no way to delete an issue (reference §3), only to close it. */
  delete(externalId: string): Promise<void> {
    return Promise.reject(
      new ValidationError(`GitHub's REST API cannot delete issues (only close them); issue ${externalId} was left as it is — check canDelete before deleting`, {
        detail: { external_id: externalId },
      }),
    );
  }

  verifyWebhook(request: IssueWebhookRequest, secret: string): void {
    verifyGitHubSignature(request, secret);
  }

  parseWebhook(request: IssueWebhookRequest): IssueWebhookEvent {
    return parseGitHubDelivery(request, this.#repo);
  }

  async #patch(number: number, patch: Record<string, unknown>, signal: AbortSignal | undefined): Promise<RemoteIssue> {
    let res;
    try {
      res = await this.#client.request('PATCH', `${this.#client.repoPath}/issues/${number}`, { body: patch, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof NotFound) await this.#assertRepositoryVisible(err, signal);
      throw err;
    }
    // The cached ETag now names an older version; dropping it saves a useless If-None-Match.
    this.#cache.delete(number);
    return this.#written(res.body, `PATCH issue ${number}`);
  }

  /**
   * After a 404 for one issue: throws AuthError when the repository itself answers 404. GitHub hides what a token
   * may not see behind 404 (reference §6), so a token that lost access (or a misspelt repo) would otherwise make
   * every issue read as deleted — and a sync would propagate those deletions. One extra request, only on a 404.
   */
  async #assertRepositoryVisible(cause: NotFound, signal: AbortSignal | undefined): Promise<void> {
    if (cause.detail?.status === 410) return;
    try {
      await this.#client.request('GET', this.#client.url(`${this.#client.repoPath}/issues`, { state: 'all', per_page: '1' }), signal ? { signal } : {});
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      throw new AuthError(`GitHub repository ${this.#repo} answers 404: it does not exist or this token cannot see it`, { detail: { repo: this.#repo, status: 404 }, cause });
    }
  }

  /** An issue from an answer, or null for a pull request. */
  #single(raw: unknown, what: string): RemoteIssue | null {
    if (isPullRequest(raw)) return null;
    const read = readIssue(raw);
    if (!read.ok) throw new UpstreamUnavailable(`${what}: GitHub answered with something that is not an issue (${read.reason})`, { detail: { reason: read.reason } });
    return read.issue;
  }

  /** The issue a write answered with; a write to an issue number never answers a pull request. */
  #written(raw: unknown, what: string): RemoteIssue {
    const issue = this.#single(raw, what);
    if (!issue) throw new ValidationError(`${what}: the number is a pull request, not an issue`);
    return issue;
  }
}

/** The issue number an externalId stands for; ValidationError for anything else (a caller's bug, not GitHub's). */
function issueNumber(externalId: string): number {
  if (!/^[1-9]\d{0,15}$/.test(externalId)) throw new ValidationError(`a GitHub issue id is its number, got ${JSON.stringify(externalId)}`);
  return Number(externalId);
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the form GitHub documents for `since` (reference §3). */
function isoSeconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** A copy, so a caller changing what it got cannot change the cache. */
function copy<T>(value: T): T {
  return structuredClone(value);
}
