/**
 * Gitea's issue routes under `/api/v1` (reference §3): list, get, create (201; `labels` are label ids — names are
 * accepted too, as newer versions do — and `closed` opens it closed), edit (PATCH → 201, yes; `assignees` replaces
 * the set; a state other than open/closed is a 412), delete (204), the issue-label sub-resource (POST adds, PUT
 * replaces, both 200 with every label now on the issue; DELETE clears or removes one by id, 204), repository labels
 * and repository hooks. Unknown label ids and names are ignored (inferred from the reference: unknown names are
 * discarded); any user can be assigned.
 */
import type { Hono } from 'hono';
import { isObject, json, type GitContext, type GitEnv } from '../common/http.ts';
import type { Issue, IssuePatch, IssueStore, Repo } from '../common/store.ts';
import type { GiteaErrors } from './errors.ts';
import { linkHeader, listIssues } from './list.ts';
import { issue as renderIssue, label as renderLabel, time, type RenderContext } from './render.ts';
import type { GiteaWebhooks } from './webhooks.ts';

export interface RouteDeps {
  store: IssueStore;
  webhooks: GiteaWebhooks;
  errors: GiteaErrors;
  ctx: () => RenderContext;
}

/** What `issues` in a hook's `events` stands for when made through the API (Gitea's toHookEvent; inferred). */
const ISSUE_EVENT_TYPES = ['issues', 'issue_label', 'issue_assign'];

