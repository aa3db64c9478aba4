/**
 * The GitLab IssueProvider: one project's issues over REST API v4 (reference §3), addressed by `iid`. Writes are
 * POST (then a PUT `state_event=close` for an issue born closed: GitLab creates issues open) and PUT with only the
 * fields given (`labels` replaces the set, `assignee_ids` too); DELETE needs an owner's or admin's token. Every
 * answer is checked against the issue shape before it is trusted, and the users it names feed the id directory.
 */
import { NotFound, SyncError, ValidationError } from '../../protocol/errors.ts';
import type { IssueFields, IssuePage, IssueProvider, IssueProviderConfig, IssueWebhookEvent, IssueWebhookRequest, RemoteIssue } from '../../protocol/issues.ts';
import { GitLabClient } from './client.ts';
import { listIssuesPage } from './list.ts';
import { readIssue, toRemoteIssue, usersOf } from './map.ts';
import { isIssueMissing } from './not-found.ts';
import { UserDirectory } from './users.ts';
import { parseGitLabWebhook, verifyGitLabWebhook } from './webhook.ts';

export interface GitLabProviderOptions {
  /** Epoch ms: turns `Retry-After` seconds into `retryAt` and bounds `webhook-timestamp`. Default Date.now. */
  now?: () => number;
}

/** IssueProvider for one GitLab project; externalId is the issue's iid. Build it with `createGitLabProvider`. */
export class GitLabProvider implements IssueProvider {
  readonly name = 'gitlab' as const;
  readonly canDelete = true;
  readonly #client: GitLabClient;
  readonly #users: UserDirectory;
  readonly #now: () => number;

  constructor(config: IssueProviderConfig, options: GitLabProviderOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#client = new GitLabClient(config, this.#now);
    this.#users = new UserDirectory(this.#client);
  }

  async get(externalId: string, signal?: AbortSignal): Promise<RemoteIssue | null> {
    const iid = issueIid(externalId);
    try {
      const res = await this.#client.send({ method: 'GET', path: this.#issuePath(iid), signal });
      return this.#read(res.body, `GET issue ${iid}`);
    } catch (err) {
      // Only "404 Not found" for the issue: a missing project or route must not read as every issue deleted.
      if (isIssueMissing(err)) return null;
      throw err;
    }
  }

  listChangedSince(since: Date | null, page: string | null, signal?: AbortSignal): Promise<IssuePage> {
    return listIssuesPage(this.#client, since, page, (users) => this.#users.learn(users), signal);
  }

  /**
   * POST, then PUT `state_event=close` when `fields.state` is closed. Should the close fail, the issue exists open:
   * the error's detail carries `created_external_id`.
   */
  async create(fields: IssueFields, signal?: AbortSignal): Promise<RemoteIssue> {
    const body: Record<string, unknown> = { title: fields.title, description: fields.body };
    if (fields.labels.length) body.labels = labelList(fields.labels);
    if (fields.assignees.length) body.assignee_ids = await this.#users.ids(fields.assignees, signal);
    const res = await this.#client.send({ method: 'POST', path: `${this.#client.projectPath}/issues`, body, signal });
    const created = this.#read(res.body, 'POST issue');
    if (fields.state === 'open') return created;
    // A failure here leaves the issue made and open: its iid goes into the error's detail for the attempt record.
    try {
      return await this.#put(Number(created.externalId), { state_event: 'close' }, signal);
    } catch (err) {
      if (err instanceof SyncError && err.detail) err.detail.created_external_id = created.externalId;
      throw err;
    }
  }

  async update(externalId: string, fields: Partial<IssueFields>, signal?: AbortSignal): Promise<RemoteIssue> {
    const iid = issueIid(externalId);
    const body: Record<string, unknown> = {};
    if (fields.title !== undefined) body.title = fields.title;
    if (fields.body !== undefined) body.description = fields.body;
    // `labels` replaces the whole set; "" clears it (reference §3).
    if (fields.labels !== undefined) body.labels = labelList(fields.labels);
    // `assignee_ids` replaces too; an empty list unassigns everyone.
    if (fields.assignees !== undefined) body.assignee_ids = await this.#users.ids(fields.assignees, signal);
    if (fields.state !== undefined) body.state_event = fields.state === 'closed' ? 'close' : 'reopen';
    if (Object.keys(body).length === 0) {
      // GitLab answers 400 to a PUT with no parameter; nothing to change means the issue as it is.
      const now = await this.get(externalId, signal);
      if (!now) throw new NotFound(`GitLab issue ${iid} of ${this.#client.project} does not exist`, { detail: { missing: 'issue' } });
      return now;
    }
    return this.#put(iid, body, signal);
  }

  async delete(externalId: string, signal?: AbortSignal): Promise<void> {
    const iid = issueIid(externalId);
    try {
      await this.#client.send({ method: 'DELETE', path: this.#issuePath(iid), signal });
    } catch (err) {
      if (isIssueMissing(err)) return;
      throw err;
    }
  }

  verifyWebhook(request: IssueWebhookRequest, secret: string): void {
    verifyGitLabWebhook(request, secret, this.#now);
  }

  parseWebhook(request: IssueWebhookRequest): IssueWebhookEvent {
    return parseGitLabWebhook(request, { usernameOf: (id) => this.#users.username(id), learn: (users) => this.#users.learn(users) });
  }

  async #put(iid: number, body: Record<string, unknown>, signal?: AbortSignal): Promise<RemoteIssue> {
    const res = await this.#client.send({ method: 'PUT', path: this.#issuePath(iid), body, signal });
    return this.#read(res.body, `PUT issue ${iid}`);
  }

  #read(body: unknown, where: string): RemoteIssue {
    const issue = readIssue(body, where);
    this.#users.learn(usersOf(issue));
    return toRemoteIssue(issue);
  }

  #issuePath(iid: number): string {
    return `${this.#client.projectPath}/issues/${iid}`;
  }
}

/** An iid from an externalId: a positive decimal integer, else ValidationError (never a path to send). */
function issueIid(externalId: string): number {
  if (!/^[1-9]\d{0,15}$/.test(externalId)) throw new ValidationError(`not a GitLab issue iid: ${JSON.stringify(externalId)}`);
  return Number(externalId);
}

/**
 * Label names as GitLab's comma-separated list. GitLab refuses commas in label titles, so a name with one cannot
 * exist there; sent as is it would become two labels, so it is refused here.
 */
function labelList(labels: readonly string[]): string {
  const bad = labels.filter((l) => l.includes(','));
  if (bad.length) throw new ValidationError(`GitLab label names cannot contain a comma: ${bad.map((l) => JSON.stringify(l)).join(', ')}`);
  return labels.join(',');
}
