/**
 * GitLab's issue routes under `/api/v4` (reference §3): `:id` is the project's number or its URL-encoded path, and
 * issues are addressed by `iid`. List, get, create (201; `labels` names, unknown ones created — settled: GitLab's
 * docs say so since MR !148449), edit with PUT (200; at least one parameter; `labels` replaces, `add_labels`/
 * `remove_labels` edit, `assignee_ids` replaces (`0`/empty unassigns), `state_event` close/reopen; repeating a close is
 * a no-op), delete (204), project labels and project hooks. Unknown assignee ids are ignored (unverified).
 */
import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { ApiError, type GitContext, type GitEnv } from '../common/http.ts';
import type { Issue, IssuePatch, IssueStore, Repo } from '../common/store.ts';
import { isoMillis } from '../common/time.ts';
import { invalidParam, issueNotFound, projectNotFound } from './errors.ts';
import { listIssues, paginationHeaders } from './list.ts';
import { idList, nameList, readParams, type Params } from './params.ts';
import { restIssue, restLabel, type RenderContext } from './render.ts';
import type { GitLabWebhooks } from './webhooks.ts';

export interface RouteDeps {
  store: IssueStore;
  webhooks: GitLabWebhooks;
  ctx: () => RenderContext;
  /** Answer a matching If-None-Match with 304; default false (GitLab ignores it on the API, gitlab-org/gitlab#14357). */
  honorIfNoneMatch: boolean;
}

const EDIT_PARAMS = ['assignee_id', 'assignee_ids', 'confidential', 'created_at', 'description', 'discussion_locked', 'due_date', 'labels', 'add_labels', 'remove_labels', 'milestone_id', 'state_event', 'title', 'issue_type', 'weight', 'epic_id', 'epic_iid'];