export function registerRoutes(app: Hono<GitEnv>, deps: RouteDeps): void {
  const { store, errors } = deps;
  const base = '/api/v1/repos/:owner/:repo';
  const repoOf = (c: GitContext): Repo => {
    const repo = store.findRepo(`${c.req.param('owner')}/${c.req.param('repo')}`);
    if (!repo) throw errors.notFound();
    return repo;
  };
  const issueOf = (c: GitContext, repo: Repo): Issue => {
    const n = c.req.param('index') ?? '';
    const found = /^\d+$/.test(n) ? store.get(repo.key, Number(n)) : undefined;
    if (!found || found.deleted) throw errors.notFound();
    return found;
  };
  const render = (i: Issue) => renderIssue(deps.ctx(), i);
  const actor = (c: GitContext) => c.get('caller').login;
  const body = async (c: GitContext): Promise<Record<string, unknown>> => {
    const text = await c.req.text();
    if (text.trim() === '') return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw errors.validation('invalid JSON body');
    }
    if (!isObject(value)) throw errors.validation('the body must be a JSON object');
    return value;
  };
  /** Label ids or names that exist in the repository, as names. */
  const labelNames = (repo: Repo, value: unknown): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw errors.validation('[Labels]: must be a list');
    const out: string[] = [];
    for (const v of value) {
      const label = typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)) ? store.findLabel(repo.key, Number(v)) : typeof v === 'string' ? store.findLabel(repo.key, v) : undefined;
      if (label) out.push(label.name);
    }
    return out;
  };
  const usernames = (value: unknown): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw errors.validation('[Assignees]: must be a list of user names');
    return (value as string[]).filter(Boolean);
  };

  app.get(`${base}/issues`, (c) => {
    const repo = repoOf(c);
    const url = new URL(c.req.url);
    const { page, total } = listIssues(store, repo, url, errors);
    const link = linkHeader(deps.ctx().root, url, page);
    const headers: Record<string, string> = { 'X-Total-Count': String(total), 'Access-Control-Expose-Headers': link ? 'X-Total-Count, Link' : 'X-Total-Count' };
    if (link) headers.Link = link;
    return json(c, page.items.map(render), 200, headers);
  });

  app.post(`${base}/issues`, async (c) => {
    const repo = repoOf(c);
    const b = await body(c);
    if (typeof b.title !== 'string' || b.title.trim() === '') throw errors.validation('[Title]: Required');
    const assignees = [...usernames(b.assignees), ...(typeof b.assignee === 'string' && b.assignee ? [b.assignee] : [])];
    const created = store.create(
      repo.key,
      { title: b.title, body: typeof b.body === 'string' ? b.body : '', labels: labelNames(repo, b.labels), assignees, state: b.closed === true ? 'closed' : 'open' },
      { actor: actor(c) },
    );
    return json(c, render(created), 201);
  });

  app.get(`${base}/issues/:index`, (c) => json(c, render(issueOf(c, repoOf(c)))));

  app.patch(`${base}/issues/:index`, async (c) => {
    const repo = repoOf(c);
    const i = issueOf(c, repo);
    const b = await body(c);
    const patch: IssuePatch = {};
    if (typeof b.title === 'string' && b.title !== '') patch.title = b.title;
    if (typeof b.body === 'string') patch.body = b.body;
    if ('assignees' in b) patch.assignees = usernames(b.assignees);
    else if (typeof b.assignee === 'string') patch.assignees = b.assignee ? [b.assignee] : [];
    if (b.state !== undefined && b.state !== null) {
      if (b.state !== 'open' && b.state !== 'closed') throw errors.unknownState(String(b.state));
      patch.state = b.state;
    }
    const updated = store.update(repo.key, i.number, patch, { actor: actor(c) })!;
    // 201 on an edit, as v1.23-era Gitea answers (reference §3).
    return json(c, render(updated), 201);
  });

  app.delete(`${base}/issues/:index`, (c) => {
    const repo = repoOf(c);
    store.delete(repo.key, issueOf(c, repo).number, { actor: actor(c) });
    return c.body(null, 204);
  });

  const issueLabels = (c: GitContext, repo: Repo, i: Issue) => json(c, i.labels.map((n) => renderLabel(deps.ctx(), repo.key, n)));
  app.get(`${base}/issues/:index/labels`, (c) => {
    const repo = repoOf(c);
    return issueLabels(c, repo, issueOf(c, repo));
  });
  for (const method of ['post', 'put'] as const) {
    app[method](`${base}/issues/:index/labels`, async (c) => {
      const repo = repoOf(c);
      const i = issueOf(c, repo);
      const names = labelNames(repo, (await body(c)).labels);
      const patch: IssuePatch = method === 'post' ? { add_labels: names } : { labels: names };
      return issueLabels(c, repo, store.update(repo.key, i.number, patch, { actor: actor(c) })!);
    });
  }
  app.delete(`${base}/issues/:index/labels`, (c) => {
    const repo = repoOf(c);
    store.update(repo.key, issueOf(c, repo).number, { clear_labels: true }, { actor: actor(c) });
    return c.body(null, 204);
  });
  app.delete(`${base}/issues/:index/labels/:id`, (c) => {
    const repo = repoOf(c);
    const i = issueOf(c, repo);
    const label = /^\d+$/.test(c.req.param('id')) ? store.findLabel(repo.key, Number(c.req.param('id'))) : undefined;
    if (!label) throw errors.validation('label does not exist');
    store.update(repo.key, i.number, { remove_labels: [label.name] }, { actor: actor(c) });
    return c.body(null, 204);
  });

  app.get(`${base}/labels`, (c) => {
    const repo = repoOf(c);
    return json(c, store.labels(repo.key).map((l) => renderLabel(deps.ctx(), repo.key, l.name)));
  });
  app.post(`${base}/labels`, async (c) => {
    const repo = repoOf(c);
    const b = await body(c);
    if (typeof b.name !== 'string' || b.name === '') throw errors.validation('[Name]: Required');
    if (typeof b.color !== 'string' || !/^#?[0-9a-fA-F]{6}$/.test(b.color)) throw errors.validation('[Color]: Required');
    store.label(repo.key, b.name, { color: b.color, ...(typeof b.description === 'string' ? { description: b.description } : {}) });
    return json(c, renderLabel(deps.ctx(), repo.key, b.name), 201);
  });

  const hookJson = (id: number) => {
    const h = deps.webhooks.hook(id)!;
    const at = time(deps.ctx(), h.created_at);
    return { id: h.id, type: 'gitea', branch_filter: '*', config: { content_type: h.content_type, url: h.url }, events: h.events, authorization_header: '', active: h.active, updated_at: at, created_at: at };
  };
  app.get(`${base}/hooks`, (c) => json(c, deps.webhooks.hooks(repoOf(c).key).map((h) => hookJson(h.id))));
  app.post(`${base}/hooks`, async (c) => {
    const repo = repoOf(c);
    const b = await body(c);
    const config = isObject(b.config) ? b.config : {};
    if (typeof config.url !== 'string' || config.url === '') throw errors.validation('Missing config option: url');
    if (config.content_type !== 'json' && config.content_type !== 'form') throw errors.validation('Invalid content type');
    const asked = Array.isArray(b.events) ? b.events.filter((e): e is string => typeof e === 'string') : ['push'];
    const events = [...new Set(asked.flatMap((e) => (e === 'issues' ? ISSUE_EVENT_TYPES : [e])))];
    const hook = deps.webhooks.subscribe(repo.key, { url: config.url, secret: typeof config.secret === 'string' && config.secret ? config.secret : null, events, content_type: config.content_type, active: b.active === true });
    return json(c, hookJson(hook.id), 201);
  });
  app.delete(`${base}/hooks/:id`, (c) => {
    const repo = repoOf(c);
    const hook = deps.webhooks.hook(Number(c.req.param('id')));
    if (!hook || hook.repo !== repo.key) throw errors.notFound();
    deps.webhooks.unsubscribe(hook.id);
    return c.body(null, 204);
  });
}
