/**
 * The Gitea IssueProvider: one repository's issues over REST v1 (reference gitea.md §3). Reads map Gitea's JSON
 * through map.ts; writes translate label names to ids (labels.ts) because Gitea's create and label routes take ids.
 * Pull requests share the issue routes and numbers, so `get` answers null for them as for a missing issue. Labels
 * are replaced as a set through the issue-label sub-resource (PUT, or DELETE to clear); when Gitea drops an id we
 * sent (a stale cache: the label was deleted and made again), the cache is reloaded and the write made once more.
 */
import { NotFound, ValidationError } from '../../protocol/errors.ts';
import type { IssueFields, IssuePage, IssueProvider, IssueProviderConfig, IssueWebhookEvent, IssueWebhookRequest, RemoteIssue } from '../../protocol/issues.ts';
import { GiteaClient } from './client.ts';
import { GiteaLabels } from './labels.ts';
import { listIssuesPage } from './list.ts';
import { GiteaLabel, isPullRequest, parseGiteaIssue, toRemoteIssue } from './map.ts';
import { parseGiteaWebhook, verifyGiteaSignature } from './webhook.ts';

/** The IssueProvider for one Gitea repository; made by `createGiteaProvider`. */
export class GiteaIssueProvider implements IssueProvider {
  readonly name = 'gitea' as const;
  readonly canDelete = true;
  readonly #client: GiteaClient;
  readonly #labels: GiteaLabels;

  constructor(config: IssueProviderConfig) {
    this.#client = new GiteaClient(config);
    this.#labels = new GiteaLabels(this.#client);
  }

  async get(externalId: string, signal?: AbortSignal): Promise<RemoteIssue | null> {
    const index = issueIndex(externalId);
    try {
      const res = await this.#client.send<unknown>({ method: 'GET', path: `/issues/${index}`, signal });
      const issue = parseGiteaIssue(res.body, `GET issue ${index}`);
      return isPullRequest(issue) ? null : toRemoteIssue(issue);
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
  }

  listChangedSince(since: Date | null, page: string | null, signal?: AbortSignal): Promise<IssuePage> {
    return listIssuesPage(this.#client, since, page, signal);
  }

  async create(fields: IssueFields, signal?: AbortSignal): Promise<RemoteIssue> {
    const labels = await this.#labels.ids(fields.labels, signal);
    const res = await this.#client.send<unknown>({
      method: 'POST',
      path: '/issues',
      body: { title: fields.title, body: fields.body, labels, assignees: [...new Set(fields.assignees)], closed: fields.state === 'closed' },
      signal,
    });
    const created = toRemoteIssue(parseGiteaIssue(res.body, 'POST issues'));
    if (covers(created.fields.labels, fields.labels)) return created;
    // Gitea ignores label ids it does not know: our cache was stale.
    this.#labels.invalidate();
    await this.#replaceLabels(created.externalId, fields.labels, signal);
    return this.#reread(created.externalId, signal);
  }

  async update(externalId: string, fields: Partial<IssueFields>, signal?: AbortSignal): Promise<RemoteIssue> {
    const index = issueIndex(externalId);
    const edit: Record<string, unknown> = {};
    if (fields.title !== undefined) edit.title = fields.title;
    if (fields.body !== undefined) edit.body = fields.body;
    if (fields.state !== undefined) edit.state = fields.state;
    if (fields.assignees !== undefined) edit.assignees = [...new Set(fields.assignees)];
    let after: RemoteIssue | null = null;
    // No PATCH without fields: Gitea answers an empty edit with 403 (reference §3).
    if (Object.keys(edit).length > 0) {
      // 201, not 200, on an edit in v1.23-era Gitea; httpJson takes any 2xx.
      const res = await this.#client.send<unknown>({ method: 'PATCH', path: `/issues/${index}`, body: edit, signal });
      after = toRemoteIssue(parseGiteaIssue(res.body, `PATCH issue ${index}`));
    }
    if (fields.labels !== undefined) {
      if (!(await this.#replaceLabels(String(index), fields.labels, signal))) {
        this.#labels.invalidate();
        await this.#replaceLabels(String(index), fields.labels, signal);
      }
      // The label routes answer with labels only; the issue (updated_at included) is read again.
      after = null;
    }
    return after ?? this.#reread(String(index), signal);
  }

  async delete(externalId: string, signal?: AbortSignal): Promise<void> {
    const index = issueIndex(externalId);
    try {
      await this.#client.send({ method: 'DELETE', path: `/issues/${index}`, signal });
    } catch (err) {
      // Already gone is what was asked for.
      if (!(err instanceof NotFound)) throw err;
    }
  }

  verifyWebhook(request: IssueWebhookRequest, secret: string): void {
    verifyGiteaSignature(request, secret);
  }

  parseWebhook(request: IssueWebhookRequest): IssueWebhookEvent {
    return parseGiteaWebhook(request);
  }

  /** Makes the issue's labels exactly `names`; false when Gitea kept fewer than asked (a stale id). */
  async #replaceLabels(index: string, names: readonly string[], signal?: AbortSignal): Promise<boolean> {
    if (names.length === 0) {
      await this.#client.send({ method: 'DELETE', path: `/issues/${index}/labels`, signal });
      return true;
    }
    const ids = await this.#labels.ids(names, signal);
    const res = await this.#client.send<unknown>({ method: 'PUT', path: `/issues/${index}/labels`, body: { labels: ids }, signal });
    const now = GiteaLabel.array().safeParse(res.body);
    if (!now.success) throw new ValidationError(`PUT issue ${index} labels answered with something that is not a list of labels`);
    return covers(now.data.map((l) => l.name), names);
  }

  async #reread(externalId: string, signal?: AbortSignal): Promise<RemoteIssue> {
    const issue = await this.get(externalId, signal);
    if (!issue) throw new NotFound(`Gitea issue ${externalId} disappeared while it was being written`, { detail: { external_id: externalId } });
    return issue;
  }
}

/** The issue number an external id stands for; a ValidationError for anything that is not one. */
function issueIndex(externalId: string): number {
  if (!/^[1-9]\d{0,15}$/.test(externalId)) throw new ValidationError(`not a Gitea issue number: ${JSON.stringify(externalId)}`);
  return Number(externalId);
}

/** Whether every wanted label name is among `have` (case aside: a label reused by another spelling counts). */
function covers(have: readonly string[], wanted: readonly string[]): boolean {
  const lower = new Set(have.map((n) => n.toLowerCase()));
  return wanted.every((n) => lower.has(n.toLowerCase()));
}