export function registerRoutes(app: Hono<GitEnv>, deps: RouteDeps): void {
  const { store } = deps;
  const base = '/api/v4/projects/:id';
  const projectOf = (c: GitContext): Repo => {
    const id = c.req.param('id') ?? '';
    const repo = /^\d+$/.test(id) ? store.repoById(Number(id)) : store.findRepo(id);
    if (!repo) throw projectNotFound();
    return repo;
  };
  const issueOf = (c: GitContext, repo: Repo): Issue => {
    const iid = c.req.param('iid') ?? '';
    const found = /^\d+$/.test(iid) ? store.get(repo.key, Number(iid)) : undefined;
    if (!found || found.deleted || found.kind !== 'issue') throw issueNotFound();
    return found;
  };
  const actor = (c: GitContext) => c.get('caller').login;
  /** Assignee logins from `assignee_ids`/`assignee_id`; undefined when neither was given. */
  const assignees = (p: Params): string[] | undefined => {
    const raw = p.assignee_ids !== undefined ? p.assignee_ids : p.assignee_id;
    if (raw === undefined) return undefined;
    if (raw === '' || (Array.isArray(raw) && raw.length === 0)) return [];
    const ids = idList(raw);
    if (ids === null) throw invalidParam(`${p.assignee_ids !== undefined ? 'assignee_ids' : 'assignee_id'} is invalid`);
    return (ids ?? []).filter((id) => id !== 0).flatMap((id) => store.findUser(id)?.login ?? []);
  };
  const answer = (c: GitContext, body: unknown, status = 200, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    const etag = `W/"${createHash('md5').update(text).digest('hex')}"`;
    const all = { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=0, private, must-revalidate', ETag: etag, Vary: 'Origin', ...headers };
    if (deps.honorIfNoneMatch && c.req.method === 'GET' && c.req.header('if-none-match')?.split(',').some((t) => t.trim() === etag || t.trim() === etag.slice(2))) return c.body(null, 304, all);
    return c.body(text, status as 200, all);
  };

  app.get(`${base}/issues`, async (c) => {
    const repo = projectOf(c);
    const p = await readParams(c);
    const page = listIssues(store, repo, p);
    const url = new URL(c.req.url);
    const labelDetails = String(p.with_labels_details) === 'true';
    return answer(
      c,
      page.items.map((i) => restIssue(deps.ctx(), i, { labelDetails })),
      200,
      paginationHeaders(deps.ctx().root, url.pathname, url.searchParams, c.req.param('id'), page),
    );
  });

  app.post(`${base}/issues`, async (c) => {
    const repo = projectOf(c);
    const p = await readParams(c);
    if (p.title === undefined || p.title === null || String(p.title).trim() === '') throw invalidParam('title is missing');
    const created = store.create(
      repo.key,
      {
        title: String(p.title),
        body: p.description === undefined || p.description === null ? null : String(p.description),
        labels: [...(nameList(p.labels) ?? []), ...(nameList(p.add_labels) ?? [])],
        assignees: assignees(p) ?? [],
      },
      { actor: actor(c) },
    );
    return answer(c, restIssue(deps.ctx(), created), 201);
  });

  app.get(`${base}/issues/:iid`, (c) => {
    const repo = projectOf(c);
    return answer(c, restIssue(deps.ctx(), issueOf(c, repo), { labelDetails: c.req.query('with_labels_details') === 'true' }));
  });

  app.put(`${base}/issues/:iid`, async (c) => {
    const repo = projectOf(c);
    const i = issueOf(c, repo);
    const p = await readParams(c);
    if (!EDIT_PARAMS.some((k) => p[k] !== undefined)) throw invalidParam(`${EDIT_PARAMS.join(', ')} are missing, at least one parameter must be provided`);
    const patch: IssuePatch = {};
    if (p.title !== undefined) {
      if (String(p.title).trim() === '') throw invalidParam('title is empty');
      patch.title = String(p.title);
    }
    if (p.description !== undefined) patch.body = p.description === null ? null : String(p.description);
    if (p.labels !== undefined) patch.labels = nameList(p.labels) ?? [];
    if (p.add_labels !== undefined) patch.add_labels = nameList(p.add_labels) ?? [];
    if (p.remove_labels !== undefined) patch.remove_labels = nameList(p.remove_labels) ?? [];
    const who = assignees(p);
    if (who !== undefined) patch.assignees = who;
    if (p.state_event !== undefined) {
      if (p.state_event !== 'close' && p.state_event !== 'reopen') throw invalidParam('state_event does not have a valid value');
      patch.state = p.state_event === 'close' ? 'closed' : 'open';
    }
    const updated = store.update(repo.key, i.number, patch, { actor: actor(c) })!;
    return answer(c, restIssue(deps.ctx(), updated));
  });

  app.delete(`${base}/issues/:iid`, (c) => {
    const repo = projectOf(c);
    store.delete(repo.key, issueOf(c, repo).number, { actor: actor(c) });
    return c.body(null, 204);
  });

  app.get(`${base}/labels`, (c) => {
    const repo = projectOf(c);
    return answer(c, store.labels(repo.key).map((l) => restLabel(deps.ctx(), repo.key, l.name)));
  });
  app.post(`${base}/labels`, async (c) => {
    const repo = projectOf(c);
    const p = await readParams(c);
    if (typeof p.name !== 'string' || p.name === '') throw invalidParam('name is missing');
    if (typeof p.color !== 'string' || p.color === '') throw invalidParam('color is missing');
    if (store.findLabel(repo.key, p.name)) throw new ApiError(409, { message: 'Label already exists' });
    store.label(repo.key, p.name, { color: p.color, ...(typeof p.description === 'string' ? { description: p.description } : {}) });
    return answer(c, restLabel(deps.ctx(), repo.key, p.name), 201);
  });

  const hookJson = (repo: Repo, id: number) => {
    const h = deps.webhooks.hook(id)!;
    const issues = deps.webhooks.wants(h, 'issues_events');
    return { id: h.id, url: h.url, project_id: repo.id, push_events: h.events.includes('push_events'), issues_events: issues, confidential_issues_events: false, merge_requests_events: false, tag_push_events: false, note_events: false, enable_ssl_verification: true, created_at: isoMillis(h.created_at), alert_status: 'executable' };
  };
  app.get(`${base}/hooks`, (c) => {
    const repo = projectOf(c);
    return answer(c, deps.webhooks.hooks(repo.key).map((h) => hookJson(repo, h.id)));
  });
  app.post(`${base}/hooks`, async (c) => {
    const repo = projectOf(c);
    const p = await readParams(c);
    if (typeof p.url !== 'string' || p.url === '') throw invalidParam('url is missing');
    const flag = (k: string, fallback: boolean) => (p[k] === undefined ? fallback : String(p[k]) === 'true');
    const events = [...(flag('push_events', true) ? ['push_events'] : []), ...(flag('issues_events', false) ? ['issues_events'] : [])];
    const hook = deps.webhooks.subscribe(repo.key, { url: p.url, secret: typeof p.token === 'string' && p.token ? p.token : null, events });
    return answer(c, hookJson(repo, hook.id), 201);
  });
  app.delete(`${base}/hooks/:hookId`, (c) => {
    const repo = projectOf(c);
    const hook = deps.webhooks.hook(Number(c.req.param('hookId')));
    if (!hook || hook.repo !== repo.key) throw new ApiError(404, { message: '404 Not found' });
    deps.webhooks.unsubscribe(hook.id);
    return c.body(null, 204);
  });
}
